import type { IncomingMessage, ServerResponse } from 'node:http';
import { clearSessionCookie, readSessionCookie } from '../../session/index.ts';
import { auditLogout } from '../audit-hooks.ts';
import type { GatewayServices, RequestState } from '../context.ts';
import { CrossOrigin } from '../errors.ts';
import { isSameOriginPost } from '../same-origin.ts';
import { signOutPageHeaders } from '../sign-out-page.ts';
import { escapeHtml, layout } from '../pages/html.ts';
import { redirect, sendHtml } from '../respond.ts';
import type { Runtime } from '../runtime.ts';

/**
 * POST /.airlock/logout — ends the local session (in every worker at once) and, when the IdP has an
 * end_session_endpoint, continues to it. Only posts from this gateway's own pages are accepted (isSameOriginPost):
 * a cross-site post, or one that shows no origin at all, is refused (403) and the session stays.
 */
export async function logout(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  rs.api = false;
  if (!isSameOriginPost(req.headers, rt.publicOrigin)) {
    throw CrossOrigin.create({ logMessage: `logout from origin ${String(req.headers.origin).slice(0, 100)}, sec-fetch-site ${String(req.headers['sec-fetch-site']).slice(0, 40)}` });
  }
  req.resume();
  const id = readSessionCookie(rt.cookie, req.headers.cookie);
  let idToken: string | undefined;
  if (id) {
    const record = await svc.sessions.get(id);
    // the memory copy does not hold the ID token: read it from the store before the row is revoked
    idToken = record?.hasIdToken ? await svc.sessions.storedIdToken(id) : undefined;
    await svc.sessions.revoke(id, 'logout');
    if (record) await auditLogout(svc, req, rs, record.identity);
    if (record) svc.log.info({ reqId: rs.id, sub: record.identity.sub, user: record.identity.username }, 'logout');
  }
  svc.metrics.logouts.inc();
  const after = `${rt.publicUrl}/.airlock/logged-out`;
  const idpLogout = rt.rp.endSessionUrl(idToken, after);
  redirect(res, idpLogout ?? '/.airlock/logged-out', { 'set-cookie': clearSessionCookie(rt.cookie) }, 303);
}

/** GET /.airlock/logout — logout is POST only; offer the button (also where Airflow's own Log Out leads). */
export function logoutForm(_req: IncomingMessage, res: ServerResponse, _svc: GatewayServices, rt: Runtime): void {
  sendHtml(res, 200, layout('Sign out', `<h1>Sign out</h1><p>Sign out of Airlock and of Airflow behind it.</p><form method="post" action="/.airlock/logout"><button type="submit">Sign out</button></form>`), signOutPageHeaders(rt));
}

export function loggedOut(_req: IncomingMessage, res: ServerResponse): void {
  sendHtml(res, 200, layout('Signed out', `<h1>You are signed out</h1><p>Your Airlock session has ended.</p><p><a class="button" href="${escapeHtml('/.airlock/login')}">Sign in again</a></p>`));
}
