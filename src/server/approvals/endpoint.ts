import type { IncomingMessage, ServerResponse } from 'node:http';
import { approvalErrors, checkDecidable, viewOf } from '../../approvals/index.ts';
import type { Identity } from '../../identity/index.ts';
import { decide, readBodyDagIds } from '../../policy/index.ts';
import { isApiRequest } from '../../proxy/index.ts';
import type { ApprovalPerson, ApprovalRow } from '../../store/index.ts';
import { authenticate } from '../authenticate.ts';
import type { GatewayServices, RequestState } from '../context.ts';
import { CrossOrigin, GatewayNotFound, MethodNotAllowed, NotAuthenticated } from '../errors.ts';
import { approvalPage, APPROVAL_CSP } from '../pages/approval-page.ts';
import { readLimitedBody } from '../read-body.ts';
import { redirect, sendHtml, sendJson } from '../respond.ts';
import { routeOf } from '../route-cache.ts';
import type { Runtime } from '../runtime.ts';
import { isSameOriginPost } from '../same-origin.ts';
import { performApproved } from './perform.ts';
import { authenticateMachineCaller } from '../machine-caller.ts';
import { APPROVAL_PREFIX as PREFIX } from './path.ts';

const PATH = /^\/\.airlock\/approvals\/(apr_[A-Za-z0-9_-]{22})(?:\/(approve|deny))?$/;

export { isApprovalPath } from './path.ts';

/**
 * /.airlock/approvals/<id>: GET with the requesting token (JSON status), GET in a browser (the page with
 * Approve / Deny), POST …/approve and …/deny (same-origin form posts of a signed-in person).
 */
export async function approvalEndpoint(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  const m = PATH.exec(url.pathname);
  if (!m) throw GatewayNotFound.create();
  const id = m[1]!;
  const op = m[2] as 'approve' | 'deny' | undefined;
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  if (op === undefined && method !== 'GET') throw MethodNotAllowed.create({ details: { allowed: ['GET'] } });
  if (op !== undefined && method !== 'POST') throw MethodNotAllowed.create({ details: { allowed: ['POST'] } });
  rs.api = isApiRequest(method, req.url ?? '/', req.headers);
  if (op === undefined) return req.headers.authorization !== undefined ? statusForToken(req, res, svc, rt, rs, id) : page(req, res, svc, rt, rs, id);
  return decideEndpoint(req, res, svc, rt, rs, id, op);
}

async function load(svc: GatewayServices, rt: Runtime, id: string): Promise<ApprovalRow> {
  const row = await svc.store.approvals.get(id);
  if (!row) throw approvalErrors.ApprovalNotFound.create();
  return settleIfStuck(svc, rt, row);
}

/** Margin on top of the environment's upstream timeouts before an approved request counts as stuck (ms). */
const STUCK_MARGIN_MS = 60_000;

/**
 * An approved request stays `executing` only while the worker that won the approval performs it, which ends within
 * the environment's connect_timeout + timeout. A row still `executing` well after that belongs to a worker that
 * died (or was killed) while performing it: whoever reads it first settles it as `failed` with error
 * `outcome_unknown` (a compare-and-swap: once; audited), since the request may or may not have reached Airflow.
 */
