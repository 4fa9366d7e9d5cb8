import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Secret } from '../../../src/config/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { freshSchema } from './pg-schema.ts';
import { runStoreSuite } from './suite.ts';

let ctx: Awaited<ReturnType<typeof freshSchema>>;
before(async () => {
  ctx = await freshSchema();
});
after(async () => {
  await ctx?.drop();
});

runStoreSuite('postgres', () => openStore({ kind: 'postgres', url: ctx.url, pool: 3 }));

describe('postgres specifics', () => {
  test('tables live in the per-file schema and timestamps are bigint columns', async () => {
    const s = await openStore({ kind: 'postgres', url: ctx.url, pool: 1 });
    try {
      const r = await sql<{ data_type: string }>`
        select data_type from information_schema.columns
        where table_schema = ${ctx.schema} and table_name = 'sessions' and column_name = 'expires_at'`.execute(s.db);
      assert.equal(r.rows[0]?.data_type, 'bigint');
    } finally {
      await s.close();
    }
  });

  test('unreachable server: AIRLOCK_STORE_UNAVAILABLE, and the password appears nowhere', async () => {
    const port = await closedPort();
    const password = 'hunter2-very-secret';
    const url = new Secret(`postgres://airlock:${password}@127.0.0.1:${port}/test`, 'test');
    const err = await openStore({ kind: 'postgres', url, pool: 1 }).then(
      () => assert.fail('openStore should fail'),
      (e: unknown) => e,
    );
    assert.equal((err as any).code, 'AIRLOCK_STORE_UNAVAILABLE');
    assert.equal((err as any).status, 503);
    assert.notEqual((err as any).cause, undefined, 'cause kept for logs');
    const everything = [String(err), (err as Error).stack, JSON.stringify(err), inspect(err, { depth: 10 })].join('\n');
    assert.ok(!everything.includes(password), 'password leaked into the error');
  });
});

/** A port nothing listens on: bind an ephemeral port, then release it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
