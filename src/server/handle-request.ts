import type { IncomingMessage, ServerResponse } from 'node:http';
import { uuidV7 } from '../audit/index.ts';
import { AirlockError, isAirlockError } from '../errors/index.ts';
import type { Identity } from '../identity/index.ts';
import { decide, readBodyDagIds, type Decision } from '../policy/index.ts';
import { decideForMachine } from '../tokens/index.ts';
import { checkFraming, DAG_FILTER_APPLIED, DAG_FILTER_HEADER, forwardRequest, isApiRequest, isPublicHost, proxyErrors, refuseBody } from '../proxy/index.ts';
import { auditBeforeForward, auditRequestDone, noteRequest } from './audit-hooks.ts';
import { approvalNeeded, holdForApproval, readHeldBody } from './approvals/hold.ts';
import { authenticateRequest } from './authenticate.ts';
import { isSessionRenewal, retryAfterHeaders, silentLoginUrl, silentReauthApplies } from './reauth.ts';
import type { GatewayServices, RequestState } from './context.ts';
import { isAirflowLogout, signOutConfirmationUrl } from './airflow-logout.ts';
import { answersAnyHost, handleGatewayEndpoint } from './endpoints/index.ts';
import { webauthnGate } from './endpoints/webauthn/gate-response.ts';
import { BearerNotSupported, Internal, NotAuthenticated } from './errors.ts';
import { forwardHeaders } from './forward-headers.ts';
import { refuseMachine } from './machine-refusal.ts';
import { sendForbidden, sendStepUpJson } from './refusal-responses.ts';
import { readLimitedBody } from './read-body.ts';
import { redirect, sendError } from './respond.ts';
import { accessLog, warnDroppedCookies } from './logger.ts';
import { routeOf } from './route-cache.ts';
import type { Runtime } from './runtime.ts';

/** The whole life of one HTTP request: canonicalize, select env, authenticate, decide, forward. */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, svc: GatewayServices): Promise<void> {
  const rs: RequestState = { id: uuidV7(), started: performance.now(), env: '-', decision: '-', reasons: [], identity: undefined, upstreamStatus: undefined, api: false };
  const rt = svc.runtime();
  try {
    await pipeline(req, res, svc, rt, rs);
  } catch (err) {
    respondWithError(req, res, svc, rs, err);
  } finally {
    finish(req, res, svc, rs);
  }
}

