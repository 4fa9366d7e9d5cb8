import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { verifyChain } from '../../../src/audit/index.ts';
import { Secret, type StoreConfig } from '../../../src/config/index.ts';
import { KeyRing } from '../../../src/keys/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { freshSchema, PG_URL } from '../store/pg-schema.ts';
import { auditLog } from './fixtures.ts';
import { tcpForwarder } from './tcp-forwarder.ts';
import { runWriterSuite } from './writer-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'airlock-audit-writer-'));
const schemas: Awaited<ReturnType<typeof freshSchema>>[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(schemas.map((s) => s.drop()));
});

runWriterSuite('sqlite (file)', async () => {
  const cfg: StoreConfig = { kind: 'sqlite', path: join(dir, `${randomBytes(6).toString('hex')}.db`), pool: 1 };
  return {
    store: await openStore(cfg),
    cfg,
    reopen: () => openStore(cfg),
    // another process's write transaction: the writer's BEGIN IMMEDIATE waits (and fails after 5 s, then retries)
    async lockChain() {
      const raw = new BetterSqlite3(cfg.kind === 'sqlite' ? cfg.path : '');
      raw.exec('BEGIN IMMEDIATE');
      return async () => {
        raw.exec('ROLLBACK');
        raw.close();
      };
    },
  };
});

const chainLock = `hashtext('airlock_audit_chain:' || coalesce(current_schema(), ''))`;

runWriterSuite('postgres', async () => {
  const ctx = await freshSchema('airlock_audit_writer');
  schemas.push(ctx);
  const cfg: StoreConfig = { kind: 'postgres', url: ctx.url, pool: 2 };
  return {
    store: await openStore(cfg),
    cfg,
    reopen: () => openStore(cfg),
    // another host holding the chain's advisory lock: the writer's append waits for it (no timeout)
    async lockChain() {
      const c = new pg.Client({ connectionString: ctx.url.reveal() });
      await c.connect();
      await c.query(`select pg_advisory_lock(${chainLock})`);
      return async () => {
        await c.query(`select pg_advisory_unlock(${chainLock})`);
        await c.end();
      };
    },
  };
});

