import { ReturnToInvalid } from './errors.ts';

/**
 * Accepts only a same-origin relative path as the place to return to after login:
 * it must start with exactly one "/", contain no backslash, no control or whitespace characters
 * (raw or percent-encoded), and parse to the same origin. Refuses "//evil", "/\\evil", "/%09/evil",
 * "https:evil", "javascript:...".
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '/';
  if (value.length > 2048) throw ReturnToInvalid.create();
  if (!value.startsWith('/') || value.startsWith('//')) throw ReturnToInvalid.create();
  if (/[\\\u0000-\u0020\u007f-\u009f\u2028\u2029]/.test(value)) throw ReturnToInvalid.create();
  let decoded = value;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      throw ReturnToInvalid.create();
    }
    if (/[\\\u0000-\u0020\u007f-\u009f]/.test(next) || next.startsWith('//')) throw ReturnToInvalid.create();
    if (next === decoded) break;
    decoded = next;
  }
  const base = 'https://airlock.invalid';
  const parsed = new URL(value, base);
  if (parsed.origin !== base) throw ReturnToInvalid.create();
  if (value.startsWith('/.airlock/')) return '/';
  return parsed.pathname + parsed.search + parsed.hash;
}