async function pipeline(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  const method = req.method ?? 'GET';
  const rawUrl = req.url ?? '/';
  rs.api = isApiRequest(method, rawUrl, req.headers);
  checkFraming(req);
  if (rawUrl === '/.airlock' || rawUrl.startsWith('/.airlock/')) {
    // probes and the JWKS answer on any Host (pod IP, internal name); sign-in pages only on public_url's host
    if (!answersAnyHost(rawUrl, rt) && !isPublicHost(rt.envs, req.headers.host)) throw proxyErrors.UnknownHost.create();
    rs.env = 'gateway';
    rs.decision = 'gateway';
    tagResponse(res, rs);
    // Airlock terminates TLS: browsers learn to use https only (every sign-in passes here)
    if (rt.config.listen_tls) res.setHeader('strict-transport-security', HSTS);
    return handleGatewayEndpoint(req, res, svc, rt, rs);
  }
  const route = routeOf(rt, req.headers.host, method, rawUrl);
  const { target, sel } = route;
  let cls = route.cls;
  rs.env = sel.name;
  if (sel.pathWithinEnv !== rawUrl) rs.api = isApiRequest(method, sel.pathWithinEnv, req.headers);
  // none of Airflow's DELETE operations takes a body: one sent anyway is refused, never forwarded uninspected
  if (method === 'DELETE' && cls.route !== null) refuseBody(req);
  if (isAirflowLogout(sel.env.airflow, method, sel.pathWithinEnv)) {
    // Airflow's own Log Out ends the Airlock session too: on to the gateway's sign-out confirmation (airflow-logout.ts)
    req.resume();
    rs.decision = 'gateway';
    tagResponse(res, rs);
    return redirect(res, signOutConfirmationUrl(rt.publicUrl), {}, 303);
  }

  let auth: Awaited<ReturnType<typeof authenticateRequest>> = undefined;
  try {
    const a = authenticateRequest(req, rt, svc);
    auth = a instanceof Promise ? await a : a;
  } catch (err) {
    // a session whose claims are too old (session.claims_max_age): an allow-listed route needs none; a page view
    // re-authenticates silently at the IdP (prompt=none); anything else gets the 401/503 (reauth.ts)
    if (!isSessionRenewal(err) || !cls.allowListed) {
      if (!silentReauthApplies(err, rs.api, method)) throw err;
      req.resume();
      rs.decision = 'reauth';
      tagResponse(res, rs);
      return redirect(res, silentLoginUrl(target.forwardTarget));
    }
  }
  if (auth?.kind === 'machine') rs.api = true; // machines get JSON only: no pages, redirects or cookies
  if (!auth && !cls.allowListed) {
    rs.decision = 'unauthenticated';
    if (req.headers.authorization !== undefined) throw BearerNotSupported.create();
    if (rs.api) throw NotAuthenticated.create({ details: { login_url: `${rt.publicUrl}/.airlock/login` } });
    req.resume();
    const rd = method === 'GET' || method === 'HEAD' ? target.forwardTarget : '/';
    tagResponse(res, rs);
    return redirect(res, `/.airlock/login?rd=${encodeURIComponent(rd)}`);
  }
  const identity = auth?.identity;
  rs.identity = identity;
  if (auth?.kind === 'session' && !cls.allowListed && webauthnGate(req, res, rt, rs, auth.identity, target.forwardTarget)) return;

  // a token whose requests for this action need a person's approval: the body is read whole (approvals.max_body)
  const held = auth?.kind === 'machine' && !cls.allowListed && approvalNeeded(rt, auth.machine.principal, sel.name, cls.action);
  let body: Buffer | undefined;
  if (held) {
    body = await readHeldBody(req, rt.config.approvals.max_body);
    if (cls.body !== 'none') cls = readBodyDagIds(cls, req.headers['content-type'], body);
  } else if (identity && cls.body !== 'none') {
    body = await readLimitedBody(req, rt.config.max_inspected_body);
    cls = readBodyDagIds(cls, req.headers['content-type'], body);
  }
  noteRequest(rs, method, target.path, cls);
  let upstreamFilter = false;
  if (identity) {
    const ctx = { now: svc.now(), dagMetadata: svc.dagMetadata(sel.name) };
    // a machine: its scopes AND its owner's current (or its service account's) rights
    const decision = auth?.kind === 'machine' ? decideForMachine(rt.policy, auth.machine.principal, sel.name, cls, ctx) : decide(rt.policy, identity, sel.name, cls, ctx);
    rs.decision = decision.effect;
    rs.reasons = decision.reasons.map((r) => r.code);
    if (decision.effect !== 'allow') return refuse(req, res, rt, rs, identity, decision);
    if (held && auth?.kind === 'machine') {
      tagResponse(res, rs);
      return holdForApproval(req, res, svc, rt, rs, { principal: auth.machine.principal, env: sel.name, rawUrl, target: target.forwardTarget, path: target.path, cls, body: body ?? Buffer.alloc(0) });
    }
    upstreamFilter = decision.upstreamFilter === true;
  } else {
    rs.decision = 'allow_listed';
  }

  if (rs.audit?.mutating) await auditBeforeForward(svc, req, rs); // durable first; failure -> 503, nothing forwarded
  const fh = forwardHeaders(req, rt, svc, sel.name, identity, rs);
  const headers = fh instanceof Promise ? await fh : fh;
  const result = await forwardRequest(req, res, {
    upstream: rt.upstreams.get(sel.name), target: target.forwardTarget, headers, requestId: rs.id, protectedCookies: rt.protectedCookies, ...(body ? { body } : {}),
    // a list forwarded only because Airflow filters it by the rules: withheld unless the integration says it did
    ...(upstreamFilter ? { requireHeader: DAG_FILTER_REQUIRED } : {}),
  });
  rs.upstreamStatus = result.status;
  if (result.droppedCookies) warnDroppedCookies(svc.log, rs.id, sel.name, result.droppedCookies);
  svc.metrics.observeUpstream(sel.name, result.upstreamMs / 1000);
}

