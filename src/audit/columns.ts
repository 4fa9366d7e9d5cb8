import type { AuditEventsTable } from '../store/index.ts';
import type { AuditEvent } from './event.ts';

/** The query columns of audit_events, derived from the event (verify checks that the stored copies agree). */
export type EventColumns = Omit<AuditEventsTable, 'seq' | 'body' | 'prev_hash' | 'hash'>;

export function columnsOf(e: AuditEvent): EventColumns {
  return {
    id: e.id,
    time: e.time,
    type: e.type,
    request_id: e.request_id ?? null,
    sub: e.actor?.sub ?? null,
    username: e.actor?.username ?? null,
    env: e.env ?? null,
    action: e.action ?? null,
    resource: e.resource ?? null,
    decision: e.decision ?? null,
    dags: e.dag_ids && e.dag_ids.length > 0 ? `,${e.dag_ids.join(',')},` : null,
    status: e.upstream_status ?? e.status ?? null,
  };
}

export const COLUMN_NAMES = ['id', 'time', 'type', 'request_id', 'sub', 'username', 'env', 'action', 'resource', 'decision', 'dags', 'status'] as const;
