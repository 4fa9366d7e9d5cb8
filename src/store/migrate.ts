import { sql, type Kysely } from 'kysely';
import type { Backend } from './backends/backend.ts';
import type { Database } from './database.ts';
import { StoreSchemaNewer } from './errors.ts';
import type { StoreLogger } from './logger.ts';
import type { Migration } from './migrations/index.ts';

/**
 * Applies the pending migrations in order, in one transaction, under the backend's cross-process lock:
 * when several processes start at once, one migrates and the others find the work done.
 * Refuses a database that has migrations this build does not know (opened by a newer version).
 * Returns the names it applied.
 */
export async function runMigrations(
  backend: Backend,
  list: readonly Migration[],
  now: () => number,
  logger?: StoreLogger,
): Promise<string[]> {
  assertOrdered(list);
  return backend.db.connection().execute(async (conn) => {
    await backend.beginMigration(conn);
    try {
      const applied = await pending(conn, list);
      for (const m of applied) {
        await m.up(conn, backend.kind);
        await conn.insertInto('airlock_migrations').values({ name: m.name, applied_at: now() }).execute();
        logger?.info({ migration: m.name, store: backend.kind }, 'store: migration applied');
      }
      await sql`commit`.execute(conn);
      return applied.map((m) => m.name);
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined); // the original error is the one that matters
      throw err;
    }
  });
}

async function pending(conn: Kysely<Database>, list: readonly Migration[]): Promise<Migration[]> {
  await conn.schema
    .createTable('airlock_migrations')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const done = new Set((await conn.selectFrom('airlock_migrations').select('name').execute()).map((r) => r.name));
  const known = new Set(list.map((m) => m.name));
  const unknown = [...done].filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw StoreSchemaNewer.create({ logMessage: `database has migrations unknown to this build: ${unknown.sort().join(', ')}` });
  }
  return list.filter((m) => !done.has(m.name));
}

function assertOrdered(list: readonly Migration[]): void {
  for (let i = 1; i < list.length; i++) {
    if (list[i - 1]!.name >= list[i]!.name) throw new TypeError(`migrations out of order: ${list[i - 1]!.name} before ${list[i]!.name}`);
  }
}
