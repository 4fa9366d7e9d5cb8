import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';
import type { AuditChainRepo } from '../repos/audit-chain-repo.ts';

/** What openStore needs from a backend. */
export interface Backend {
  readonly kind: 'sqlite' | 'postgres';
  readonly db: Kysely<Database>;
  /**
   * Starts the migration transaction on `conn` and takes the cross-process migration lock
   * (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN + pg_advisory_xact_lock). Released by COMMIT/ROLLBACK.
   */
  beginMigration(conn: Kysely<Database>): Promise<void>;
  /** The audit chain's append path (backend-specific: the hot write of src/audit). */
  readonly auditChain: AuditChainRepo;
}
