import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Secret } from '../../../src/config/index.ts';

export const PG_URL = process.env.AIRLOCK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh schema for one test file, so parallel runs never collide. Fails (never skips) with a clear
 * message when PostgreSQL cannot be reached.
 */
export async function freshSchema(prefix = 'airlock_test'): Promise<{ schema: string; url: Secret; drop(): Promise<void> }> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is required for this test and is not reachable at ${redacted(PG_URL)} (${(err as Error).message}). ` +
        'Start it or set AIRLOCK_TEST_PG_URL.',
    );
  }
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new Secret(`${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, 'test');
  return {
    schema,
    url,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

function redacted(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
