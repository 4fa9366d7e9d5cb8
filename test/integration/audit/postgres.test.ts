import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { Secret } from '../../../src/config/index.ts';
import { KeyRing } from '../../../src/keys/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { freshSchema, PG_URL } from '../store/pg-schema.ts';
import { verifyChain } from '../../../src/audit/index.ts';
import { runAuditSuite } from './audit-suite.ts';
import { auditLog } from './fixtures.ts';
import { tcpForwarder } from './tcp-forwarder.ts';

const schemas: Awaited<ReturnType<typeof freshSchema>>[] = [];
after(async () => {
  await Promise.all(schemas.map((s) => s.drop()));
});

/** Every call: a new schema (a fresh chain) in the test database. */
const fresh = async () => {
  const ctx = await freshSchema('airlock_audit');
  schemas.push(ctx);
  const open = () => openStore({ kind: 'postgres', url: ctx.url, pool: 3 });
  return { store: await open(), reopen: open };
};

runAuditSuite('postgres', fresh);

describe('audit on postgres: the store cannot write', () => {
  // Note: a dropped connection on a client that is checked out of the pool emits an 'error' event nobody listens
  // to (src/store/backends/postgres.ts handles idle clients only), which would crash the process; the tests
  // therefore let the pool notice the cut before writing. Reported to the store owner.
  const settle = () => new Promise((r) => setTimeout(r, 150));

  test('server unreachable (its port closed): durable writes fail closed; read events stay buffered and land after recovery', async () => {
    const ctx = await freshSchema('airlock_audit');
    schemas.push(ctx);
    const target = new URL(PG_URL);
    const fwd = await tcpForwarder(target.hostname, Number(target.port || 5432));
    const viaFwd = new URL(ctx.url.reveal());
    viaFwd.host = `127.0.0.1:${fwd.port}`;
    const store = await openStore({ kind: 'postgres', url: new Secret(viaFwd.toString(), 'test'), pool: 2 });
    const keys = await KeyRing.generateEphemeral();
    const { audit, metrics } = auditLog(store, keys);
    const direct = await openStore({ kind: 'postgres', url: ctx.url, pool: 1 });
    const ids = async () => (await direct.db.selectFrom('audit_events').select('request_id').orderBy('seq').execute()).map((r) => r.request_id);
    try {
      await audit.recordDurable({ type: 'request.intent', request_id: 'before' });
      await fwd.cut();
      await settle();
      await assert.rejects(audit.recordDurable({ type: 'request.intent', request_id: 'refused' }), (e: any) => e.code === 'AIRLOCK_AUDIT_UNAVAILABLE' && e.status === 503 && e.cause !== undefined);
      assert.equal(metrics.counts.get('writeFailed:durable'), 1);
      audit.record({ type: 'request', request_id: 'read-1' });
      await assert.rejects(audit.flush(), (e: any) => e.code === 'AIRLOCK_AUDIT_UNAVAILABLE');
      assert.equal(audit.pending, 1, 'kept for retry');
      assert.deepEqual(await ids(), ['before'], 'the refused intent never reached the database');
      await fwd.resume();
      await audit.flush();
      assert.deepEqual(await ids(), ['before', 'read-1']);
    } finally {
      await audit.close();
      await store.close();
      await direct.close();
      await fwd.close();
    }
  });

  test('the store connection terminated by pg_terminate_backend: the pool reconnects and the chain continues', async () => {
    const { store } = await fresh();
    const keys = await KeyRing.generateEphemeral();
    const { audit } = auditLog(store, keys);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await audit.recordDurable({ type: 'request.intent', request_id: 'a' });
      // only this store's backends (other test processes share the server)
      const pids = new Set<number>();
      for (let i = 0; i < 3; i++) pids.add((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db)).rows[0]!.pid);
      for (const pid of pids) await admin.query('select pg_terminate_backend($1)', [pid]);
      await settle();
      const r = await audit.recordDurable({ type: 'request.intent', request_id: 'b' });
      assert.equal(r.seq, 2);
      assert.equal((await verifyChain(store)).ok, true);
    } finally {
      await admin.end();
      await audit.close();
    }
  });
});
