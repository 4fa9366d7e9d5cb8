import type { OutgoingHttpHeaders } from 'node:http';
import { HOP_BY_HOP_RESPONSE } from './header-names.ts';

/**
 * Headers of an upstream response as relayed to the client: hop-by-hop headers and those named in
 * the upstream's Connection header are removed; everything else (Set-Cookie values included, each
 * kept as sent) passes unchanged.
 */
export function filterResponseHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): OutgoingHttpHeaders {
  const conn = headers['connection'];
  const named = conn === undefined ? undefined : connectionNamed(conn);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const n = name.toLowerCase();
    if (HOP_BY_HOP_RESPONSE.has(n) || named?.has(n)) continue;
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
