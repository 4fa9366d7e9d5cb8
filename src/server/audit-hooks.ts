import type { IncomingMessage, ServerResponse } from 'node:http';
import client from 'prom-client';
import { AuditLog, buildSinks, type AuditActor, type AuditEventInput, type AuditMetrics } from '../audit/index.ts';
import type { AirlockConfig } from '../config/index.ts';
import type { Identity } from '../identity/index.ts';
import type { KeyRing } from '../keys/index.ts';
import type { Classification } from '../policy/index.ts';
import { clientAddress } from '../proxy/index.ts';
import { hashSessionId, sessionHandle } from '../session/index.ts';
import type { Store } from '../store/index.ts';
import type { GatewayServices, RequestState } from './context.ts';
import type { Logger } from './logger.ts';

/** What the audit needs to know about a classified request (kept on RequestState). */
export interface AuditFacts {
  readonly method: string;
  readonly path: string;
  readonly resource: string;
  readonly action: string;
  readonly dagIds: readonly string[];
  readonly runId: string | undefined;
  /** A request that may change Airflow: written durably before it is forwarded. */
  readonly mutating: boolean;
  /** Set once the request.intent event is committed. */
  intentSeq?: number;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Prometheus counters of the audit trail, in the worker's registry. */
export function auditMetrics(registry: client.Registry): AuditMetrics {
  const events = new client.Counter({ name: 'airlock_audit_events_total', help: 'Audit events committed, by path (durable before forwarding, or batched)', labelNames: ['path'] as const, registers: [registry] });
  const failures = new client.Counter({ name: 'airlock_audit_write_failures_total', help: 'Audit store writes that failed, by path', labelNames: ['path'] as const, registers: [registry] });
  const dropped = new client.Counter({ name: 'airlock_audit_dropped_total', help: 'Audit events lost before reaching the store, by reason', labelNames: ['reason'] as const, registers: [registry] });
  const checkpoints = new client.Counter({ name: 'airlock_audit_checkpoints_total', help: 'Signed audit checkpoints, by result', labelNames: ['result'] as const, registers: [registry] });
  const delivered = new client.Counter({ name: 'airlock_audit_sink_delivered_total', help: 'Audit events delivered to a live sink', labelNames: ['sink'] as const, registers: [registry] });
  const sinkFailures = new client.Counter({ name: 'airlock_audit_sink_failures_total', help: 'Failed deliveries to a live sink (retried)', labelNames: ['sink'] as const, registers: [registry] });
  const sinkDropped = new client.Counter({ name: 'airlock_audit_sink_dropped_total', help: 'Audit events a live sink could not queue or deliver (they remain in the store)', labelNames: ['sink'] as const, registers: [registry] });
  const backlog = new client.Gauge({ name: 'airlock_audit_backlog', help: 'Read events recorded and not yet committed (queued for the audit writer)', registers: [registry] });
  return {
    written: (path, n) => events.inc({ path }, n),
    writeFailed: (path) => failures.inc({ path }),
    dropped: (reason, n) => dropped.inc({ reason }, n),
    backlog: (n) => backlog.set(n),
    checkpoint: (result) => checkpoints.inc({ result }),
    sinkDelivered: (sink, n) => delivered.inc({ sink }, n),
    sinkFailed: (sink) => sinkFailures.inc({ sink }),
    sinkDropped: (sink, n) => sinkDropped.inc({ sink }, n),
  };
}

/** The worker's audit trail: sinks and timers from config `audit`. */
export function openAudit(cfg: AirlockConfig, store: Store, keys: KeyRing, registry: client.Registry, log: Logger): AuditLog {
  const metrics = auditMetrics(registry);
  const alog = { info: (o: object, m: string) => log.info(o, m), warn: (o: object, m: string) => log.warn(o, m), error: (o: object, m: string) => log.error(o, m) };
  // an in-memory SQLite store (tests) cannot be opened by the writer thread's second connection
  const offThread = cfg.audit.writer === 'thread' && !(cfg.store.kind === 'sqlite' && cfg.store.path === ':memory:');
  return new AuditLog({ store, keys, settings: cfg.audit, sinks: buildSinks(cfg.audit, metrics, alog), metrics, log: alog, ...(offThread ? { writerThread: { store: cfg.store } } : {}) });
}

/** Keeps what the audit event of this request will say (after classification, with body DAG ids). */
export function noteRequest(rs: RequestState, method: string, path: string, cls: Classification): void {
  rs.audit = {
    method,
    path,
    resource: cls.resource,
    action: cls.action,
    dagIds: cls.dagIds,
    runId: cls.params.dag_run_id ?? cls.params.run_id,
    mutating: !SAFE_METHODS.has(method),
  };
}

/**
 * Before forwarding: a mutating request is written durably (request.intent). If the store cannot write,
 * this throws AIRLOCK_AUDIT_UNAVAILABLE (503) and the request is never forwarded.
 */
export async function auditBeforeForward(svc: GatewayServices, req: IncomingMessage, rs: RequestState): Promise<void> {
  const facts = rs.audit;
  if (!facts?.mutating) return;
  const r = await svc.audit.recordDurable({ ...requestEvent(svc, req, rs, facts), type: 'request.intent', ...(rs.auditDetail ? { detail: rs.auditDetail } : {}) });
  facts.intentSeq = r.seq;
}

/**
 * When the response is done: the outcome of a forwarded mutation (durable, off the response path) or one batched
 * event. `res` may be a plain { statusCode, writableFinished } (a WebSocket upgrade has no ServerResponse);
 * `detail` is recorded on a plain request event (e.g. { upgrade: 'websocket' }).
 */
export function auditRequestDone(svc: GatewayServices, req: IncomingMessage, res: Pick<ServerResponse, 'statusCode' | 'writableFinished'>, rs: RequestState, ms: number, detail?: Readonly<Record<string, string>>): void {
  if (rs.env === 'gateway') {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/.airlock/callback' && res.statusCode >= 400) {
      svc.audit.record({ type: 'login.failed', request_id: rs.id, decision: 'deny', reasons: rs.errorCode ? [rs.errorCode] : [], status: res.statusCode, ...clientOf(svc, req, rs) });
    }
    return;
  }
  const facts = rs.audit;
  const event = facts ? requestEvent(svc, req, rs, facts) : unclassifiedEvent(svc, req, rs);
  event.status = res.statusCode;
  if (rs.upstreamStatus !== undefined) event.upstream_status = rs.upstreamStatus;
  event.latency_ms = ms;
  const extra = detail ?? rs.auditDetail; // forward-auth marks its events (RequestState.auditDetail)
  if (extra !== undefined) event.detail = extra; // replaced below by an outcome's own detail
  if (facts?.intentSeq !== undefined) {
    event.type = 'request.outcome';
    event.detail = { ...rs.auditDetail, intent_seq: facts.intentSeq, completed: res.writableFinished };
    svc.audit.recordDurable(event).catch((err: Error) => {
      svc.log.error({ reqId: rs.id, err: { message: err.message } }, 'audit: outcome not written at once; queued for the next batch');
      svc.audit.record(event);
    });
    return;
  }
  svc.audit.record(event);
}

