import { request } from 'node:http';
import { CookieJar, loginThroughGateway } from '../test/support/login.ts';

/**
 * Signs a person in to Apache + mod_auth_openidc through the dev IdP and returns its session cookie (kept
 * server-side by mod_auth_openidc, OIDCSessionType server-cache). mod_auth_openidc redirects only a browser's
 * navigation to the IdP (Sec-Fetch-Mode: navigate) and answers other requests 401; fetch() always sends
 * Sec-Fetch-Mode: cors, so the first request goes through node:http, the rest (IdP form, callback) through the
 * tests' form login.
 */
export async function apacheLogin(apacheUrl: string, username: string, password: string, path = '/api/v1/dags'): Promise<string> {
  const jar = new CookieJar();
  const first = await navigate(`${apacheUrl}${path}`);
  if (first.status !== 302 || !first.location) throw new Error(`mod_auth_openidc did not redirect to the IdP (status ${first.status})`);
  for (const line of first.setCookie) jar.storeLine(apacheUrl, line);
  const authorize = new URL(first.location, apacheUrl);
  const done = await loginThroughGateway(authorize.origin, username, password, { jar, loginPath: authorize.pathname + authorize.search });
  await done.response.arrayBuffer();
  if (done.response.status !== 200) throw new Error(`Apache login ended with ${done.response.status} at ${done.finalUrl}`);
  return jar.header(apacheUrl);
}

/** mod_auth_openidc binds its state to the User-Agent (OIDCStateInputHeaders): the one Node's fetch() sends. */
const FETCH_USER_AGENT = 'node';

function navigate(url: string): Promise<{ status: number; location: string | undefined; setCookie: string[] }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const r = request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, headers: { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'user-agent': FETCH_USER_AGENT } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, setCookie: res.headers['set-cookie'] ?? [] }));
      },
    );
    r.on('error', reject);
    r.end();
  });
}
