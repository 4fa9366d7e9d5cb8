import { verifiedBody } from '../../approvals/index.ts';
import { isAirlockError } from '../../errors/index.ts';
import type { Identity } from '../../identity/index.ts';
import { readBodyDagIds } from '../../policy/index.ts';
import { forwardBuffered, sanitizeRequestHeaders } from '../../proxy/index.ts';
import type { ApprovalPerson, ApprovalRow, ExecutionResult } from '../../store/index.ts';
import { decideForMachine } from '../../tokens/index.ts';
import type { GatewayServices } from '../context.ts';
import { routeOf } from '../route-cache.ts';
import type { Runtime } from '../runtime.ts';

/**
 * Performs an approved held request once (the caller won the pending -> executing compare-and-swap): the token must
 * still be live and its request still allowed by its owner's current rights; the body is the stored one, verified
 * against the hash the approval bound; the assertion names the requester (sub, kind) and the approver
 * (`approved_by`). The result (upstream status and answer, or the error code) is stored and audited.
 */
export async function performApproved(svc: GatewayServices, rt: Runtime, row: ApprovalRow, approver: ApprovalPerson, requestId: string): Promise<ExecutionResult> {
  let result: ExecutionResult;
  let latency: number | undefined;
  try {
    const body = verifiedBody(row);
    const auth = await svc.tokens.principalById(row.tokenId, rt);
    const p = auth.principal;
    const route = routeOf(rt, row.host, row.method, row.rawUrl);
    let cls = route.cls;
    if (cls.body !== 'none') cls = readBodyDagIds(cls, contentType(row), body);
    const d = decideForMachine(rt.policy, p, route.sel.name, cls, { now: svc.now(), dagMetadata: svc.dagMetadata(route.sel.name) });
    if (d.effect !== 'allow' || route.sel.name !== row.env || route.target.forwardTarget !== row.target) {
      result = { status: 'failed', upstreamStatus: null, upstreamBody: null, upstreamContentType: null, error: 'requester_no_longer_allowed' };
    } else {
      const identity: Identity = Object.freeze({ ...p.identity, machine: Object.freeze({ ...p.identity.machine, approvedBy: Object.freeze({ sub: approver.sub, username: approver.username, approvalId: row.id }) }) });
      const assertion = await svc.assertions().mintOnce(identity, row.env, svc.now());
      const raw: string[] = [];
      for (const [k, v] of row.headers) raw.push(k, v);
      raw.push('host', row.client.host);
      const headers = sanitizeRequestHeaders(raw, {
        client: row.client,
        sessionCookieName: rt.cookie.name,
        gatewayCookieNames: [rt.loginCookieName],
        stripAuthorization: true,
        add: rt.config.assertion.plain_headers
          ? { 'x-airlock-assertion': assertion, 'x-airlock-user': identity.username, 'x-airlock-roles': identity.roles.join(',') }
          : { 'x-airlock-assertion': assertion },
      });
      const r = await forwardBuffered(rt.upstreams.get(row.env), { method: row.method, target: row.target, headers: { ...headers, 'x-request-id': requestId }, body, maxResponse: rt.config.approvals.max_response });
      latency = Math.round(r.upstreamMs * 100) / 100;
      result = { status: 'executed', upstreamStatus: r.status, upstreamBody: r.body, upstreamContentType: r.contentType, error: null };
    }
  } catch (err) {
    if (!isAirlockError(err)) svc.log.error({ err, approval: row.id }, 'approval: performing the held request failed');
    result = { status: 'failed', upstreamStatus: null, upstreamBody: null, upstreamContentType: null, error: isAirlockError(err) ? err.code : 'AIRLOCK_SERVER_INTERNAL' };
  }
  if (!(await svc.store.approvals.finish(row.id, result, svc.now()))) {
    // only when it took longer than the environment's timeouts plus a minute and a reader settled it (endpoint.ts)
    svc.log.error({ approval: row.id, status: result.status, upstreamStatus: result.upstreamStatus, error: result.error }, 'approval: performed, but the row was already settled as outcome_unknown; this result is in this log and the audit event only');
  }
  const event = {
    type: 'approval' as const,
    request_id: requestId,
    actor: { kind: row.requester.kind, sub: row.requester.sub, username: row.requester.username, token_id: row.tokenId, ...(row.requester.tokenName ? { token_name: row.requester.tokenName } : {}), ...(row.requester.owner ? { owner: row.requester.owner.username } : {}) },
    env: row.env,
    method: row.method,
    path: row.target.split('?')[0]!,
    action: row.action,
    dag_ids: row.dagIds,
    decision: result.status,
    ...(result.upstreamStatus !== null ? { upstream_status: result.upstreamStatus } : {}),
    ...(latency !== undefined ? { latency_ms: latency } : {}),
    detail: { event: result.status, approval_id: row.id, held_request_id: row.requestId, approved_by: approver.username, approved_by_sub: approver.sub, body_sha256: row.bodySha256, ...(result.error ? { error: result.error } : {}) },
  };
  await svc.audit.recordDurable(event).catch((err: unknown) => {
    svc.log.error({ err, approval: row.id }, 'audit: approval outcome not written at once; queued for the next batch');
    svc.audit.record(event);
  });
  return result;
}

function contentType(row: ApprovalRow): string | undefined {
  return row.headers.find(([k]) => k === 'content-type')?.[1];
}