/** A completed login (durable: a 503 rather than a session nobody can account for). */
export async function auditLogin(svc: GatewayServices, req: IncomingMessage, rs: RequestState, identity: Identity, cookieId: string): Promise<void> {
  await svc.audit.recordDurable({ type: 'login', request_id: rs.id, decision: 'allow', actor: actor(identity, sessionHandle(hashSessionId(cookieId))), detail: { roles: identity.roles.join(','), groups: identity.groups.join(',') }, ...clientOf(svc, req) });
}

export async function auditLogout(svc: GatewayServices, req: IncomingMessage, rs: RequestState, identity: Identity): Promise<void> {
  await svc.audit.recordDurable({ type: 'logout', request_id: rs.id, actor: actor(identity, identity.sessionId), ...clientOf(svc, req) });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One object literal per event (this runs for every request): no spreads, the actor cached per identity. */
function requestEvent(svc: GatewayServices, req: IncomingMessage, rs: RequestState, f: AuditFacts): Mutable<AuditEventInput> {
  const e: Mutable<AuditEventInput> = {
    type: 'request',
    request_id: rs.id,
    env: rs.env,
    method: f.method,
    path: f.path,
    resource: f.resource,
    action: f.action,
    dag_ids: f.dagIds,
    decision: rs.decision,
    reasons: reasonsOf(rs),
  };
  if (f.runId) e.run_id = f.runId;
  return withActorAndClient(svc, req, rs, e);
}

/** A request refused before it was classified (bad framing, unknown host, ...). */
function unclassifiedEvent(svc: GatewayServices, req: IncomingMessage, rs: RequestState): Mutable<AuditEventInput> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const e: Mutable<AuditEventInput> = { type: 'request', request_id: rs.id, env: rs.env, method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), decision: rs.decision, reasons: reasonsOf(rs) };
  return withActorAndClient(svc, req, rs, e);
}

