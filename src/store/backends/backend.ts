import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';

/** What openStore needs from a backend. */
export interface Backend {
  readonly kind: 'sqlite' | 'postgres';
  readonly db: Kysely<Database>;
  /**
   * Starts the migration transaction on `conn` and takes the cross-process migration lock
   * (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN + pg_advisory_xact_lock). Released by COMMIT/ROLLBACK.
   */
  beginMigration(conn: Kysely<Database>): Promise<void>;
}
