/**
 * Header-name rules shared by request and response hygiene. Names are compared lower-cased and
 * with "_" read as "-" (so X_Forwarded_For is X-Forwarded-For).
 */

/** Lower-case, "_" -> "-". */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** RFC 9110 token (header names, Connection options). */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/** Hop-by-hop request headers (RFC 9110 7.6.1 plus the usual non-standard ones). */
export const HOP_BY_HOP_REQUEST: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Node's server already answered "100 Continue"; undici refuses the header.
  'expect',
]);

/** Hop-by-hop response headers. */
export const HOP_BY_HOP_RESPONSE: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers only the gateway may set; any client copy is removed. x-airlock-* is matched as a prefix. */
export const GATEWAY_SET: ReadonlySet<string> = new Set([
  'forwarded',
  'x-real-ip',
  'x-original-url',
  'x-rewrite-url',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-forwarded-ssl',
  'x-forwarded-scheme',
]);

export function isGatewaySet(canonical: string, extra: ReadonlySet<string>): boolean {
  return canonical.startsWith('x-airlock') || canonical.startsWith('x-forwarded-') || GATEWAY_SET.has(canonical) || extra.has(canonical);
}

/** Headers a Connection header may never name (naming them would strip them as hop-by-hop). */
const END_TO_END_PROTECTED: ReadonlySet<string> = new Set(['host', 'cookie', 'authorization', 'content-length', 'content-type']);

export function isProtected(canonical: string, extra: ReadonlySet<string>): boolean {
  return isGatewaySet(canonical, extra) || END_TO_END_PROTECTED.has(canonical);
}
