/**
 * Makes an identity value safe as an HTTP header value. UTF-8 bytes outside visible ASCII
 * (0x21-0x7E) and "%" itself are percent-encoded, so CR, LF, NUL, spaces and non-ASCII can never
 * reach the wire raw; the receiver recovers the value with decodeURIComponent (Python:
 * urllib.parse.unquote). Values that are plain visible ASCII without "%" pass unchanged
 * (e.g. the JWT assertion).
 */
export function encodeHeaderValue(value: string): string {
  if (typeof value !== 'string') throw new TypeError('header value must be a string');
  if (/^[\x21-\x24\x26-\x7e]*$/.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte >= 0x21 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
