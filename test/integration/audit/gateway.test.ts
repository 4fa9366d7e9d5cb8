import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { queryEvents, verifyChain } from '../../../src/audit/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { freshSchema, PG_URL } from '../store/pg-schema.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { tcpForwarder, type TcpForwarder } from './tcp-forwarder.ts';
import { startStack, type TestStack } from '../gateway/harness.ts';

const BIN = fileURLToPath(new URL('../../../bin/airlock.js', import.meta.url));
const trigger = (s: TestStack, cookie: string, dag = 'finance_daily') =>
  fetch(`${s.gatewayUrl}/api/v1/dags/${dag}/dagRuns`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', accept: 'application/json' }, body: '{"conf":{}}' });
const read = (s: TestStack, cookie: string) => fetch(`${s.gatewayUrl}/api/v1/dags/finance_daily`, { headers: { cookie, accept: 'application/json' } });
const upstreamPosts = (s: TestStack) => s.prod.received.filter((r) => r.method === 'POST').length;

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('audit in the gateway (sqlite)', () => {
  let s: TestStack;
  let alice: string;
  let dave: string;
  before(async () => {
    s = await startStack();
    alice = (await loginThroughGateway(s.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
    dave = (await loginThroughGateway(s.gatewayUrl, 'dave', 'dave-demo')).cookieHeader;
  });
  after(async () => {
    await s?.close();
  });

  test('a trigger is recorded before forwarding and its outcome after; a refusal and a read are recorded; the CLI answers the auditor', async () => {
    const ok = await trigger(s, alice);
    assert.equal(ok.status, 200);
    const okId = ok.headers.get('x-request-id')!;
    await ok.body?.cancel();
    const refused = await trigger(s, dave);
    assert.equal(refused.status, 403);
    const refusedId = refused.headers.get('x-request-id')!;
    await refused.body?.cancel();
    const r = await read(s, alice);
    assert.equal(r.status, 200);
    await r.body?.cancel();
    await new Promise((res) => setTimeout(res, 50)); // the outcome is written after the response ends
    await s.gateway.worker!.services.audit.flush();

    const store = s.gateway.worker!.services.store;
    const mine = await queryEvents(store, { requestId: okId });
    assert.deepEqual(mine.map((e) => e.event.type), ['request.intent', 'request.outcome']);
    const [intent, outcome] = mine;
    assert.equal(intent!.event.actor?.username, 'alice');
    assert.equal(intent!.event.actor?.kind, 'person');
    assert.ok(intent!.event.actor?.session_id, 'session handle recorded');
    assert.deepEqual(intent!.event.dag_ids, ['finance_daily']);
    assert.equal(intent!.event.action, 'trigger');
    assert.equal(intent!.event.decision, 'allow');
    assert.equal(intent!.event.method, 'POST');
    assert.equal(intent!.event.path, '/api/v1/dags/finance_daily/dagRuns');
    assert.equal(intent!.event.client_ip, '127.0.0.1');
    assert.equal(outcome!.event.upstream_status, 200);
    assert.equal(typeof outcome!.event.latency_ms, 'number');
    const denied = await queryEvents(store, { requestId: refusedId });
    assert.equal(denied.length, 1);
    assert.equal(denied[0]!.event.type, 'request');
    assert.equal(denied[0]!.event.decision, 'deny');
    assert.equal(denied[0]!.event.actor?.username, 'dave');
    assert.equal(denied[0]!.event.status, 403);
    assert.ok(denied[0]!.event.reasons!.length > 0);
    const logins = await queryEvents(store, { type: 'login' });
    assert.deepEqual(logins.map((l) => l.event.actor?.username).sort(), ['alice', 'dave']);

    const q = await cli(['audit', 'query', '--config', s.configPath, '--dag', 'finance_daily', '--action', 'trigger', '--since', '1h', '--format', 'json']);
    assert.equal(q.code, 0, q.err);
    const rows = JSON.parse(q.out) as { event: { request_id: string; actor: { username: string }; decision: string } }[];
    assert.ok(rows.some((x) => x.event.request_id === okId && x.event.decision === 'allow' && x.event.actor.username === 'alice'));
    assert.ok(rows.some((x) => x.event.request_id === refusedId && x.event.decision === 'deny' && x.event.actor.username === 'dave'));
    const table = await cli(['audit', 'query', '--config', s.configPath, '--dag', 'finance_daily', '--decision', 'deny']);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /dave/);
    assert.doesNotMatch(table.out, /alice/);
    const bad = await cli(['audit', 'query', '--config', s.configPath, '--since', 'last tuesday']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /AIRLOCK_AUDIT_BAD_FILTER/);
    const v = await cli(['audit', 'verify', '--config', s.configPath]);
    assert.equal(v.code, 0, v.out + v.err);
    assert.match(v.out, /^OK: \d+ events/);
  });

  test('audit store unwritable (SQLite refuses writes): a mutation gets 503 and never reaches Airflow; reads keep working', async () => {
    const store = s.gateway.worker!.services.store;
    const warm = await read(s, alice); // a fresh session cache entry, so authentication needs no store write
    await warm.body?.cancel();
    const postsBefore = upstreamPosts(s);
    await sql`pragma query_only = on`.execute(store.db);
    try {
      const res = await trigger(s, alice);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { error: string };
      assert.equal(body.error, 'AIRLOCK_AUDIT_UNAVAILABLE');
      assert.equal(upstreamPosts(s), postsBefore, 'the upstream never saw the refused mutation');
      const r = await read(s, alice);
      assert.equal(r.status, 200, 'reads are forwarded; their events wait in the buffer');
      await r.body?.cancel();
    } finally {
      await sql`pragma query_only = off`.execute(store.db);
    }
    const id = (await (async () => {
      const r = await read(s, alice);
      await r.body?.cancel();
      return r.headers.get('x-request-id')!;
    })());
    await new Promise((res) => setTimeout(res, 20));
    await s.gateway.worker!.services.audit.flush();
    assert.equal((await queryEvents(store, { requestId: id })).length, 1, 'buffered reads land once the store writes again');
    assert.equal((await verifyChain(store)).ok, true);
  });
});

describe('audit: kill -9 of the gateway during a load of mutating requests', () => {
  let s: TestStack;
  before(async () => {
    s = await startStack({ workers: 2 }); // two worker processes append to one chain
    await s.gateway.close(); // the gateway under test runs as a child process (group) on the same config
  });
  after(async () => {
    await s?.close();
  });

  const serve = async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--config', s.configPath], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    for (let i = 0; i < 200; i++) {
      const up = await fetch(`${s.gatewayUrl}/.airlock/healthz`).then((r) => r.status, () => 0);
      if (up > 0) return child;
      if (child.exitCode !== null) throw new Error(`gateway exited: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`gateway did not start: ${err}`);
  };

  test('every mutation answered 2xx has its durable event; the chain verifies after restart', async () => {
    const child = await serve();
    const alice = (await loginThroughGateway(s.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
    const ok: string[] = [];
    let failed = 0;
    let stop = false;
    const workers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        try {
          const r = await trigger(s, alice);
          await r.body?.cancel();
          if (r.status >= 200 && r.status < 300) ok.push(r.headers.get('x-request-id')!);
          else failed++;
        } catch {
          failed++; // the connection died with the gateway (or it is not listening any more)
        }
      }
    });
    while (ok.length < 40) await new Promise((r) => setTimeout(r, 10));
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGKILL'); // the primary and its workers, at once
    await exited;
    await new Promise((r) => setTimeout(r, 200)); // the workers are gone too
    stop = true;
    await Promise.all(workers);
    assert.ok(ok.length >= 40, `only ${ok.length} mutations succeeded (${failed} failed)`);

    const restarted = await serve(); // restart: the gateway opens the store after the crash
    let store: Store | undefined;
    try {
      store = await openStore({ kind: 'sqlite', path: `${s.dir}/airlock.db`, pool: 1 });
      const intents = new Set((await queryEvents(store, { type: 'request.intent', limit: 100_000 })).map((r) => r.event.request_id));
      const missing = ok.filter((id) => !intents.has(id));
      assert.deepEqual(missing, [], 'a 2xx reached the client for a mutation that has no audit event');
      const v = await verifyChain(store);
      assert.equal(v.ok, true, JSON.stringify(v.problems));
    } finally {
      await store?.close();
      const gone = new Promise((r) => restarted.once('exit', r));
      process.kill(-restarted.pid!, 'SIGTERM');
      await gone;
    }
  });
});

describe('audit in the gateway (postgres unreachable)', () => {
  let s: TestStack;
  let fwd: TcpForwarder;
  let schema: Awaited<ReturnType<typeof freshSchema>>;
  before(async () => {
    schema = await freshSchema('airlock_audit_gw');
    const target = new URL(PG_URL);
    fwd = await tcpForwarder(target.hostname, Number(target.port || 5432));
    const url = new URL(schema.url.reveal());
    url.host = `127.0.0.1:${fwd.port}`;
    s = await startStack({ store: url.toString() });
  });
  after(async () => {
    await s?.close();
    await fwd?.close();
    await schema?.drop();
  });

  test('PostgreSQL unreachable: a mutation gets 503 and never reaches Airflow; reads keep working', async () => {
    const alice = (await loginThroughGateway(s.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
    const first = await trigger(s, alice);
    assert.equal(first.status, 200);
    await first.body?.cancel();
    const warm = await read(s, alice);
    await warm.body?.cancel();
    const postsBefore = upstreamPosts(s);
    // No store query may be in flight at the cut: a pooled client that loses its connection while checked out
    // emits an unhandled 'error' (src/store/backends/postgres.ts listens on idle clients only; reported).
    await new Promise((r) => setTimeout(r, 100)); // the trigger's outcome event is written after its response
    await s.gateway.worker!.services.audit.flush();
    await fwd.cut();
    await new Promise((r) => setTimeout(r, 150)); // let the pool notice its idle connections died
    const res = await trigger(s, alice);
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: string }).error, 'AIRLOCK_AUDIT_UNAVAILABLE');
    assert.equal(upstreamPosts(s), postsBefore, 'the upstream never saw the refused mutation');
    const r = await read(s, alice);
    assert.equal(r.status, 200);
    await r.body?.cancel();
    await fwd.resume();
    await s.gateway.worker!.services.audit.flush();
    const v = await verifyChain(s.gateway.worker!.services.store);
    assert.equal(v.ok, true, JSON.stringify(v.problems));
  });
});
