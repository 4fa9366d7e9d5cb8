import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Secret } from '../../config/index.ts';
import type { Database } from '../database.ts';
import type { StoreLogger } from '../logger.ts';
import type { Backend } from './backend.ts';
import { postgresAuditChainRepo } from '../repos/audit-chain-repo.ts';

const INT8_OID = 20;
/** How long acquiring a pooled connection may take before the store counts as unavailable (ms). */
const CONNECT_TIMEOUT_MS = 5_000;

/** Timestamps are bigint columns; map them (and COUNT(*)) to JS numbers for this pool only. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
  },
} as pg.CustomTypesConfig;

/** `applicationName` (default "airlock") names the connections in pg_stat_activity; one in the URL wins. */
export function poolConfig(url: Secret, max: number, applicationName = 'airlock'): pg.PoolConfig {
  return {
    connectionString: url.reveal(),
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: applicationName,
    types,
  };
}

/** A PostgreSQL pool behind Kysely. `search_path` can be set in the URL: `?options=-c%20search_path%3Dairlock`. */
export function openPostgres(url: Secret, max: number, logger?: StoreLogger, applicationName?: string): Backend {
  const pool = new pg.Pool(poolConfig(url, max, applicationName));
  // An idle client's connection dropping emits 'error' on the pool; unhandled it would kill the process.
  // The next query then fails as AIRLOCK_STORE_UNAVAILABLE.
  pool.on('error', (err) => logger?.warn({ err: { message: err.message, code: (err as { code?: unknown }).code } }, 'store: idle PostgreSQL connection failed'));
  // a client that is IN USE when its connection dies emits 'error' on itself; without a listener that kills the process.
  // The failing query rejects on its own (and becomes AIRLOCK_STORE_UNAVAILABLE), so logging is enough here.
  pool.on('connect', (client) => client.on('error', (err) => logger?.warn({ err: { message: err.message, code: (err as { code?: unknown }).code } }, 'store: PostgreSQL connection failed')));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    auditChain: postgresAuditChainRepo(db),
    async beginMigration(conn) {
      await sql`begin`.execute(conn);
      // One lock per schema, so test runs in separate schemas don't wait for each other.
      await sql`select pg_advisory_xact_lock(hashtext('airlock_migrations:' || coalesce(current_schema(), '')))`.execute(conn);
    },
  };
}
