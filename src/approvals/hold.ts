import { createHash, randomBytes } from 'node:crypto';
import type { NewApprovalRow } from '../store/index.ts';
import { ApprovalBodyTooLarge } from './errors.ts';

/** Request headers kept with a held request and sent again when it is performed (everything else is rebuilt). */
export const REPLAYED_HEADERS: readonly string[] = Object.freeze(['content-type', 'accept']);

export function bodySha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url');
}

export function newApprovalId(): string {
  return `apr_${randomBytes(16).toString('base64url')}`;
}

export interface HoldInput extends Pick<NewApprovalRow, 'requestId' | 'tokenId' | 'requester' | 'env' | 'method' | 'rawUrl' | 'client' | 'host' | 'target' | 'action' | 'dagIds'> {
  /** The request's raw headers (name, value, name, value …). */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly now: number;
  readonly ttlMs: number;
  readonly maxBody: number;
}

/** The row of a request held for approval: the body verbatim with its SHA-256, the allow-listed headers. */
export function heldRequest(i: HoldInput): NewApprovalRow {
  if (!Buffer.isBuffer(i.body)) throw new TypeError('heldRequest: body must be a Buffer');
  if (i.body.length > i.maxBody) throw ApprovalBodyTooLarge.create({ details: { limit_bytes: i.maxBody } });
  const headers: [string, string][] = [];
  for (let k = 0; k + 1 < i.rawHeaders.length; k += 2) {
    const name = i.rawHeaders[k]!.toLowerCase();
    if (REPLAYED_HEADERS.includes(name)) headers.push([name, i.rawHeaders[k + 1]!]);
  }
  return {
    id: newApprovalId(),
    requestId: i.requestId,
    tokenId: i.tokenId,
    requester: i.requester,
    env: i.env,
    method: i.method,
    rawUrl: i.rawUrl,
    client: i.client,
    host: i.host,
    target: i.target,
    action: i.action,
    dagIds: [...i.dagIds],
    headers,
    body: i.body,
    bodySha256: bodySha256(i.body),
    createdAt: i.now,
    expiresAt: i.now + i.ttlMs,
  };
}

/**
 * The actions a token's requests in `env` must be approved for: the token's own list, plus (for an agent token)
 * approvals.agent_actions of that environment.
 */
export function actionsNeedingApproval(token: { readonly kind: string; readonly approvalActions: readonly string[] }, env: string, agentActions: Readonly<Record<string, readonly string[]>>): readonly string[] {
  const forced = token.kind === 'agent' ? (agentActions[env] ?? []) : [];
  if (forced.length === 0) return token.approvalActions;
  return [...new Set([...token.approvalActions, ...forced])];
}
