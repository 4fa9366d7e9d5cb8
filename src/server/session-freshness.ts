import type { IdpConfig } from '../config/index.ts';
import { isAirlockError } from '../errors/index.ts';
import { identityErrors, mapIdentity, type Identity } from '../identity/index.ts';
import { RefreshRefused, RefreshUnavailable, ReauthRequired, sessionHandle, tokenSealer, type FreshOutcome, type RefreshAnswer, type RefreshFn, type SessionRecord, type TokenSealer } from '../session/index.ts';
import { applyScim, scimErrors } from '../scim/index.ts';
import type { GatewayServices } from './context.ts';
import type { Runtime } from './runtime.ts';

const sealers = new WeakMap<IdpConfig, TokenSealer | undefined>();

/**
 * The key that seals IdP refresh tokens in the store, derived from the IdP client credential (client_secret or
 * private_key), which is never in the store. Rotating the credential makes stored refresh tokens unreadable: those
 * sessions re-authenticate once their claims are older than session.claims_max_age (docs/sessions.md).
 */
export function sealerFor(idp: IdpConfig): TokenSealer | undefined {
  if (sealers.has(idp)) return sealers.get(idp);
  const material = idp.client_secret?.reveal() ?? idp.private_key?.reveal();
  const sealer = material === undefined || material.length < 8 ? undefined : tokenSealer(material, `airlock:${idp.issuer}:${idp.client_id}`);
  sealers.set(idp, sealer);
  return sealer;
}

const refreshers = new WeakMap<Runtime, RefreshFn>();

/** The runtime's refresh: the IdP token endpoint, then the login's claim mapping. Built once per config snapshot. */
function refreshFor(rt: Runtime, svc: GatewayServices): RefreshFn {
  let fn = refreshers.get(rt);
  if (fn === undefined) {
    fn = (token, record) => refreshClaims(rt, svc, token, record);
    refreshers.set(rt, fn);
  }
  return fn;
}

/** OAuth errors at refresh that mean "this grant is over": the session ends. Anything else is retried later. */
const GRANT_OVER = new Set(['invalid_grant']);

async function refreshClaims(rt: Runtime, svc: GatewayServices, token: string, record: SessionRecord): Promise<RefreshAnswer> {
  const claimsCfg = rt.config.idp.claims;
  // the IdP's sub at login; sessions from before it was recorded: the mapped subject when it is the sub claim
  const expectedSub = record.idpSub ?? (claimsCfg.subject === 'sub' ? record.identity.sub : undefined);
  let identity: Identity;
  let result;
  try {
    result = await rt.rp.refresh(token, expectedSub);
    const idClaims = result.idClaims ?? result.userinfo;
    if (idClaims === undefined) return { kind: 'no_claims' };
    identity = mapIdentity(idClaims, result.userinfo, claimsCfg, rt.roles, result.resolvedClaims);
  } catch (err) {
    if (!isAirlockError(err)) return { kind: 'unavailable', error: err };
    const idpError = err.details?.idp_error;
    if (identityErrors.IdpError.is(err) && typeof idpError === 'string' && GRANT_OVER.has(idpError)) return { kind: 'refused', error: err };
    // the IdP's answer does not verify or no longer names a usable identity: the session cannot go on
    if (identityErrors.IdTokenInvalid.is(err) || identityErrors.UserinfoMismatch.is(err) || identityErrors.ClaimMissing.is(err) || identityErrors.GroupsNotInToken.is(err)) {
      return { kind: 'refused', error: err };
    }
    return { kind: 'unavailable', error: err };
  }
  if (identity.sub !== record.identity.sub) {
    return { kind: 'refused', error: identityErrors.IdTokenInvalid.create({ logMessage: 'refresh: the mapped subject differs from the session\'s', details: { check: 'sub' } }) };
  }
  // the SCIM record is a source of groups here as at sign-in (docs/scim.md); deactivated or deleted: the session ends
  try {
    identity = await applyScim(svc.store, rt.config.scim, rt.roles, identity);
  } catch (err) {
    return scimErrors.ScimUserInactive.is(err) ? { kind: 'refused', error: err } : { kind: 'unavailable', error: err };
  }
  return {
    kind: 'ok',
    claims: { username: identity.username, email: identity.email ?? null, name: identity.name ?? null, groups: identity.groups, roles: identity.roles },
    ...(result.refreshToken === undefined ? {} : { refreshToken: result.refreshToken }),
    ...(result.idToken === undefined ? {} : { idToken: result.idToken }),
  };
}

