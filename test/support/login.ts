import { CookieJar } from './cookie-jar.ts';
import { followRedirects } from './follow-redirects.ts';
import { parseForms } from './html-form.ts';

export { CookieJar } from './cookie-jar.ts';
export { followRedirects, type FollowOptions, type FollowResult } from './follow-redirects.ts';
export { parseForms, type HtmlForm } from './html-form.ts';

/** Why a scripted login stopped; `step` says where (tests branch on it, never on the message). */
export class LoginFailed extends Error {
  readonly step: 'no-login-form' | 'credentials-refused';
  readonly response: Response;
  constructor(step: LoginFailed['step'], response: Response, message: string) {
    super(message);
    this.name = 'LoginFailed';
    this.step = step;
    this.response = response;
  }
}

export interface LoginResult {
  /** The gateway's cookies as a Cookie header. */
  cookieHeader: string;
  /** The URL of the final (non-redirect) response. */
  finalUrl: string;
  /** The final response, body unread. */
  response: Response;
  /** Every cookie seen, per origin (gateway and IdP), for follow-up requests. */
  jar: CookieJar;
}

/**
 * Logs in the way a browser would: GET <gateway>/.airlock/login?rd=<returnTo>, through the IdP's login form,
 * back to <gateway>/.airlock/callback and on to the final page. Throws LoginFailed when no form appears or
 * the IdP shows its form again (wrong credentials).
 */
export async function loginThroughGateway(
  gatewayUrl: string,
  username: string,
  password: string,
  opts: { returnTo?: string; jar?: CookieJar; /** Start here instead of /.airlock/login?rd=<returnTo> (a path on the gateway). */ loginPath?: string } = {},
): Promise<LoginResult> {
  const jar = opts.jar ?? new CookieJar();
  const base = gatewayUrl.replace(/\/+$/, '');
  const start = `${base}${opts.loginPath ?? `/.airlock/login?rd=${encodeURIComponent(opts.returnTo ?? '/')}`}`;
  const first = await followRedirects(start, { jar });
  const page = await first.response.text();
  const form = parseForms(page, first.url).find((f) => f.fields.some((x) => x.type === 'password'));
  if (!form) {
    throw new LoginFailed('no-login-form', first.response, `no login form at ${first.url} (status ${first.response.status})`);
  }
  const body = new URLSearchParams();
  for (const f of form.fields) {
    if (f.type === 'password') body.set(f.name, password);
    else if (f.name === 'username' || f.name === 'login' || f.type === 'email') body.set(f.name, username);
    else body.set(f.name, f.value);
  }
  const done = await followRedirects(form.action, { jar, method: form.method, body });
  const ct = done.response.headers.get('content-type') ?? '';
  if (ct.includes('text/html') && new URL(done.url).origin === new URL(form.action).origin) {
    const html = await done.response.clone().text();
    if (parseForms(html, done.url).some((f) => f.fields.some((x) => x.type === 'password'))) {
      throw new LoginFailed('credentials-refused', done.response, `the IdP refused the credentials of ${username} (status ${done.response.status})`);
    }
  }
  return { cookieHeader: jar.header(base), finalUrl: done.url, response: done.response, jar };
}
