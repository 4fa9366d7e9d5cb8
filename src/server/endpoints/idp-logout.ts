import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditActor } from '../../audit/index.ts';
import { isAirlockError } from '../../errors/index.ts';
import { LogoutTokenVerifier, logoutErrors, MAX_LOGOUT_TOKEN_AGE_S, type LogoutClaims, type RelyingParty } from '../../identity/index.ts';
import { sessionHandle } from '../../session/index.ts';
import type { RevokedSession } from '../../store/index.ts';
import type { GatewayServices, RequestState } from '../context.ts';
import { readLimitedBody } from '../read-body.ts';
import { sendJson } from '../respond.ts';
import type { Runtime } from '../runtime.ts';

const MAX_BODY = 32 * 1024;
const verifiers = new WeakMap<RelyingParty, Promise<LogoutTokenVerifier>>();

/** One verifier per relying party (a reload that keeps the IdP settings keeps its JWKS cache). */
function verifierFor(rt: Runtime): Promise<LogoutTokenVerifier> {
  let v = verifiers.get(rt.rp);
  if (v === undefined) {
    const idp = rt.config.idp;
    v = rt.rp.configuration().then((c) => new LogoutTokenVerifier(c.serverMetadata(), { clientId: idp.client_id, timeoutMs: idp.timeout, clockToleranceS: idp.clock_tolerance }));
    v.catch(() => verifiers.delete(rt.rp)); // discovery failed: try again at the next request
    verifiers.set(rt.rp, v);
  }
  return v;
}

/**
 * POST /.airlock/backchannel-logout — OIDC Back-Channel Logout 1.0. The IdP posts `logout_token` (form encoded);
 * it is verified like an ID token plus the logout rules (LogoutTokenVerifier), its `jti` is recorded in the store
 * (replay_guards: a second delivery on any worker or replica is refused) until the token is too old anyway, and the
 * sessions it names end everywhere: by `sid` (the IdP session) when the token has one, else every session of `sub`.
 * Answers (spec 2.8) 200 with `Cache-Control: no-store`, also when no session matched (already ended, or never
 * signed in here: the logout succeeded); 400 `{ error: "invalid_request", error_description }` for a malformed
 * request or a token that fails a check; 503 when the IdP's keys cannot be read (the token cannot be judged).
 */
export async function backchannelLogout(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  rs.api = true;
  let claims: LogoutClaims;
  try {
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      req.resume();
      throw logoutErrors.LogoutRequestInvalid.create({ logMessage: `back-channel logout with content-type ${JSON.stringify(type.slice(0, 60))}` });
    }
    const body = await readLimitedBody(req, MAX_BODY);
    const tokens = new URLSearchParams(body.toString('utf8')).getAll('logout_token');
    if (tokens.length !== 1) throw logoutErrors.LogoutRequestInvalid.create({ logMessage: `back-channel logout with ${tokens.length} logout_token parameters` });
    claims = await (await verifierFor(rt)).verify(tokens[0]);
    const now = svc.now();
    const key = createHash('sha256').update(`backchannel-logout\n${claims.iss}\n${claims.jti}`).digest('base64url');
    // kept until the iat check would refuse the token anyway
    const until = (claims.iat + MAX_LOGOUT_TOKEN_AGE_S + rt.config.idp.clock_tolerance + 1) * 1000;
    if (!(await svc.store.replayGuards.claim(key, Math.max(until, now + 1000), now))) {
      throw logoutErrors.LogoutTokenInvalid.create({ message: 'The logout token was refused (check "jti_replayed").', logMessage: 'logout token check "jti_replayed" failed: this jti was already received', details: { check: 'jti_replayed' } });
    }
  } catch (err) {
    if (isAirlockError(err) && (err.code === logoutErrors.LogoutTokenInvalid.code || err.code === logoutErrors.LogoutRequestInvalid.code || err.code === 'AIRLOCK_SERVER_BODY_TOO_LARGE')) {
      rs.errorCode = err.code;
      svc.log.warn({ reqId: rs.id, code: err.code, ...(err.details ?? {}), why: err.message }, 'back-channel logout refused');
      svc.audit.record({ type: 'session', request_id: rs.id, decision: 'deny', reasons: [err.code], detail: { action: 'backchannel_logout', check: String(err.details?.check ?? 'request') } });
      return sendJson(res, 400, { error: 'invalid_request', error_description: err.publicMessage, code: err.code, request_id: rs.id });
    }
    throw err;
  }
  const filter = claims.sid !== undefined ? { idpSid: claims.sid } : { idpSub: claims.sub! };
  const ended = await svc.sessions.revokeMatching(filter, 'back-channel logout');
  await recordEnded(svc, rs, ended, 'backchannel_logout', claims.sid !== undefined ? 'sid' : 'sub');
  sendJson(res, 200, { ended: ended.length });
}

/**
 * GET /.airlock/frontchannel-logout?iss=...&sid=... — OIDC Front-Channel Logout 1.0: the IdP's logout page loads
 * this in an iframe. `iss` must be the configured issuer and `sid` present (the RP registers
 * frontchannel_logout_session_required); the sessions of that IdP session end everywhere and an empty page is
 * returned (no-store; framable by the IdP's origin only). The request's own cookies are neither read nor cleared
 * and nothing redirects: a forged request can do no more than end the sessions of an IdP `sid` it knows, and the
 * sid is random and never leaves the gateway (the browser does not see the ID token in the code flow).
 */
export async function frontchannelLogout(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  rs.api = false;
  req.resume();
  const iss = url.searchParams.getAll('iss');
  const sid = url.searchParams.getAll('sid');
  const issuer = rt.config.idp.issuer;
  if (iss.length !== 1 || iss[0] !== issuer || sid.length !== 1 || sid[0] === '' || sid[0]!.length > 512) {
    const why = iss.length !== 1 ? `${iss.length} iss parameters` : iss[0] !== issuer ? 'iss is not the configured issuer' : 'sid missing, repeated or too long';
    svc.audit.record({ type: 'session', request_id: rs.id, decision: 'deny', reasons: ['AIRLOCK_IDENTITY_LOGOUT_REQUEST_INVALID'], detail: { action: 'frontchannel_logout' } });
    throw logoutErrors.LogoutRequestInvalid.create({ logMessage: `front-channel logout refused: ${why}` });
  }
  const ended = await svc.sessions.revokeMatching({ idpSid: sid[0]! }, 'front-channel logout');
  await recordEnded(svc, rs, ended, 'frontchannel_logout', 'sid');
  const html = '<!doctype html><title>Signed out</title>';
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // the IdP's logout page frames this; nobody else may
    'content-security-policy': `default-src 'none'; frame-ancestors ${new URL(issuer).origin}`,
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}

/** One durable audit event per ended session (written before the IdP gets its answer), and a log line. */
async function recordEnded(svc: GatewayServices, rs: RequestState, ended: readonly RevokedSession[], action: string, by: string): Promise<void> {
  for (const s of ended) {
    const actor: AuditActor = { kind: s.identity.kind, sub: s.sub, username: s.identity.username, ...(s.identity.email ? { email: s.identity.email } : {}), session_id: sessionHandle(s.idHash) };
    await svc.audit.recordDurable({ type: 'session', request_id: rs.id, decision: 'allow', actor, detail: { action, by } });
  }
  svc.log.info({ reqId: rs.id, action, by, sessions: ended.map((s) => sessionHandle(s.idHash)), users: [...new Set(ended.map((s) => s.identity.username))] }, `${action.replace('_', '-')}: ${ended.length} session(s) ended`);
}
