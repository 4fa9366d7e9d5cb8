import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../../../identity/index.ts';
import { safeReturnTo } from '../../../identity/index.ts';
import { readSessionCookie, serializeSessionCookie } from '../../../session/index.ts';
import { finishAuthentication, sha256b64, startAuthentication, webauthnErrors, webauthnFor } from '../../../webauthn/index.ts';
import { applyScim } from '../../../scim/index.ts';
import type { GatewayServices, RequestState } from '../../context.ts';
import { sendJson } from '../../respond.ts';
import type { Runtime } from '../../runtime.ts';
import { ceremonyDeps, readJsonBody } from './context.ts';

const BINDING_TTL_S = 300;

function cookieName(rt: Runtime): string {
  return `${rt.loginCookieName}-pk`;
}

function bindingCookie(rt: Runtime, value: string, maxAge: number): string {
  return [`${cookieName(rt)}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAge}`, ...(rt.cookie.secure ? ['Secure'] : [])].join('; ');
}

function readBinding(rt: Runtime, header: string | undefined): string | undefined {
  let found: string | undefined;
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0 || part.slice(0, i).trim() !== cookieName(rt)) continue;
    if (found !== undefined) return undefined;
    found = part.slice(i + 1).trim();
  }
  return found && /^[A-Za-z0-9_-]{43}$/.test(found) ? found : undefined;
}

function requireEnabled(rt: Runtime): void {
  if (!webauthnFor(rt.config).passwordless.enabled) throw webauthnErrors.PasswordlessDisabled.create();
}

/** POST /.airlock/webauthn/passwordless/options — a challenge bound to this browser (a fresh cookie). */
export async function passwordlessOptions(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime): Promise<void> {
  requireEnabled(rt);
  await readJsonBody(req, rt);
  const value = randomBytes(32).toString('base64url');
  const options = await startAuthentication(ceremonyDeps(svc, rt), { purpose: 'passwordless', person: null, binding: sha256b64(value) });
  sendJson(res, 200, options, { 'set-cookie': bindingCookie(rt, value, BINDING_TTL_S) });
}

/**
 * POST /.airlock/webauthn/passwordless/verify { response, rd? } — a discoverable credential (with its user
 * handle) signs in the person it was enrolled by, with the groups of their last IdP login, if that login is
 * at most `passwordless.max_idp_login_age` old and the user is not disabled.
 */
export async function passwordlessVerify(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  requireEnabled(rt);
  const body = await readJsonBody(req, rt);
  const rd = safeReturnTo(typeof body.rd === 'string' ? body.rd : undefined);
  const value = readBinding(rt, req.headers.cookie);
  if (!value) throw webauthnErrors.ChallengeMismatch.create({ logMessage: 'passwordless verify without its browser cookie' });
  const d = ceremonyDeps(svc, rt);
  const r = await finishAuthentication(d, { purposes: ['passwordless'], person: null, binding: sha256b64(value), response: body.response, requestId: rs.id });
  const now = svc.now();
  const user = await svc.store.users.get(r.credential.sub);
  if (!user) throw webauthnErrors.PasswordlessLoginTooOld.create({ logMessage: 'no IdP login on record for the key owner' });
  if (user.disabledAt !== null) throw webauthnErrors.UserDisabled.create();
  if (now - user.lastLoginAt > d.cfg.passwordless.maxIdpLoginAge) throw webauthnErrors.PasswordlessLoginTooOld.create({ details: { login_url: `${rt.publicUrl}/.airlock/login` } });
  const fromLogin: Identity = Object.freeze({
    kind: 'person' as const,
    sub: user.sub,
    username: user.username,
    email: user.email ?? undefined,
    name: user.name ?? undefined,
    groups: Object.freeze([...user.groups]),
    roles: Object.freeze(rt.roles.rolesFor(user.groups)),
    mfa: Object.freeze({ method: 'webauthn' as const, at: r.at, credentialId: r.credential.id }),
  });
  // no IdP here: a deactivated or deleted SCIM record refuses the key too, and SCIM groups apply (docs/scim.md)
  const identity = await applyScim(svc.store, rt.config.scim, rt.roles, fromLogin);
  const previous = readSessionCookie(rt.cookie, req.headers.cookie);
  if (previous) await svc.sessions.revoke(previous, 'replaced by a new login');
  const { id } = await svc.sessions.create(identity);
  svc.metrics.logins.inc({ result: 'ok' });
  svc.log.info({ reqId: rs.id, sub: identity.sub, user: identity.username, roles: identity.roles, method: 'passwordless' }, 'login');
  rs.identity = identity;
  sendJson(res, 200, { ok: true, redirect: rd }, {
    'set-cookie': [serializeSessionCookie(rt.cookie, id, Math.floor(rt.config.session.absolute_timeout / 1000)), bindingCookie(rt, '', 0)],
  });
}
