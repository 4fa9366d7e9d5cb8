import type { IncomingHttpHeaders } from 'node:http';

/**
 * Did a state-changing form POST come from a page of this gateway's origin (not from another site)?
 *
 * - With fetch metadata (every current browser sends `Sec-Fetch-Site`): only `same-origin` passes (and `none`,
 *   the person's own action such as re-submitting a form, which no other site can cause). `Origin` must then be
 *   absent, public_url's origin, or `null`: a page whose Referrer-Policy is `no-referrer` (Airflow's pages may
 *   send it) makes the browser post `Origin: null` for its own forms.
 * - Without fetch metadata (older browsers, scripts): `Origin` must be public_url's origin. A POST with neither
 *   header is refused: nothing shows it came from here.
 *
 * A sandboxed frame or a `data:` page posts `Origin: null` with `Sec-Fetch-Site: cross-site` (its origin is
 * opaque): refused. Repeated headers reach Node joined with ", " and match nothing: refused.
 */
export function isSameOriginPost(headers: IncomingHttpHeaders, publicOrigin: string): boolean {
  const origin = headers.origin;
  const site = headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site !== 'same-origin' && site !== 'none') return false;
    return origin === undefined || origin === 'null' || origin === publicOrigin;
  }
  return origin === publicOrigin;
}
