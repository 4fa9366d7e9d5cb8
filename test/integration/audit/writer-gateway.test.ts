import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { queryEvents, verifyChain } from '../../../src/audit/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import type { StoreConfig } from '../../../src/config/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { startStack, type TestStack } from '../gateway/harness.ts';
import { freshSchema } from '../store/pg-schema.ts';

/**
 * The off-thread audit writer in a real `airlock serve` (2 worker processes, each with its writer thread):
 * SIGTERM writes every read; kill -9 loses at most the reads of the last flush_interval; the chain verifies.
 */
const BIN = fileURLToPath(new URL('../../../bin/airlock.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function serve(s: TestStack): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', s.configPath], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  for (let i = 0; i < 300; i++) {
    const up = await fetch(`${s.gatewayUrl}/.airlock/healthz`).then((r) => r.status, () => 0);
    if (up > 0) return child;
    if (child.exitCode !== null) throw new Error(`gateway exited: ${err}`);
    await sleep(100);
  }
  throw new Error(`gateway did not start: ${err}`);
}

/** `n` authenticated reads, 8 at a time; the request ids of those answered 200. */
async function reads(s: TestStack, cookie: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        next++;
        const r = await fetch(`${s.gatewayUrl}/api/v1/dags/finance_daily`, { headers: { cookie, accept: 'application/json' } });
        await r.body?.cancel();
        assert.equal(r.status, 200);
        ids.push(r.headers.get('x-request-id')!);
      }
    }),
  );
  return ids;
}

async function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, signal); // the primary and its workers, as a terminal's Ctrl-C or a container runtime may
  await exited;
  await sleep(300); // the workers are gone too
}

/**
 * The kill -9 window is flush_interval for a RUNNING writer thread; a worker's thread starts with the worker and,
 * on a loaded machine, may take longer than that to load. Wait until reads from both workers reach the store.
 */
async function writersRunning(s: TestStack, cookie: string, open: () => Promise<Store>): Promise<void> {
  const store = await open();
  try {
    for (let i = 0; ; i++) {
      const ids = await reads(s, cookie, 16);
      await sleep(500);
      if ((await missing(store, ids)).length === 0) return;
      if (i > 60) assert.fail('the audit writer threads never wrote');
    }
  } finally {
    await store.close();
  }
}

async function missing(store: Store, ids: readonly string[]): Promise<string[]> {
  const have = new Set((await queryEvents(store, { type: 'request', limit: 1_000_000 })).map((r) => r.event.request_id));
  return ids.filter((id) => !have.has(id));
}

function stackFor(store: string | undefined, audit: Record<string, unknown>): Promise<TestStack> {
  return startStack({ workers: 2, ...(store ? { store } : {}), config: (cfg) => (cfg.audit = audit) });
}

