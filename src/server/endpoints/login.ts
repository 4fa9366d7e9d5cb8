import type { IncomingMessage, ServerResponse } from 'node:http';
import { hashBinding, newBrowserBinding, safeReturnTo } from '../../identity/index.ts';
import type { GatewayServices, RequestState } from '../context.ts';
import { redirect } from '../respond.ts';
import type { Runtime } from '../runtime.ts';
import { loginCookie } from './login-cookie.ts';

export const LOGIN_TTL_MS = 10 * 60_000;

/** GET /.airlock/login?rd=/path — starts the authorization code flow with PKCE, state and nonce. */
export async function login(_req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  rs.api = false;
  const returnTo = safeReturnTo(url.searchParams.get('rd'));
  const start = await rt.rp.startLogin();
  const binding = newBrowserBinding();
  const now = svc.now();
  await svc.loginStates.put(
    { state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, returnTo, browserBindingHash: hashBinding(binding), createdAt: now },
    LOGIN_TTL_MS,
  );
  redirect(res, start.url, { 'set-cookie': loginCookie(rt, binding, LOGIN_TTL_MS / 1000) });
}
