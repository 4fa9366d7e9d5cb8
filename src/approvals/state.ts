import type { ApprovalPerson, ApprovalRow } from '../store/index.ts';
import { ApprovalBodyCorrupt, ApprovalExpired, ApprovalHashMismatch, ApprovalNotPending, ApprovalSelf } from './errors.ts';
import { bodySha256 } from './hold.ts';

/** What the requester and the page show: `approved` while the approved request is being performed. */
export type ApprovalView = 'pending' | 'approved' | 'denied' | 'expired' | 'executed' | 'failed';

export function viewOf(row: Pick<ApprovalRow, 'status' | 'expiresAt'>, now: number): ApprovalView {
  switch (row.status) {
    case 'pending':
      return now < row.expiresAt ? 'pending' : 'expired';
    case 'executing':
      return 'approved';
    default:
      return row.status;
  }
}

export interface DecideRules {
  /** approvals.owner_may_approve: the owner of an agent (or service) token may decide its requests. */
  readonly ownerMayApprove: boolean;
}

/**
 * Whether `person` may decide (approve or deny) this held request now. Throws:
 * AIRLOCK_APPROVAL_NOT_PENDING (decided, being performed, performed), _EXPIRED (past expires_at),
 * _SELF (the person IS the requester, e.g. their personal token; or owns the token and config does not let owners
 * decide; a personal token's owner never may), _HASH_MISMATCH (the page showed another body hash).
 * The policy check (the person's own rights) and the step-up are the caller's.
 */
export function checkDecidable(row: ApprovalRow, person: ApprovalPerson, seenSha256: string | undefined, rules: DecideRules, now: number): void {
  const view = viewOf(row, now);
  if (view === 'expired') throw ApprovalExpired.create();
  if (view !== 'pending') throw ApprovalNotPending.create({ details: { status: view } });
  const r = row.requester;
  if (person.sub === r.sub) throw ApprovalSelf.create({ logMessage: `${person.username} is the requester of ${row.id}` });
  if (r.owner !== null && r.owner.sub === person.sub && (r.kind === 'person' || !rules.ownerMayApprove)) {
    throw ApprovalSelf.create({ logMessage: `${person.username} owns the token of ${row.id} (approvals.owner_may_approve is off)` });
  }
  if (seenSha256 !== undefined && seenSha256 !== row.bodySha256) throw ApprovalHashMismatch.create({ logMessage: `${row.id}: approved hash ${seenSha256}, held ${row.bodySha256}` });
}

/** The body to perform: the stored bytes, verified against the hash the approval bound. */
export function verifiedBody(row: Pick<ApprovalRow, 'id' | 'body' | 'bodySha256'>): Buffer {
  if (bodySha256(row.body) !== row.bodySha256) throw ApprovalBodyCorrupt.create({ logMessage: `${row.id}: stored body does not match its SHA-256` });
  return row.body;
}