/**
 * Before a request is served on a session: its claims must be younger than session.claims_max_age. Returns the
 * record to serve with (refreshed when it was due), undefined when the session is gone, or throws
 * AIRLOCK_SESSION_REAUTH_REQUIRED (no refresh token), _REFRESH_REFUSED (the IdP ended it; the session is revoked)
 * or _REFRESH_UNAVAILABLE (the IdP is unreachable and the claims are older than claims_max_stale). Synchronous
 * when nothing is due (the hot path).
 */
export function freshSession(record: SessionRecord, rt: Runtime, svc: GatewayServices): SessionRecord | undefined | Promise<SessionRecord | undefined> {
  const wait = { waitMs: rt.config.idp.timeout + 1_000, leaseMs: rt.config.idp.timeout + 5_000 };
  const out = svc.sessions.ensureFresh(record, refreshFor(rt, svc), wait);
  if (!(out instanceof Promise)) return out.kind === 'fresh' ? out.record : settle(out, rt, svc);
  return out.then((o) => settle(o, rt, svc));
}

function settle(o: FreshOutcome, rt: Runtime, svc: GatewayServices): SessionRecord | undefined {
  const loginUrl = `${rt.publicUrl}/.airlock/login`;
  switch (o.kind) {
    case 'fresh':
      if (o.refreshed) {
        const i = o.record.identity;
        const before = new Set(o.refreshed.groupsBefore);
        const removed = [...before].filter((g) => !i.groups.includes(g));
        const added = i.groups.filter((g) => !before.has(g));
        svc.log.info({ sub: i.sub, user: i.username, session: i.sessionId, groups: i.groups, removed, added }, 'session: claims refreshed at the IdP');
        svc.audit.record({ type: 'session', decision: 'allow', actor: actorOf(i, o.record), detail: { action: 'refresh', groups: i.groups.join(','), removed: removed.join(','), added: added.join(',') } });
      }
      return o.record;
    case 'stale':
      if (o.error !== undefined) logRefreshError(svc, o.record, o.error, 'session: claims not refreshed (IdP unavailable); serving the last claims until session.claims_max_stale');
      return o.record;
    case 'reauth':
      throw ReauthRequired.create({ logMessage: `session ${o.record.identity.sessionId}: claims older than session.claims_max_age and no usable refresh token`, details: { login_url: loginUrl } });
    case 'ended':
      if (o.byThisCall) {
        logRefreshError(svc, o.record, o.error, 'session: the IdP refused the refresh; session ended');
        svc.audit.record({ type: 'session', decision: 'deny', actor: actorOf(o.record.identity, o.record), reasons: ['AIRLOCK_SESSION_REFRESH_REFUSED'], detail: { action: 'refresh_refused' } });
      }
      throw RefreshRefused.create({ logMessage: `session ${o.record.identity.sessionId}: the IdP refused its refresh token`, details: { login_url: loginUrl } });
    case 'unavailable':
      if (o.error !== undefined) logRefreshError(svc, o.record, o.error, 'session: claims not refreshed (IdP unavailable) and older than session.claims_max_stale');
      throw RefreshUnavailable.create({ logMessage: `session ${o.record.identity.sessionId}: claims older than session.claims_max_stale and the IdP is unavailable`, details: { retry_after_s: Math.ceil(o.retryAfterMs / 1000) } });
    case 'gone':
      return undefined;
  }
}

function logRefreshError(svc: GatewayServices, record: SessionRecord, err: unknown, msg: string): void {
  const e = isAirlockError(err) ? { code: err.code, ...(err.details ?? {}), why: err.message } : { why: err instanceof Error ? err.message : String(err) };
  svc.log.warn({ sub: record.identity.sub, user: record.identity.username, session: record.identity.sessionId, ...e }, msg);
}

function actorOf(i: Identity, record: SessionRecord) {
  return { kind: i.kind, sub: i.sub, username: i.username, ...(i.email ? { email: i.email } : {}), session_id: i.sessionId ?? sessionHandle(record.idHash) };
}