function refuse(req: IncomingMessage, res: ServerResponse, rt: Runtime, rs: RequestState, identity: Identity, d: Decision): void {
  req.resume();
  tagResponse(res, rs);
  if (identity.machine !== undefined) return refuseMachine(res, rs, identity, d);
  if (d.effect === 'step_up') {
    const stepUpUrl = `/.airlock/webauthn/step-up?rd=${encodeURIComponent(req.url ?? '/')}`;
    if (rs.api) return sendStepUpJson(res, rs, d, `${rt.publicUrl}${stepUpUrl}`);
    return redirect(res, stepUpUrl);
  }
  sendForbidden(res, rt, rs, identity, d);
}

function respondWithError(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rs: RequestState, err: unknown): void {
  const e: AirlockError = isAirlockError(err) ? err : Internal.create({ cause: err });
  rs.errorCode = e.code;
  if (e.status >= 500) svc.log.error({ reqId: rs.id, code: e.code, err: e.cause ?? e }, e.message);
  else svc.log.info({ reqId: rs.id, code: e.code, msg2: e.message }, 'request refused');
  if (rs.decision === '-') rs.decision = 'error';
  if (!req.complete) req.resume();
  if (res.headersSent) return void res.destroy();
  tagResponse(res, rs);
  if (e.status === 429 && typeof e.details?.retry_after === 'number') res.setHeader('retry-after', String(e.details.retry_after));
  const next = e.status === 401 && !rs.api ? { href: '/.airlock/login', label: 'Sign in again' } : e.status === 403 ? undefined : undefined;
  const headers = retryAfterHeaders(e);
  sendError(res, e, { api: rs.api, requestId: rs.id, ...(next ? { next } : {}), ...(headers ? { headers } : {}) });
}

const DAG_FILTER_REQUIRED = { name: DAG_FILTER_HEADER, value: DAG_FILTER_APPLIED } as const;

/** Sent on sign-in responses when Airlock terminates TLS itself (listen_tls). */
const HSTS = 'max-age=31536000';

/**
 * Every response carries the request id (X-Request-Id; the audit and the log use the same id). Responses the
 * gateway writes get it here; a forwarded response gets it in its writeHead() (forwardRequest's requestId), so
 * Node takes its fast path for the upstream's headers.
 */
function tagResponse(res: ServerResponse, rs: RequestState): void {
  if (!res.headersSent) res.setHeader('x-request-id', rs.id);
}

function finish(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rs: RequestState): void {
  if (res.writableFinished) done(req, res, svc, rs);
  else res.once('close', () => done(req, res, svc, rs));
}

/** The response is over: metrics, audit, access log. */
function done(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rs: RequestState): void {
  const ms = performance.now() - rs.started;
  svc.metrics.countRequest(rs.env, rs.decision, res.statusCode);
  auditRequestDone(svc, req, res, rs, ms);
  const url = req.url ?? '';
  const q = url.indexOf('?');
  accessLog(svc.log, {
    reqId: rs.id,
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    env: rs.env,
    user: rs.identity?.username,
    decision: rs.decision,
    reasons: rs.reasons,
    status: res.statusCode,
    upstreamStatus: rs.upstreamStatus,
    ms: Math.round(ms * 100) / 100,
  });
}
