import { sql } from 'kysely';
import type { Store } from '../store/index.ts';
import { guarded } from '../store/index.ts';
import { AuditBadFilter } from './errors.ts';
import type { AuditEvent, AuditRecord } from './event.ts';

export interface AuditQuery {
  /** Events naming this DAG id. */
  readonly dag?: string;
  readonly action?: string;
  /** Username or sub. */
  readonly user?: string;
  readonly decision?: string;
  readonly env?: string;
  readonly type?: string;
  readonly requestId?: string;
  /** Epoch ms, inclusive. */
  readonly since?: number;
  /** Epoch ms, exclusive. */
  readonly until?: number;
  /** First seq (inclusive). */
  readonly fromSeq?: number;
  /** Default 1000; at most 1 000 000. */
  readonly limit?: number;
}

const DAG_ID = /^[\w.-]{1,250}$/u;

/** Events matching every filter, oldest first (by chain position). */
export async function queryEvents(store: Store, q: AuditQuery): Promise<AuditRecord[]> {
  const limit = q.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000) throw AuditBadFilter.create({ message: '--limit must be a whole number from 1 to 1000000' });
  if (q.dag !== undefined && !DAG_ID.test(q.dag)) throw AuditBadFilter.create({ message: '--dag must be a DAG id (letters, digits, "_", ".", "-")' });
  return guarded('audit.query', async () => {
    let sel = store.db.selectFrom('audit_events').select(['seq', 'prev_hash', 'hash', 'body']);
    if (q.dag !== undefined) sel = sel.where(sql<boolean>`dags like ${`%,${escapeLike(q.dag)},%`} escape '\\'`);
    if (q.action !== undefined) sel = sel.where('action', '=', q.action);
    if (q.user !== undefined) sel = sel.where((eb) => eb.or([eb('username', '=', q.user!), eb('sub', '=', q.user!)]));
    if (q.decision !== undefined) sel = sel.where('decision', '=', q.decision);
    if (q.env !== undefined) sel = sel.where('env', '=', q.env);
    if (q.type !== undefined) sel = sel.where('type', '=', q.type);
    if (q.requestId !== undefined) sel = sel.where('request_id', '=', q.requestId);
    if (q.since !== undefined) sel = sel.where('time', '>=', q.since);
    if (q.until !== undefined) sel = sel.where('time', '<', q.until);
    if (q.fromSeq !== undefined) sel = sel.where('seq', '>=', q.fromSeq);
    const rows = await sel.orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), prevHash: r.prev_hash, hash: r.hash, event: JSON.parse(r.body) as AuditEvent }));
  });
}

/** DAG ids may contain "_", a LIKE wildcard: match it literally. */
function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
