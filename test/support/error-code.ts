/** The `code` of what fn throws (undefined when it returns, or throws something without one). */
export function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}
