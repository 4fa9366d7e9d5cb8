/** A parsed HTTP/1.1 response head (status line and header lines), as read off a raw socket. */
export interface ResponseHead {
  readonly status: number;
  /** [name, value] in order, names as sent. */
  readonly headers: readonly (readonly [string, string])[];
}

/** Parses "HTTP/1.x NNN reason\r\nName: value\r\n..." (without the final blank line). Undefined if malformed. */
export function parseResponseHead(text: string): ResponseHead | undefined {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] ([1-5][0-9]{2})(?: [\t\x20-\x7e\x80-\xff]*)?$/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return undefined;
    const value = line.slice(colon + 1).trim();
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) return undefined;
    headers.push([name, value]);
  }
  return { status: Number(m[1]), headers };
}

export function headerValue(head: ResponseHead, lowerName: string): string | undefined {
  const found = head.headers.filter(([n]) => n.toLowerCase() === lowerName).map(([, v]) => v);
  return found.length === 0 ? undefined : found.join(', ');
}
