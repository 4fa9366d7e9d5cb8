import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { uuidV7 } from '../audit/index.ts';
import { isAirlockError } from '../errors/index.ts';
import { canonicalizeTarget, classify, decide } from '../policy/index.ts';
import { checkFraming, selectEnvironment, tunnelWebSocket, writeRawErrorResponse } from '../proxy/index.ts';
import { authenticate } from './authenticate.ts';
import type { GatewayServices } from './context.ts';
import { Forbidden, Internal, NotAuthenticated } from './errors.ts';
import { forwardHeaders } from './forward-headers.ts';
import { warnDroppedCookies } from './logger.ts';
import { gateFor, webauthnErrors, webauthnFor } from '../webauthn/index.ts';

/** WebSocket upgrades: authenticated and decided exactly like plain requests, then tunnelled after a real 101. */
export async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, svc: GatewayServices): Promise<void> {
  const id = uuidV7();
  const rt = svc.runtime();
  let env = '-';
  let decision = '-';
  let status = 0;
  socket.on('error', () => undefined);
  try {
    checkFraming(req);
    const method = req.method ?? 'GET';
    const target = canonicalizeTarget(method, req.url ?? '/');
    const sel = selectEnvironment(rt.envs, req.headers.host, target.path);
    env = sel.name;
    const envTarget = sel.pathWithinEnv === target.path ? target : canonicalizeTarget(method, sel.pathWithinEnv + (target.forwardTarget.includes('?') ? target.forwardTarget.slice(target.forwardTarget.indexOf('?')) : ''));
    const cls = classify(rt.policy, sel.env.airflow, envTarget);
    const auth = await authenticate(req, rt, svc);
    if (!auth) throw NotAuthenticated.create();
    // a person who must use a security key and has not verified this session gets no tunnel either
    if (gateFor(webauthnFor(rt.config), auth.identity)) throw webauthnErrors.VerificationRequired.create();
    const d = decide(rt.policy, auth.identity, sel.name, cls, { now: svc.now(), dagMetadata: svc.dagMetadata(sel.name) });
    decision = d.effect;
    if (d.effect !== 'allow') throw Forbidden.create({ details: { reasons: d.reasons.map((r) => r.code) } });
    const headers = await forwardHeaders(req, rt, svc, sel.name, auth.identity);
    const result = await tunnelWebSocket(req, socket, head, { upstream: rt.upstreams.get(sel.name), target: target.forwardTarget, headers, protectedCookies: rt.protectedCookies });
    status = result.status;
    if (result.droppedCookies) warnDroppedCookies(svc.log, id, sel.name, result.droppedCookies);
  } catch (err) {
    const e = isAirlockError(err) ? err : Internal.create({ cause: err });
    status = e.status;
    if (e.status >= 500) svc.log.error({ reqId: id, code: e.code, err: e.cause ?? e }, 'websocket upgrade failed');
    if (!socket.destroyed) writeRawErrorResponse(socket, e);
  } finally {
    svc.metrics.requests.inc({ env, decision, status: String(status) });
    svc.log.info({ reqId: id, method: req.method, path: (req.url ?? '').split('?')[0], env, decision, status, upgrade: 'websocket' }, 'upgrade');
  }
}
