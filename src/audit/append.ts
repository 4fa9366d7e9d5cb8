import { sql, type Kysely } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database, Store } from '../store/index.ts';
import { canonicalJson } from './canonical-json.ts';
import { GENESIS_HASH, linkHash } from './chain-hash.ts';
import { columnsOf } from './columns.ts';
import type { AuditEvent, AuditRecord } from './event.ts';

/**
 * Appends events to the ONE chain shared by every worker and replica, in one transaction. Appends are
 * serialized in the database (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), and
 * the last seq and hash are read inside that same transaction, so no two writers can take the same position.
 * Throws the driver error; callers decide what a failure means.
 */
export async function appendEvents(store: Store, events: readonly AuditEvent[]): Promise<AuditRecord[]> {
  if (events.length === 0) return [];
  const bodies = events.map((e) => canonicalJson(e));
  if (store.kind === 'sqlite') {
    return store.db.connection().execute(async (conn) => {
      await beginImmediate(conn);
      try {
        const out = await insertLinks(conn, events, bodies);
        await sql`commit`.execute(conn);
        return out;
      } catch (err) {
        await sql`rollback`.execute(conn).catch(() => undefined); // the insert's error is the one to report
        throw err;
      }
    });
  }
  return store.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('airlock_audit_chain:' || coalesce(current_schema(), '')))`.execute(trx);
    return insertLinks(trx, events, bodies);
  });
}

async function insertLinks(db: Kysely<Database>, events: readonly AuditEvent[], bodies: readonly string[]): Promise<AuditRecord[]> {
  const last = await db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let seq = last ? Number(last.seq) : 0;
  let prev = last ? last.hash : GENESIS_HASH;
  const rows = [];
  const out: AuditRecord[] = [];
  for (let i = 0; i < events.length; i++) {
    seq += 1;
    const hash = linkHash(prev, seq, bodies[i]!);
    rows.push({ seq, ...columnsOf(events[i]!), body: bodies[i]!, prev_hash: prev, hash });
    out.push({ seq, prevHash: prev, hash, event: events[i]! });
    prev = hash;
  }
  // bounded statement size (SQLite allows ~32k bound values per statement)
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('audit_events').values(rows.slice(i, i + 500)).execute();
  return out;
}

/** How long an append waits for another process's SQLite write lock (ms). */
const SQLITE_LOCK_WAIT_MS = 5_000;

/**
 * BEGIN IMMEDIATE without SQLite's busy handler: better-sqlite3 is synchronous, so busy_timeout would block
 * this process's event loop while another worker holds the lock (and deadlock two connections in one process).
 * The lock is polled instead, sleeping 1-4 ms between tries. This connection is held exclusively meanwhile.
 */
async function beginImmediate(conn: Kysely<Database>): Promise<void> {
  const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
  const before = await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn);
  await sql`pragma busy_timeout = 0`.execute(conn);
  try {
    for (;;) {
      try {
        await sql`begin immediate`.execute(conn);
        return;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') || Date.now() > deadline) throw err;
        await sleep(1 + Math.floor(Math.random() * 4));
      }
    }
  } finally {
    await sql.raw(`pragma busy_timeout = ${Number(before.rows[0]?.timeout ?? 5000)}`).execute(conn);
  }
}