function withActorAndClient(svc: GatewayServices, req: IncomingMessage, rs: RequestState, e: Mutable<AuditEventInput>): Mutable<AuditEventInput> {
  if (rs.identity) e.actor = cachedActor(rs.identity);
  const ip = clientIp(svc, req, rs);
  if (ip) e.client_ip = ip;
  const ua = req.headers['user-agent'];
  if (ua) e.user_agent = ua;
  return e;
}

function reasonsOf(rs: RequestState): readonly string[] {
  return rs.errorCode ? [...rs.reasons, rs.errorCode] : rs.reasons;
}

/** The audit actor of an identity (approval events name the requester and the approver with it). */
export function auditActorOf(i: Identity): AuditActor {
  return cachedActor(i);
}

// the identity object is the same for every request of a session (until its roles or record change)
const actors = new WeakMap<Identity, AuditActor>();

function cachedActor(i: Identity): AuditActor {
  let a = actors.get(i);
  if (a === undefined) actors.set(i, (a = actor(i, i.sessionId)));
  return a;
}

function actor(i: Identity, sessionId: string | undefined): AuditActor {
  return {
    kind: i.kind,
    sub: i.sub,
    username: i.username,
    ...(i.email ? { email: i.email } : {}),
    ...(sessionId ? { session_id: sessionId } : {}),
    ...(i.tokenId ? { token_id: i.tokenId } : {}),
    ...(i.machine?.tokenName ? { token_name: i.machine.tokenName } : {}),
    ...(i.machine?.owner ? { owner: i.machine.owner.username } : {}),
    ...(i.machine?.serviceAccount ? { service_account: i.machine.serviceAccount } : {}),
    ...(i.mfa.credentialId ? { credential_id: i.mfa.credentialId } : {}),
  };
}

/** The client address: the one the request was forwarded with when known, else worked out now. */
function clientIp(svc: GatewayServices, req: IncomingMessage, rs?: RequestState): string | undefined {
  if (rs?.clientIp !== undefined) return rs.clientIp;
  try {
    return clientAddress(svc.runtime().trusted, req).ip;
  } catch {
    // a trusted proxy sent an unparsable X-Forwarded-For (the request is refused for it): record the TCP peer
    return req.socket.remoteAddress;
  }
}

function clientOf(svc: GatewayServices, req: IncomingMessage, rs?: RequestState): { client_ip?: string; user_agent?: string } {
  const ip = clientIp(svc, req, rs);
  const ua = req.headers['user-agent'];
  return { ...(ip ? { client_ip: ip } : {}), ...(ua ? { user_agent: ua } : {}) };
}
