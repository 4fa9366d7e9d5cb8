import type { IncomingMessage, ServerResponse } from 'node:http';
import { hashBinding, newBrowserBinding, safeReturnTo } from '../../identity/index.ts';
import type { GatewayServices, RequestState } from '../context.ts';
import { redirect } from '../respond.ts';
import type { Runtime } from '../runtime.ts';
import { loginCookie } from './login-cookie.ts';
import { afterReauthReturnTo, FORCED_SIGN_IN } from './webauthn/context.ts';

export const LOGIN_TTL_MS = 10 * 60_000;

/**
 * GET /.airlock/login?rd=/path — starts the authorization code flow with PKCE, state and nonce.
 * `reauth=enroll`: a forced sign-in (prompt=login, max_age=0) for a first security key, back to the enrol page.
 * `silent=1`: prompt=none (a session that must re-authenticate, see reauth.ts).
 */
export async function login(_req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  rs.api = false;
  const reauth = url.searchParams.get('reauth') === 'enroll';
  const returnTo = reauth ? afterReauthReturnTo(url.searchParams.get('rd')) : safeReturnTo(url.searchParams.get('rd'));
  // silent=1: a session whose claims are too old and that has no refresh token signs in again without a page at
  // the IdP (prompt=none); if the IdP needs the person, the callback continues with a normal sign-in
  const silent = !reauth && url.searchParams.get('silent') === '1';
  const start = await rt.rp.startLogin(reauth ? { ...FORCED_SIGN_IN } : silent ? { prompt: 'none' } : {});
  const binding = newBrowserBinding();
  const now = svc.now();
  await svc.loginStates.put(
    { state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, returnTo, browserBindingHash: hashBinding(binding), createdAt: now, ...(silent ? { silent: true } : {}) },
    LOGIN_TTL_MS,
  );
  redirect(res, start.url, { 'set-cookie': loginCookie(rt, binding, LOGIN_TTL_MS / 1000) });
}
