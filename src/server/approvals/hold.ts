import type { IncomingMessage, ServerResponse } from 'node:http';
import { actionsNeedingApproval, approvalErrors, heldRequest } from '../../approvals/index.ts';
import type { Classification } from '../../policy/index.ts';
import { clientAddress } from '../../proxy/index.ts';
import type { MachinePrincipal } from '../../tokens/index.ts';
import { auditActorOf } from '../audit-hooks.ts';
import type { GatewayServices, RequestState } from '../context.ts';
import { sendJson } from '../respond.ts';
import type { Runtime } from '../runtime.ts';

/** Whether this machine request must wait for a person's approval (the token's list, approvals.agent_actions). */
export function approvalNeeded(rt: Runtime, p: MachinePrincipal, env: string, action: string): boolean {
  const t = p.token;
  if (t === undefined) return false; // a workload JWT carries no approval list
  return actionsNeedingApproval(t, env, rt.config.approvals.agent_actions).includes(action);
}

/**
 * Reads the whole body of a request to be held, up to approvals.max_body (larger: 413
 * AIRLOCK_APPROVAL_BODY_TOO_LARGE, before anything is stored).
 */
export async function readHeldBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    throw approvalErrors.ApprovalBodyTooLarge.create({ details: { limit_bytes: limit } });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw approvalErrors.ApprovalBodyTooLarge.create({ details: { limit_bytes: limit } });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export interface HoldFacts {
  readonly principal: MachinePrincipal;
  readonly env: string;
  readonly rawUrl: string;
  /** The canonical target that would have been forwarded. */
  readonly target: string;
  /** Canonical path (no query), for the audit. */
  readonly path: string;
  readonly cls: Classification;
  readonly body: Buffer;
}

/**
 * Holds an allowed machine request instead of forwarding it: the audit records it durably (type "approval",
 * detail.event "held"), the store keeps it verbatim with its SHA-256, and the caller gets 202 with the
 * approval id and its status URL. Nothing reaches the upstream.
 */
export async function holdForApproval(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, h: HoldFacts): Promise<void> {
  const p = h.principal;
  const t = p.token;
  if (t === undefined) throw new TypeError('holdForApproval: only an Airlock token can be held');
  const client = clientAddress(rt.trusted, req);
  rs.clientIp = client.ip;
  const now = svc.now();
  const cfg = rt.config.approvals;
  const row = heldRequest({
    requestId: rs.id,
    tokenId: t.id,
    requester: { kind: p.identity.kind, sub: p.identity.sub, username: p.identity.username, tokenName: t.name, owner: t.owner ? { sub: t.owner.sub, username: t.owner.username } : null },
    env: h.env,
    method: req.method ?? 'GET',
    rawUrl: h.rawUrl,
    client: { ip: client.ip, proto: client.proto, host: client.host, port: client.port },
    host: req.headers.host ?? '',
    target: h.target,
    action: h.cls.action,
    dagIds: h.cls.dagIds,
    rawHeaders: req.rawHeaders,
    body: h.body,
    now,
    ttlMs: cfg.ttl,
    maxBody: cfg.max_body,
  });
  // durable first: a held request nobody can account for must not exist
  await svc.audit.recordDurable({
    type: 'approval',
    request_id: rs.id,
    actor: auditActorOf(p.identity),
    env: h.env,
    method: row.method,
    path: h.path,
    resource: h.cls.resource,
    action: h.cls.action,
    dag_ids: h.cls.dagIds,
    decision: 'held',
    client_ip: client.ip,
    detail: { event: 'held', approval_id: row.id, body_sha256: row.bodySha256, body_bytes: row.body.length, expires_at: new Date(row.expiresAt).toISOString() },
  });
  await svc.store.approvals.insert(row);
  rs.decision = 'held';
  rs.reasons = [...rs.reasons, 'approval_required'];
  res.setHeader('x-request-id', rs.id);
  sendJson(res, 202, {
    approval_id: row.id,
    status: 'pending',
    status_url: `${rt.publicUrl}/.airlock/approvals/${row.id}`,
    expires_at: new Date(row.expiresAt).toISOString(),
    body_sha256: row.bodySha256,
    message: `${h.cls.action} in ${h.env} needs a person's approval; poll status_url (a person approves it at the same address in a browser)`,
  });
}
