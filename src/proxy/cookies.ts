/**
 * Removes the named cookies from a Cookie header value. The other cookies keep their exact bytes
 * and order ("a=1; airlock=x; b=2" -> "a=1; b=2"). Names are case-sensitive (RFC 6265).
 * Returns undefined when no cookie is left.
 */
export function removeCookies(header: string, name: string, others: ReadonlySet<string>): string | undefined {
  const kept: string[] = [];
  for (const piece of header.split(';')) {
    const eq = piece.indexOf('=');
    const n = (eq === -1 ? piece : piece.slice(0, eq)).trim();
    if (n === name || others.has(n)) continue;
    if (piece.trim() === '') continue;
    kept.push(kept.length === 0 ? piece.replace(/^[ \t]+/, '') : piece);
  }
  return kept.length === 0 ? undefined : kept.join(';');
}
