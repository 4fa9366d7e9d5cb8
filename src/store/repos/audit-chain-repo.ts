import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../database.ts';
import type { AuditEventsTable } from '../tables/audit.ts';

/** The last link of the audit chain. */
export interface ChainEnd {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Computes the rows to append after `end` (undefined: the chain is empty). Called inside the write
 * transaction, so it must be synchronous and must not touch the store; a throw rolls the append back.
 */
export type LinkRows = (end: ChainEnd | undefined) => readonly AuditEventsTable[];

export interface AuditChainRepo {
  /**
   * Appends rows at the end of the ONE chain shared by every worker and replica, in one transaction.
   * Appends are serialized in the database (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped
   * advisory lock) and the end is read inside that transaction, so no two writers take the same position.
   * Resolves with the rows written; rejects with the driver's error (callers decide what a failure means).
   */
  append(link: LinkRows): Promise<readonly AuditEventsTable[]>;
}

const COLUMNS = ['seq', 'id', 'time', 'type', 'request_id', 'sub', 'username', 'env', 'action', 'resource', 'decision', 'dags', 'status', 'body', 'prev_hash', 'hash'] as const satisfies readonly (keyof AuditEventsTable)[];

/** How long an append waits for another process's SQLite write lock (ms). */
const SQLITE_LOCK_WAIT_MS = 5_000;

/**
 * SQLite: one prepared INSERT run per row through the raw better-sqlite3 handle (a batch of 200 costs a
 * few µs per row instead of compiling a 3,200-parameter statement), while Kysely's single connection is
 * held so no other query of this process interleaves. BEGIN IMMEDIATE is polled with busy_timeout off:
 * better-sqlite3 is synchronous, so SQLite's busy handler would block the event loop while another worker
 * writes (and deadlock two connections in one process). Once the lock is held the append runs to COMMIT
 * synchronously.
 */
export function sqliteAuditChainRepo(db: Kysely<Database>, raw: BetterSqlite3.Database, busyTimeoutMs: number): AuditChainRepo {
  let stmts: { end: BetterSqlite3.Statement<[], { seq: number; hash: string }>; insert: BetterSqlite3.Statement<unknown[]> } | undefined;
  const prepare = () =>
    (stmts ??= {
      end: raw.prepare('select seq, hash from audit_events order by seq desc limit 1'),
      insert: raw.prepare(`insert into audit_events (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`),
    });
  return {
    append: (link) =>
      db.connection().execute(async () => {
        const s = prepare();
        const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
        for (;;) {
          if (tryBegin(raw, busyTimeoutMs)) break;
          if (Date.now() > deadline) throw Object.assign(new Error('audit chain: the SQLite write lock stayed busy'), { code: 'SQLITE_BUSY' });
          await sleep(1 + Math.floor(Math.random() * 4));
        }
        try {
          const last = s.end.get();
          const rows = link(last ? { seq: Number(last.seq), hash: last.hash } : undefined);
          for (const r of rows) s.insert.run(r.seq, r.id, r.time, r.type, r.request_id, r.sub, r.username, r.env, r.action, r.resource, r.decision, r.dags, r.status, r.body, r.prev_hash, r.hash);
          raw.exec('COMMIT');
          return rows;
        } catch (err) {
          if (raw.inTransaction) raw.exec('ROLLBACK');
          throw err;
        }
      }),
  };
}

/** BEGIN IMMEDIATE without waiting: false when another connection holds the write lock. */
function tryBegin(raw: BetterSqlite3.Database, busyTimeoutMs: number): boolean {
  raw.pragma('busy_timeout = 0');
  try {
    raw.exec('BEGIN IMMEDIATE');
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return false;
    throw err;
  } finally {
    raw.pragma(`busy_timeout = ${busyTimeoutMs}`);
  }
}

/** PostgreSQL: a transaction holding an advisory lock per schema; rows inserted in statements of at most 500. */
export function postgresAuditChainRepo(db: Kysely<Database>): AuditChainRepo {
  return {
    append: (link) =>
      db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext('airlock_audit_chain:' || coalesce(current_schema(), '')))`.execute(trx);
        const last = await trx.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        const rows = link(last ? { seq: Number(last.seq), hash: last.hash } : undefined);
        for (let i = 0; i < rows.length; i += 500) await trx.insertInto('audit_events').values(rows.slice(i, i + 500)).execute();
        return rows;
      }),
  };
}