describe('audit writer thread: the store cannot write', () => {
  test('postgres unreachable from the writer: flush() rejects with AIRLOCK_AUDIT_UNAVAILABLE, the failure is counted, the reads stay queued and land after recovery', async () => {
    const ctx = await freshSchema('airlock_audit_writer');
    schemas.push(ctx);
    const target = new URL(PG_URL);
    const fwd = await tcpForwarder(target.hostname, Number(target.port || 5432));
    const viaFwd = new URL(ctx.url.reveal());
    viaFwd.host = `127.0.0.1:${fwd.port}`;
    const direct = await openStore({ kind: 'postgres', url: ctx.url, pool: 1 });
    const keys = await KeyRing.generateEphemeral();
    // the request thread's own connection is direct: only the writer thread's path is cut
    const { audit, metrics, log } = auditLog(direct, keys, { writerThread: { kind: 'postgres', url: new Secret(viaFwd.toString(), 'test'), pool: 1 } });
    const ids = async () => (await direct.db.selectFrom('audit_events').select('request_id').orderBy('seq').execute()).map((r) => r.request_id);
    try {
      audit.record({ type: 'request', request_id: 'before' });
      await audit.flush();
      await fwd.cut();
      await new Promise((r) => setTimeout(r, 150)); // the writer's idle connection notices
      audit.record({ type: 'request', request_id: 'during-1' });
      audit.record({ type: 'request', request_id: 'during-2' });
      await assert.rejects(audit.flush(), (e: any) => e.code === 'AIRLOCK_AUDIT_UNAVAILABLE' && e.status === 503);
      assert.ok((metrics.counts.get('writeFailed:batched') ?? 0) >= 1);
      assert.ok(log.lines.some((l) => l.level === 'error' && /batch write failed/.test(l.msg)));
      assert.equal(audit.pending, 2, 'kept for retry');
      // mutations do not depend on the writer: the request thread's durable path still commits
      const m = await audit.recordDurable({ type: 'request.intent', request_id: 'mutation' });
      assert.equal(m.seq, 2);
      await fwd.resume();
      await audit.flush();
      assert.deepEqual(await ids(), ['before', 'mutation', 'during-1', 'during-2']);
      assert.equal((await verifyChain(direct)).ok, true);
    } finally {
      await audit.close();
      await direct.close();
      await fwd.close();
    }
  });

  test('close() while the writer cannot write: what it holds is counted as dropped at shutdown and logged, never silently lost', async () => {
    const ctx = await freshSchema('airlock_audit_writer');
    schemas.push(ctx);
    const target = new URL(PG_URL);
    const fwd = await tcpForwarder(target.hostname, Number(target.port || 5432));
    const viaFwd = new URL(ctx.url.reveal());
    viaFwd.host = `127.0.0.1:${fwd.port}`;
    const direct = await openStore({ kind: 'postgres', url: ctx.url, pool: 1 });
    const keys = await KeyRing.generateEphemeral();
    const { audit, metrics, log } = auditLog(direct, keys, { writerThread: { kind: 'postgres', url: new Secret(viaFwd.toString(), 'test'), pool: 1 } });
    try {
      await audit.flush();
      await fwd.cut();
      await new Promise((r) => setTimeout(r, 150));
      for (let i = 0; i < 7; i++) audit.record({ type: 'request', request_id: `lost-${i}` });
      await audit.close();
      assert.equal(metrics.counts.get('dropped:shutdown'), 7);
      assert.ok(log.lines.some((l) => l.level === 'error' && /could not be written at shutdown/.test(l.msg) && (l.obj as { events: number }).events === 7));
    } finally {
      await direct.close();
      await fwd.close();
    }
  });

  test('close() when the writer cannot finish (the chain lock held elsewhere, no timeout in PostgreSQL): after the shutdown deadline what it holds is counted as dropped and logged', async () => {
    const ctx = await freshSchema('airlock_audit_writer');
    schemas.push(ctx);
    const cfg: StoreConfig = { kind: 'postgres', url: ctx.url, pool: 2 };
    const store = await openStore(cfg);
    const keys = await KeyRing.generateEphemeral();
    const { audit, metrics, log } = auditLog(store, keys, { writerThread: cfg });
    const holder = new pg.Client({ connectionString: ctx.url.reveal() });
    await holder.connect();
    try {
      await audit.flush();
      await holder.query(`select pg_advisory_lock(${chainLock})`);
      for (let i = 0; i < 9; i++) audit.record({ type: 'request', request_id: `stuck-${i}` });
      await audit.close(); // resolves: the writer is given up on after its deadline
      assert.equal(metrics.counts.get('dropped:shutdown'), 9);
      assert.ok(log.lines.some((l) => l.level === 'error' && /could not be written at shutdown/.test(l.msg)));
      await holder.query(`select pg_advisory_unlock(${chainLock})`);
      assert.equal((await verifyChain(store)).events, 0, 'nothing half-written');
    } finally {
      await holder.end();
      await store.close();
    }
  });

  test('postgres: each writer thread holds exactly one connection of its own, named airlock-audit-writer', async () => {
    const ctx = await freshSchema('airlock_audit_writer');
    schemas.push(ctx);
    // a login role of its own, so other processes on the same server cannot disturb the count
    const role = `airlock_w_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create role ${role} login`);
    await admin.query(`alter schema ${ctx.schema} owner to ${role}`);
    const url = new URL(ctx.url.reveal());
    url.username = role;
    const cfg: StoreConfig = { kind: 'postgres', url: new Secret(url.toString(), 'test'), pool: 3 };
    const store = await openStore(cfg);
    const keys = await KeyRing.generateEphemeral();
    const count = async (name: string) => Number((await admin.query(`select count(*) as n from pg_stat_activity where usename = $1 and application_name = $2`, [role, name])).rows[0].n);
    try {
      const logs = [auditLog(store, keys, { writerThread: cfg }).audit, auditLog(store, keys, { writerThread: cfg }).audit];
      for (let i = 0; i < 500; i++) logs[i % 2]!.record({ type: 'request', request_id: `c${i}` });
      await Promise.all(logs.map((l) => l.flush()));
      assert.equal(await count('airlock-audit-writer'), 2, 'one per writer thread (here: two)');
      for (const l of logs) await l.close();
      for (let i = 0; i < 50 && (await count('airlock-audit-writer')) > 0; i++) await new Promise((r) => setTimeout(r, 50)); // the server ends the backends
      assert.equal(await count('airlock-audit-writer'), 0, 'closed with the writer');
      assert.equal((await verifyChain(store)).events, 500);
    } finally {
      await store.close();
      await admin.query(`alter schema ${ctx.schema} owner to current_user`);
      await admin.query(`reassign owned by ${role} to current_user`);
      await admin.query(`drop owned by ${role}`);
      await admin.query(`drop role ${role}`);
      await admin.end();
    }
  });

  test('an in-memory SQLite store cannot have a writer thread (its second connection would be another database): TypeError', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:', pool: 1 });
    const keys = await KeyRing.generateEphemeral();
    try {
      assert.throws(() => auditLog(store, keys, { writerThread: { kind: 'sqlite', path: ':memory:', pool: 1 } }), TypeError);
    } finally {
      await store.close();
    }
  });
});
