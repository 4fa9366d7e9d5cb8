import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAirlockError } from '../../errors/index.ts';
import { hashBinding, identityErrors, mapIdentity } from '../../identity/index.ts';
import { readSessionCookie, serializeSessionCookie } from '../../session/index.ts';
import { applyScim } from '../../scim/index.ts';
import { auditLogin } from '../audit-hooks.ts';
import type { GatewayServices, RequestState } from '../context.ts';
import { redirect } from '../respond.ts';
import type { Runtime } from '../runtime.ts';
import { loginCookie, readLoginCookie } from './login-cookie.ts';
import { afterLoginTarget, withIdpMfa } from './webauthn/after-login.ts';

/**
 * GET /.airlock/callback — the IdP's redirect. The state is single-use and bound to the browser that
 * started the login; openid-client verifies the code exchange, the ID token signature, iss, aud, exp,
 * iat, nonce, PKCE and (when the IdP supports RFC 9207) the `iss` parameter; userinfo's sub must equal
 * the ID token's. A session cookie from before the login is never promoted: a new id is issued.
 */
export async function callback(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  rs.api = false;
  const stateParam = url.searchParams.getAll('state');
  if (stateParam.length !== 1 || !stateParam[0]) {
    svc.metrics.logins.inc({ result: 'bad_state' });
    throw identityErrors.LoginStateInvalid.create({ logMessage: 'callback without exactly one state parameter' });
  }
  const pending = await svc.loginStates.take(stateParam[0], svc.now());
  const binding = readLoginCookie(rt, req.headers.cookie);
  if (!pending || !binding || hashBinding(binding) !== pending.browserBindingHash) {
    svc.metrics.logins.inc({ result: 'bad_state' });
    throw identityErrors.LoginStateInvalid.create({ logMessage: pending ? 'login cookie does not match the state' : 'unknown, expired or used state' });
  }
  let result;
  let mapped;
  try {
    result = await rt.rp.finishLogin(new URL(`${rt.publicUrl}${url.pathname}${url.search}`), {
      state: pending.state,
      nonce: pending.nonce,
      codeVerifier: pending.codeVerifier,
    });
    mapped = mapIdentity(result.idClaims, result.userinfo, rt.config.idp.claims, rt.roles, result.resolvedClaims);
    // a SCIM record decides: deactivated or deleted -> refused; else its groups (scim.groups) -> roles (docs/scim.md)
    mapped = await applyScim(svc.store, rt.config.scim, rt.roles, mapped);
  } catch (err) {
    // a silent re-authentication the IdP cannot answer without the person: continue with a normal sign-in
    if (pending.silent && identityErrors.IdpError.is(err) && SILENT_FAILED.has(String(err.details?.idp_error))) {
      svc.log.info({ reqId: rs.id, idpError: err.details?.idp_error }, 'silent re-authentication needs the person: normal sign-in');
      return redirect(res, `/.airlock/login?rd=${encodeURIComponent(pending.returnTo)}`, { 'set-cookie': loginCookie(rt, '', 0) });
    }
    svc.metrics.logins.inc({ result: 'refused' });
    logRefusedLogin(svc, rs, err);
    throw err;
  }
  const { identity, idpMfa } = withIdpMfa(rt, mapped, result.idClaims, svc.now());
  const previous = readSessionCookie(rt.cookie, req.headers.cookie);
  if (previous) await svc.sessions.revoke(previous, 'replaced by a new login');
  const idpSid = typeof result.idClaims.sid === 'string' ? result.idClaims.sid : undefined;
  const idpSub = typeof result.idClaims.sub === 'string' ? result.idClaims.sub : undefined;
  // the IdP's sid/sub (back- and front-channel logout) and its refresh token (claims refresh; sealed in the store)
  const { id } = await svc.sessions.create(identity, { ...(idpSid ? { idpSid } : {}), ...(idpSub ? { idpSub } : {}), idToken: result.idToken, ...(result.refreshToken ? { refreshToken: result.refreshToken } : {}) });
  await svc.store.users.upsertLogin({ sub: identity.sub, username: identity.username, email: identity.email ?? null, name: identity.name ?? null, groups: [...identity.groups], at: svc.now() } as never);
  svc.tokens.forgetOwner(identity.sub); // this person's tokens follow the groups of this login at once (this worker; others within 200 ms)
  await auditLogin(svc, req, rs, identity, id); // durable: no cookie is set when the login cannot be recorded
  svc.metrics.logins.inc({ result: 'ok' });
  svc.log.info({ reqId: rs.id, sub: identity.sub, user: identity.username, roles: identity.roles, groups: identity.groups, mfa: identity.mfa.method, idpMfaRefused: idpMfa.refused }, 'login');
  rs.identity = identity;
  redirect(res, await afterLoginTarget(svc, rt, identity, pending.returnTo), {
    'set-cookie': [serializeSessionCookie(rt.cookie, id, Math.floor(rt.config.session.absolute_timeout / 1000)), loginCookie(rt, '', 0)],
  });
}

/** OIDC Core 3.1.2.6: what an IdP answers to prompt=none when it needs the person. */
const SILENT_FAILED = new Set(['login_required', 'interaction_required', 'consent_required', 'account_selection_required']);

/**
 * One line per refused sign-in: the code, the failed check or claim (`check`), the IdP's OAuth `idp_error`, the
 * `reason`/`idp_status` of a back-channel failure (all from the error's client-safe details), and the cause in words
 * (with the IdP's error_description). Identity errors carry no token, secret or response body (see safeCause).
 */
function logRefusedLogin(svc: GatewayServices, rs: RequestState, err: unknown): void {
  if (!isAirlockError(err)) return; // an unexpected failure: logged once, with its cause, as AIRLOCK_SERVER_INTERNAL
  svc.log.warn({ reqId: rs.id, code: err.code, ...(err.details ?? {}), why: err.message }, 'sign-in refused');
}
