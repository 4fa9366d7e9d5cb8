/**
 * Header-name rules shared by request and response hygiene. Names are compared lower-cased and
 * with "_" read as "-" (so X_Forwarded_For is X-Forwarded-For).
 */
import { isStrippedHeader } from './stripped-headers.ts';

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

/**
 * Headers a client may never send upstream: the table in stripped-headers.ts (X-Airlock*, Forwarded,
 * X-Forwarded-*, URL-rewrite, method-override, host-override and other proxies' identity headers), plus
 * `extra` (SanitizeOptions.gatewayHeaders). `canonical` is lower-case with "_" read as "-".
 */
export function isGatewaySet(canonical: string, extra: ReadonlySet<string>): boolean {
  return isStrippedHeader(canonical) || (extra.size > 0 && extra.has(canonical));
}

/** Headers a Connection header may never name (naming them would strip them as hop-by-hop). */
const END_TO_END_PROTECTED: ReadonlySet<string> = new Set(['host', 'cookie', 'authorization', 'content-length', 'content-type']);

export function isProtected(canonical: string, extra: ReadonlySet<string>): boolean {
  return isGatewaySet(canonical, extra) || END_TO_END_PROTECTED.has(canonical);
}
