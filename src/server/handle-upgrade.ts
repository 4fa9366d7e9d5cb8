import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { uuidV7 } from '../audit/index.ts';
import { isAirlockError } from '../errors/index.ts';
import { decide } from '../policy/index.ts';
import { checkFraming, checkWebSocketOrigin, tunnelWebSocket, writeRawErrorResponse } from '../proxy/index.ts';
import { auditRequestDone, noteRequest } from './audit-hooks.ts';
import { authenticate } from './authenticate.ts';
import type { GatewayServices, RequestState } from './context.ts';
import { Forbidden, Internal, NotAuthenticated } from './errors.ts';
import { forwardHeaders } from './forward-headers.ts';
import { upgradeStillAllowed, upgradesOf } from './live-upgrades.ts';
import { accessLog, warnDroppedCookies } from './logger.ts';
import { routeOf } from './route-cache.ts';
import { gateFor, webauthnErrors, webauthnFor } from '../webauthn/index.ts';

const UPGRADE_DETAIL = Object.freeze({ upgrade: 'websocket' });

/**
 * WebSocket upgrades: framed, routed, authenticated and decided exactly like plain requests, then tunnelled
 * after a real 101. A foreign Origin is refused before anything is decided or sent upstream (cross-site
 * WebSocket hijacking; docs/proxy.md). Every upgrade, tunnelled or refused, gets one audit event and one access
 * line with its decision, like any request (plus `upgrade: websocket`), when the tunnel opens or the refusal is sent.
 */
export async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, svc: GatewayServices): Promise<void> {
  const rs: RequestState = { id: uuidV7(), started: performance.now(), env: '-', decision: '-', reasons: [], identity: undefined, upstreamStatus: undefined, api: true };
  const rt = svc.runtime();
  let status = 0;
  socket.on('error', () => undefined);
  try {
    checkFraming(req); // also refuses a body on the GET
    const method = req.method ?? 'GET';
    const { target, sel, cls } = routeOf(rt, req.headers.host, method, req.url ?? '/');
    rs.env = sel.name;
    noteRequest(rs, method, target.path, cls);
    // authenticated first only so that the audit names whose browser a cross-site page tried to use
    const auth = await authenticate(req, rt, svc);
    if (auth) rs.identity = auth.identity;
    try {
      checkWebSocketOrigin(rt.envs.webSocketOrigins, req.rawHeaders);
    } catch (err) {
      rs.decision = 'deny';
      throw err;
    }
    if (!auth) {
      rs.decision = 'unauthenticated';
      throw NotAuthenticated.create({ details: { login_url: `${rt.publicUrl}/.airlock/login` } });
    }
    // a person who must use a security key and has not verified this session gets no tunnel either
    if (gateFor(webauthnFor(rt.config), auth.identity)) {
      rs.decision = 'webauthn_required';
      throw webauthnErrors.VerificationRequired.create();
    }
    const d = decide(rt.policy, auth.identity, sel.name, cls, { now: svc.now(), dagMetadata: svc.dagMetadata(sel.name) });
    rs.decision = d.effect;
    rs.reasons = d.reasons.map((r) => r.code);
    if (d.effect !== 'allow') throw Forbidden.create({ details: { reasons: rs.reasons } });
    // a list allowed only because Airflow filters it by the rules: a tunnel cannot check that it did
    if ('upstreamFilter' in d && d.upstreamFilter === true) {
      rs.decision = 'deny';
      throw Forbidden.create({ logMessage: 'WebSocket upgrade on a route that relies on Airflow filtering the DAG list' });
    }
    const headers = await forwardHeaders(req, rt, svc, sel.name, auth.identity, rs);
    const result = await tunnelWebSocket(req, socket, head, { upstream: rt.upstreams.get(sel.name), target: target.forwardTarget, headers, protectedCookies: rt.protectedCookies, requestId: rs.id });
    status = result.status;
    rs.upstreamStatus = result.status;
    // closed at once when the session is revoked or stops allowing the route (live-upgrades.ts)
    if (result.status === 101) upgradesOf(svc)?.track(auth.record.idHash, socket, () => upgradeStillAllowed(req, svc));
    if (result.droppedCookies) warnDroppedCookies(svc.log, rs.id, sel.name, result.droppedCookies);
  } catch (err) {
    const e = isAirlockError(err) ? err : Internal.create({ cause: err });
    status = e.status;
    rs.errorCode = e.code;
    if (rs.decision === '-') rs.decision = 'error';
    if (e.status >= 500) svc.log.error({ reqId: rs.id, code: e.code, err: e.cause ?? e }, 'websocket upgrade failed');
    else svc.log.info({ reqId: rs.id, code: e.code, msg2: e.message }, 'websocket upgrade refused');
    if (!socket.destroyed) writeRawErrorResponse(socket, e, rs.id);
  } finally {
    const ms = performance.now() - rs.started;
    svc.metrics.countRequest(rs.env, rs.decision, status);
    auditRequestDone(svc, req, { statusCode: status, writableFinished: true }, rs, ms, UPGRADE_DETAIL);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    accessLog(svc.log, {
      reqId: rs.id,
      method: req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      env: rs.env,
      user: rs.identity?.username,
      decision: rs.decision,
      reasons: rs.errorCode ? [...rs.reasons, rs.errorCode] : rs.reasons,
      status,
      upstreamStatus: rs.upstreamStatus,
      ms: Math.round(ms * 100) / 100,
      upgrade: 'websocket',
    });
  }
}
