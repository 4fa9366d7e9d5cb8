/**
 * Airflow's own "Log Out" routes, which the gateway answers itself. Airflow 2.10's navbar posts a form to
 * `/logout/` (with Airflow's csrf_token; `GET /logout/` is 405 there, older 2.x took GET); Airflow 3's UI opens
 * `GET /api/v2/auth/logout`. Forwarded, they would end only Airflow's session while the Airlock session (and so
 * the next request's assertion) carried on. The gateway sends the browser to its sign-out confirmation instead
 * (`GET /.airlock/logout` on public_url, 303): its button ends the Airlock session, and the IdP's when the IdP
 * offers it. Nothing is forwarded and no session is needed; the redirect changes nothing by itself, so a
 * cross-site post here gains an attacker nothing.
 */
const ROUTES: Readonly<Record<2 | 3, ReadonlySet<string>>> = {
  2: new Set(['POST /logout/', 'GET /logout/', 'POST /logout', 'GET /logout']),
  3: new Set(['GET /api/v2/auth/logout']),
};

/** True for Airflow's logout route of this Airflow major version (`path` within the environment, query ignored). */
export function isAirflowLogout(airflow: 2 | 3, method: string, pathWithinEnv: string): boolean {
  const q = pathWithinEnv.indexOf('?');
  return ROUTES[airflow].has(`${method} ${q < 0 ? pathWithinEnv : pathWithinEnv.slice(0, q)}`);
}

/** Where the gateway sends Airflow's Log Out: its own sign-out confirmation page. */
export function signOutConfirmationUrl(publicUrl: string): string {
  return `${publicUrl}/.airlock/logout`;
}
