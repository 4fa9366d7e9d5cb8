import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../database.ts';
import { StoreUnavailable } from '../errors.ts';
import type { Backend } from './backend.ts';
import { sqliteAuditChainRepo } from '../repos/audit-chain-repo.ts';

/** How long a statement waits for another process's write lock before failing (ms). */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** How long openStore waits for another process to finish migrating (ms). */
const MIGRATION_LOCK_WAIT_MS = 30_000;

/**
 * Opens a SQLite file (or ":memory:") in WAL mode with busy_timeout and foreign keys on.
 * WAL lets several worker processes read while one writes; busy_timeout makes a writer wait for another.
 */
export function openSqlite(path: string): Backend {
  if (typeof path !== 'string' || path === '') throw new TypeError('store: sqlite path must be a non-empty string');
  let raw: BetterSqlite3.Database;
  try {
    raw = new BetterSqlite3(path);
    raw.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
  } catch (cause) {
    throw StoreUnavailable.create({ cause, logMessage: 'cannot open the SQLite database' });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return {
    kind: 'sqlite',
    db,
    auditChain: sqliteAuditChainRepo(db, raw, SQLITE_BUSY_TIMEOUT_MS),
    // better-sqlite3 is synchronous: a busy wait would block this process's event loop (and, for two
    // openers in one process, deadlock). So the lock is polled without busy_timeout, sleeping between tries.
    async beginMigration() {
      const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
      raw.pragma('busy_timeout = 0');
      try {
        for (;;) {
          try {
            raw.exec('BEGIN IMMEDIATE');
            return;
          } catch (err) {
            if (!isBusy(err) || Date.now() > deadline) throw err;
            await sleep(10 + Math.floor(Math.random() * 40));
          }
        }
      } finally {
        raw.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      }
    },
  };
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}
