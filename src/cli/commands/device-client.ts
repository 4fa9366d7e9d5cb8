/**
 * The client side of `airlock login` (RFC 8628): ask the gateway for a device code, show it, poll the token
 * endpoint at the interval the gateway gives (5 s more after each slow_down) until the person approves,
 * denies, or the code expires. No dependency on the rest of the CLI: `fetch` and `sleep` are injectable.
 */
export const CLIENT_ID = 'airlock-cli';
export const DEVICE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceAuthorization {
  readonly device_code: string;
  readonly user_code: string;
  readonly verification_uri: string;
  readonly verification_uri_complete: string;
  readonly expires_in: number;
  readonly interval: number;
}

export interface IssuedLogin {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly scope: string;
  readonly env: string;
  readonly token_id: string;
}

export class LoginFailed extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface DeviceLoginOptions {
  /** The gateway's public URL (https, or http on localhost only). */
  readonly url: string;
  readonly envs?: readonly string[] | undefined;
  readonly actions?: readonly string[] | undefined;
  readonly onCode: (auth: DeviceAuthorization) => void;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Refuses a URL a token must not travel to: anything but https, except http on localhost / 127.0.0.1 / [::1]. */
export function gatewayBase(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new LoginFailed('url', `--url ${JSON.stringify(raw)} is not a URL`);
  }
  const loopback = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) throw new LoginFailed('url', '--url must be https:// (http:// only for localhost)');
  if (u.username || u.password || u.search || u.hash) throw new LoginFailed('url', '--url must be the gateway\'s address only, without credentials, query or fragment');
  return u.origin + u.pathname.replace(/\/+$/, '');
}

async function post(f: typeof fetch, url: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await f(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(form).toString(), redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new LoginFailed('response', `${url} answered ${res.status} without JSON (is --url the Airlock gateway?)`);
  }
  if (typeof body !== 'object' || body === null) throw new LoginFailed('response', `${url} answered ${res.status} with unexpected JSON`);
  return { status: res.status, body: body as Record<string, unknown> };
}

/** Runs the whole device flow; resolves with the issued token or rejects with LoginFailed. */
export async function deviceLogin(opts: DeviceLoginOptions): Promise<IssuedLogin> {
  const f = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const base = gatewayBase(opts.url);
  const req: Record<string, string> = { client_id: CLIENT_ID };
  if (opts.envs && opts.envs.length > 0) req.env = opts.envs.join(',');
  if (opts.actions && opts.actions.length > 0) req.scope = opts.actions.join(' ');
  const start = await post(f, `${base}/.airlock/device/code`, req);
  if (start.status !== 200) throw new LoginFailed(String(start.body.error ?? start.status), `the gateway refused the sign-in request: ${String(start.body.error_description ?? start.body.message ?? start.body.error)}`);
  const auth = start.body as unknown as DeviceAuthorization;
  if (typeof auth.device_code !== 'string' || typeof auth.user_code !== 'string' || typeof auth.verification_uri !== 'string') throw new LoginFailed('response', 'the gateway\'s answer lacks device_code, user_code or verification_uri');
  opts.onCode(auth);
  let interval = Math.max(1, Number(auth.interval) || 5) * 1000;
  const deadline = Date.now() + Math.max(1, Number(auth.expires_in) || 600) * 1000;
  for (;;) {
    await sleep(interval);
    const r = await post(f, `${base}/.airlock/device/token`, { grant_type: DEVICE_GRANT_TYPE, device_code: auth.device_code, client_id: CLIENT_ID });
    if (r.status === 200 && typeof r.body.access_token === 'string') return r.body as unknown as IssuedLogin;
    const error = String(r.body.error ?? r.status);
    if (error === 'authorization_pending') {
      if (Date.now() > deadline) throw new LoginFailed('expired_token', 'the code expired before anyone approved it; run airlock login again');
      continue;
    }
    if (error === 'slow_down') {
      interval += 5000;
      continue;
    }
    const why = error === 'access_denied' ? 'the sign-in was denied' : error === 'expired_token' ? 'the code expired before anyone approved it; run airlock login again' : `the gateway answered ${error}`;
    throw new LoginFailed(error, `${why}${typeof r.body.error_description === 'string' && error !== 'expired_token' ? ` (${r.body.error_description})` : ''}`);
  }
}