describe('audit writer thread in the gateway (sqlite, 2 workers)', () => {
  const stacks: TestStack[] = [];
  after(async () => {
    for (const s of stacks) await s.close();
  });

  test('SIGTERM: every read answered before it is written, though nothing was due yet (1 h interval, large batch); the chain verifies', async () => {
    const s = await stackFor(undefined, { flush_interval: '1h', batch_size: 10_000 });
    stacks.push(s);
    await s.gateway.close(); // the gateway under test runs as a child process group on the same config
    const child = await serve(s);
    const cookie = (await loginThroughGateway(s.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
    const ids = await reads(s, cookie, 200);
    const store = await openStore({ kind: 'sqlite', path: `${s.dir}/airlock.db`, pool: 1 });
    try {
      assert.equal((await missing(store, ids)).length, ids.length, 'not written before shutdown (so the test proves the shutdown flush)');
      await stopped(child, 'SIGTERM');
      assert.deepEqual(await missing(store, ids), [], 'every read has its event after SIGTERM');
      const v = await verifyChain(store);
      assert.deepEqual(v.problems, []);
      assert.equal(v.unanchoredTail, 0, 'a last checkpoint is signed at shutdown');
    } finally {
      await store.close();
    }
  });

  test('kill -9 of the primary and both workers: reads older than flush_interval are all there, the rest at most lost; the chain verifies', async () => {
    const s = await stackFor(undefined, { flush_interval: '200ms' });
    stacks.push(s);
    await s.gateway.close();
    const child = await serve(s);
    const cookie = (await loginThroughGateway(s.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
    await writersRunning(s, cookie, () => openStore({ kind: 'sqlite', path: `${s.dir}/airlock.db`, pool: 1 }));
    const old = await reads(s, cookie, 150);
    await sleep(1_500); // well past flush_interval (200 ms): these are committed
    let stop = false;
    const recent: string[] = [];
    const load = (async () => {
      while (!stop) recent.push(...(await reads(s, cookie, 8).catch(() => [])));
    })();
    await sleep(300);
    await stopped(child, 'SIGKILL');
    stop = true;
    await load;
    const store = await openStore({ kind: 'sqlite', path: `${s.dir}/airlock.db`, pool: 1 });
    try {
      assert.deepEqual(await missing(store, old), [], 'no read older than flush_interval is lost');
      assert.ok(recent.length > 0, 'reads were in flight at the kill');
      const v = await verifyChain(store);
      assert.deepEqual(v.problems, []);
    } finally {
      await store.close();
    }
  });
});

describe('audit writer thread in the gateway (postgres, 2 workers)', () => {
  const stacks: TestStack[] = [];
  const schemas: Awaited<ReturnType<typeof freshSchema>>[] = [];
  after(async () => {
    for (const s of stacks) await s.close();
    for (const c of schemas) await c.drop();
  });

  test('kill -9 during reads and mutations: every 2xx mutation has its intent, reads older than flush_interval are there, the chain verifies', async () => {
    const ctx = await freshSchema('airlock_audit_writer_gw');
    schemas.push(ctx);
    const s = await stackFor(ctx.url.reveal(), { flush_interval: '200ms' });
    stacks.push(s);
    await s.gateway.close();
    const child = await serve(s);
    const cookie = (await loginThroughGateway(s.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
    await writersRunning(s, cookie, () => openStore({ kind: 'postgres', url: ctx.url, pool: 1 }));
    const old = await reads(s, cookie, 120);
    await sleep(1_500);
    let stop = false;
    const mutated: string[] = [];
    const trigger = (async () => {
      while (!stop) {
        try {
          const r = await fetch(`${s.gatewayUrl}/api/v1/dags/finance_daily/dagRuns`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', accept: 'application/json' }, body: '{"conf":{}}' });
          await r.body?.cancel();
          if (r.status >= 200 && r.status < 300) mutated.push(r.headers.get('x-request-id')!);
        } catch {
          // the gateway died under the request
        }
      }
    })();
    const load = (async () => {
      while (!stop) await reads(s, cookie, 8).catch(() => []);
    })();
    while (mutated.length < 10) await sleep(20);
    await stopped(child, 'SIGKILL');
    stop = true;
    await Promise.all([trigger, load]);
    const cfg: StoreConfig = { kind: 'postgres', url: ctx.url, pool: 1 };
    const store = await openStore(cfg);
    try {
      assert.deepEqual(await missing(store, old), [], 'no read older than flush_interval is lost');
      const intents = new Set((await queryEvents(store, { type: 'request.intent', limit: 100_000 })).map((r) => r.event.request_id));
      assert.deepEqual(mutated.filter((id) => !intents.has(id)), [], 'a 2xx reached the client for a mutation without its audit event');
      const v = await verifyChain(store);
      assert.deepEqual(v.problems, []);
    } finally {
      await store.close();
    }
  });
});

describe('audit.writer: thread (default) vs inline, in the gateway', () => {
  const stacks: TestStack[] = [];
  after(async () => {
    for (const s of stacks) await s.close();
  });

  test('a sqlite::memory: store (tests) is written inline: its reads land in that one database', async () => {
    const s = await startStack({ store: 'sqlite::memory:' });
    stacks.push(s);
    const cookie = (await loginThroughGateway(s.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
    const ids = await reads(s, cookie, 3);
    await sleep(50);
    const svc = s.gateway.worker!.services;
    await svc.audit.flush();
    assert.deepEqual(await missing(svc.store, ids), []);
  });

  for (const writer of ['thread', 'inline'] as const) {
    test(`writer: ${writer} — ${writer === 'thread' ? 'reads are written over the writer thread’s own connection, so the request thread’s connection refusing writes does not hold them' : 'reads are written over the request thread’s connection: while it refuses writes they wait in the buffer'}`, async () => {
      const s = await startStack({ config: (cfg) => (cfg.audit = writer === 'thread' ? {} : { writer }) });
      stacks.push(s);
      const cookie = (await loginThroughGateway(s.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
      const svc = s.gateway.worker!.services;
      await reads(s, cookie, 1); // the session is cached: the next reads need no store write of their own
      await svc.audit.flush();
      await sql`pragma query_only = on`.execute(svc.store.db);
      let ids: string[];
      try {
        ids = await reads(s, cookie, 5);
        await sleep(50); // the events are recorded when the responses end
        if (writer === 'thread') {
          await svc.audit.flush();
          assert.deepEqual(await missing(svc.store, ids), [], 'written while the request thread’s connection refuses writes');
        } else {
          assert.equal(svc.audit.pending, 5);
          await assert.rejects(svc.audit.flush(), (e: any) => e.code === 'AIRLOCK_AUDIT_UNAVAILABLE');
        }
      } finally {
        await sql`pragma query_only = off`.execute(svc.store.db);
      }
      await svc.audit.flush();
      assert.deepEqual(await missing(svc.store, ids), []);
      assert.equal((await verifyChain(svc.store)).ok, true);
    });
  }
});