async function settleIfStuck(svc: GatewayServices, rt: Runtime, row: ApprovalRow): Promise<ApprovalRow> {
  if (row.status !== 'executing' || row.decidedAt === null) return row;
  const env = rt.config.environments[row.env];
  const bound = (env ? env.connect_timeout + env.timeout : 35_000) + STUCK_MARGIN_MS;
  const now = svc.now();
  if (now - row.decidedAt <= bound) return row;
  const won = await svc.store.approvals.finish(row.id, { status: 'failed', upstreamStatus: null, upstreamBody: null, upstreamContentType: null, error: OUTCOME_UNKNOWN }, now);
  if (won) {
    svc.log.warn({ approval: row.id, decidedAt: row.decidedAt, boundMs: bound }, 'approval: still being performed long after the upstream timeout (its worker stopped?); settled as failed, outcome unknown');
    const event = {
      type: 'approval' as const,
      request_id: row.requestId,
      actor: { kind: row.requester.kind, sub: row.requester.sub, username: row.requester.username, token_id: row.tokenId },
      env: row.env,
      method: row.method,
      path: row.target.split('?')[0]!,
      action: row.action,
      dag_ids: row.dagIds,
      decision: 'failed',
      detail: { event: 'failed', approval_id: row.id, held_request_id: row.requestId, approved_by: row.decidedBy?.username ?? '', error: OUTCOME_UNKNOWN },
    };
    await svc.audit.recordDurable(event).catch((err: unknown) => {
      svc.log.error({ err, approval: row.id }, 'audit: approval outcome not written at once; queued for the next batch');
      svc.audit.record(event);
    });
  }
  return (await svc.store.approvals.get(row.id)) ?? row;
}

/** The error of an approved request whose worker stopped while performing it (it may or may not have run). */
export const OUTCOME_UNKNOWN = 'outcome_unknown';

/** The requesting token polls its held request: JSON status, and the upstream's answer once performed. */
async function statusForToken(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, id: string): Promise<void> {
  const auth = await authenticateMachineCaller(req, svc, rt, rs);
  const row = await load(svc, rt, id);
  if (auth.principal.token?.id !== row.tokenId) throw approvalErrors.ApprovalNotRequester.create({ logMessage: `${auth.principal.identity.username} asked for ${row.id}` });
  sendJson(res, 200, statusJson(row, svc.now(), rt));
}

