import type { OutgoingHttpHeaders } from 'node:http';
import { HOP_BY_HOP_RESPONSE } from './header-names.ts';
import { withoutProtectedCookies } from './protected-cookies.ts';

/**
 * Headers of an upstream response as relayed to the client: hop-by-hop headers and those named in
 * the upstream's Connection header are removed, and Set-Cookie values that set one of the gateway's own cookies
 * (`protect`, lower-case names; each dropped name is pushed on `dropped`); everything else (other Set-Cookie
 * values included, each kept as sent) passes unchanged.
 */
export function filterResponseHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, protect?: ReadonlySet<string>, dropped?: string[]): OutgoingHttpHeaders {
  const conn = headers['connection'];
  const named = conn === undefined ? undefined : connectionNamed(conn);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const n = name.toLowerCase();
    if (HOP_BY_HOP_RESPONSE.has(n) || named?.has(n)) continue;
    if (n === 'set-cookie' && protect !== undefined && protect.size > 0) {
      const kept = withoutProtectedCookies(value, protect, dropped ?? []);
      if (kept !== undefined) out[n] = kept;
      continue;
    }
    out[n] = value;
  }
  return out;
}

function connectionNamed(conn: string | string[]): Set<string> {
  const named = new Set<string>();
  for (const v of Array.isArray(conn) ? conn : [conn]) {
    for (const t of v.split(',')) if (t.trim() !== '') named.add(t.trim().toLowerCase());
  }
  return named;
}