function statusJson(row: ApprovalRow, now: number, rt: Runtime): Record<string, unknown> {
  const view = viewOf(row, now);
  const done = row.status === 'executed';
  let body: unknown = null;
  if (done && row.upstreamBody !== null) {
    const text = row.upstreamBody.toString('utf8');
    body = text;
    if (/json/i.test(row.upstreamContentType ?? '')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
  }
  return {
    approval_id: row.id,
    status: view,
    status_url: `${rt.publicUrl}${PREFIX}${row.id}`,
    env: row.env,
    method: row.method,
    target: row.target,
    action: row.action,
    dag_ids: row.dagIds,
    body_sha256: row.bodySha256,
    created_at: new Date(row.createdAt).toISOString(),
    expires_at: new Date(row.expiresAt).toISOString(),
    decided_by: row.decidedBy ? row.decidedBy.username : null,
    decided_at: row.decidedAt === null ? null : new Date(row.decidedAt).toISOString(),
    executed_at: row.executedAt === null ? null : new Date(row.executedAt).toISOString(),
    upstream_status: row.upstreamStatus,
    upstream_content_type: done ? row.upstreamContentType : null,
    upstream_body: body,
    error: row.error,
  };
}

/** The person's own right to the held request's action (decide() on the same target, env and body), or why not. */
function personRight(rt: Runtime, svc: GatewayServices, identity: Identity, row: ApprovalRow): { ok: true; stepUpWithin: number | undefined } | { ok: false; why: string } {
  const route = routeOf(rt, row.host, row.method, row.rawUrl);
  if (route.sel.name !== row.env) return { ok: false, why: `the request no longer selects environment ${row.env}` };
  let cls = route.cls;
  if (cls.body !== 'none') cls = readBodyDagIds(cls, row.headers.find(([k]) => k === 'content-type')?.[1], row.body);
  const d = decide(rt.policy, identity, row.env, cls, { now: svc.now(), dagMetadata: svc.dagMetadata(row.env) });
  if (d.effect === 'allow') return { ok: true, stepUpWithin: undefined };
  if (d.effect === 'step_up') return { ok: true, stepUpWithin: d.stepUpWithin };
  return { ok: false, why: `you may not ${row.action} ${row.dagIds.join(', ') || 'this'} in ${row.env} yourself (${d.reasons.map((r) => r.code).join(', ')})` };
}

/** Whether the person confirmed with a security key recently enough to approve (approvals.step_up_within, or the policy's shorter step-up). */
function stepUpFresh(rt: Runtime, identity: Identity, now: number, policyWithin: number | undefined): boolean {
  const within = Math.min(rt.config.approvals.step_up_within, policyWithin ?? Infinity);
  const m = identity.mfa;
  return m.method === 'webauthn' && m.at !== undefined && now - m.at <= within;
}

const personOf = (i: Identity): ApprovalPerson => ({ sub: i.sub, username: i.username });
const rulesOf = (rt: Runtime) => ({ ownerMayApprove: rt.config.approvals.owner_may_approve });

/** GET in a browser: the held request for a person (who asks, the exact request and body, its hash) with the buttons. */
async function page(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, id: string): Promise<void> {
  const s = await authenticate(req, rt, svc);
  if (!s) {
    if (rs.api) throw NotAuthenticated.create({ details: { login_url: `${rt.publicUrl}/.airlock/login` } });
    return redirect(res, `/.airlock/login?rd=${encodeURIComponent(`${PREFIX}${id}`)}`);
  }
  rs.identity = s.identity;
  const row = await load(svc, rt, id);
  const now = svc.now();
  const right = personRight(rt, svc, s.identity, row);
  const isOwner = row.requester.owner?.sub === s.identity.sub || row.requester.sub === s.identity.sub;
  if (!right.ok && !isOwner) throw approvalErrors.ApprovalNotAllowed.create({ logMessage: `${s.identity.username} viewing ${row.id}: ${right.why}` });
  let cannotDecide: string | undefined;
  if (viewOf(row, now) === 'pending') {
    try {
      checkDecidable(row, personOf(s.identity), undefined, rulesOf(rt), now);
      if (!right.ok) cannotDecide = `You cannot decide this request: ${right.why}.`;
    } catch (err) {
      cannotDecide = (err as Error).message;
    }
  }
  const view = viewOf(row, now);
  if (rs.api) return sendJson(res, 200, statusJson(row, now, rt));
  sendHtml(res, 200, approvalPage({
    id: row.id,
    view,
    requester: { kind: row.requester.kind, username: row.requester.username, tokenName: row.requester.tokenName, owner: row.requester.owner?.username ?? null },
    env: row.env,
    method: row.method,
    target: row.target,
    action: row.action,
    dagIds: row.dagIds,
    contentType: row.headers.find(([k]) => k === 'content-type')?.[1] ?? null,
    body: row.body,
    bodySha256: row.bodySha256,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    decidedBy: row.decidedBy?.username ?? null,
    upstreamStatus: row.upstreamStatus,
    error: row.error,
    viewer: s.identity.username,
    cannotDecide,
    stepUpFresh: right.ok && stepUpFresh(rt, s.identity, now, right.stepUpWithin),
  }), { 'content-security-policy': APPROVAL_CSP, 'cache-control': 'no-store' });
}

/** The `sha256` field of the form post (the hash the person saw on the page). */
async function readSeenHash(req: IncomingMessage): Promise<string | undefined> {
  const raw = await readLimitedBody(req, 4096);
  const type = req.headers['content-type'] ?? '';
  if (/^application\/json/i.test(type)) {
    try {
      const v = (JSON.parse(raw.toString('utf8')) as { sha256?: unknown }).sha256;
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }
  return new URLSearchParams(raw.toString('utf8')).get('sha256') ?? undefined;
}

/**
 * POST …/approve | …/deny: a signed-in person (never a bearer token), same-origin; the person may take the action
 * themselves and is neither the requester nor (unless approvals.owner_may_approve) the token's owner; approving
 * also needs a fresh security-key confirmation. The pending -> executing (or denied) change is a compare-and-swap in
 * the store, so only one decision ever wins; a replayed or concurrent approve is refused (409).
 */
async function decideEndpoint(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, id: string, op: 'approve' | 'deny'): Promise<void> {
  if (req.headers.authorization !== undefined) {
    req.resume();
    throw approvalErrors.ApprovalPersonRequired.create({ logMessage: `${op} of ${id} with an Authorization header` });
  }
  if (!isSameOriginPost(req.headers, rt.publicOrigin)) {
    req.resume();
    throw CrossOrigin.create({ logMessage: `approval ${op} from origin ${String(req.headers.origin).slice(0, 100)}` });
  }
  const s = await authenticate(req, rt, svc);
  if (!s) {
    req.resume();
    throw NotAuthenticated.create({ details: { login_url: `${rt.publicUrl}/.airlock/login` } });
  }
  rs.identity = s.identity;
  const seen = await readSeenHash(req);
  const row = await load(svc, rt, id);
  const now = svc.now();
  const person = personOf(s.identity);
  checkDecidable(row, person, seen, rulesOf(rt), now);
  const right = personRight(rt, svc, s.identity, row);
  if (!right.ok) throw approvalErrors.ApprovalNotAllowed.create({ logMessage: `${s.identity.username} on ${row.id}: ${right.why}` });
  if (op === 'approve' && !stepUpFresh(rt, s.identity, now, right.stepUpWithin)) {
    if (!rs.api) return redirect(res, `/.airlock/webauthn/step-up?rd=${encodeURIComponent(`${PREFIX}${id}`)}`, {}, 303);
    throw approvalErrors.ApprovalStepUpRequired.create({ details: { step_up_url: `${rt.publicUrl}/.airlock/webauthn/step-up?rd=${encodeURIComponent(`${PREFIX}${id}`)}` } });
  }
  if (!(await svc.store.approvals.decide(id, op === 'approve' ? 'executing' : 'denied', person, now))) {
    const again = await load(svc, rt, id);
    if (viewOf(again, svc.now()) === 'expired') throw approvalErrors.ApprovalExpired.create();
    throw approvalErrors.ApprovalNotPending.create({ details: { status: viewOf(again, svc.now()) } });
  }
  rs.decision = op === 'approve' ? 'approved' : 'denied';
  const event = {
    type: 'approval' as const,
    request_id: rs.id,
    actor: { kind: s.identity.kind, sub: s.identity.sub, username: s.identity.username, ...(s.identity.sessionId ? { session_id: s.identity.sessionId } : {}), ...(s.identity.mfa.credentialId ? { credential_id: s.identity.mfa.credentialId } : {}) },
    env: row.env,
    method: row.method,
    path: row.target.split('?')[0]!,
    action: row.action,
    dag_ids: row.dagIds,
    decision: op === 'approve' ? 'approved' : 'denied',
    detail: { event: op === 'approve' ? 'approved' : 'denied', approval_id: row.id, held_request_id: row.requestId, requester: row.requester.username, requester_token_id: row.tokenId, body_sha256: row.bodySha256 },
  };
  if (op === 'approve') {
    try {
      await svc.audit.recordDurable(event); // durable first: nothing is performed without its approval on record
    } catch (err) {
      await svc.store.approvals.finish(id, { status: 'failed', upstreamStatus: null, upstreamBody: null, upstreamContentType: null, error: 'AIRLOCK_AUDIT_UNAVAILABLE' }, svc.now());
      throw err;
    }
    const result = await performApproved(svc, rt, row, person, rs.id);
    rs.upstreamStatus = result.upstreamStatus ?? undefined;
  } else {
    await svc.audit.recordDurable(event);
  }
  const after = await load(svc, rt, id);
  if (rs.api) return sendJson(res, 200, statusJson(after, svc.now(), rt));
  redirect(res, `${PREFIX}${id}`, {}, 303);
}
