import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Secret } from '../../../src/config/index.ts';
import { hashSessionId, newSessionId, postgresBus, startClusterRevocationRelay, type ClusterRelay, type RevocationBus, type RevocationMessage } from '../../../src/session/index.ts';
import { freshSchema, PG_URL } from '../store/pg-schema.ts';

/**
 * The cluster primary's revocation relay with a PostgreSQL upstream: this test process is the primary, with two
 * real forked workers (clusterBus) and, as "another host", a postgresBus on the same channel.
 */
const h = () => hashSessionId(newSessionId());
const revoke = (): RevocationMessage => ({ type: 'revoke', idHashes: [h()] });
const channel = `airlock_relay_${randomBytes(5).toString('hex')}`;
const app = `airlock-relay-${randomBytes(4).toString('hex')}`;

let ctx: Awaited<ReturnType<typeof freshSchema>>;
let relay: ClusterRelay;
let other: RevocationBus;
const warnings: string[] = [];
const got = new Map<string, RevocationMessage[]>([['A', []], ['B', []], ['other', []]]);
const workers = new Map<string, Worker>();

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`${what}: not in time (${JSON.stringify(Object.fromEntries(got))})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const has = (who: string, msg: RevocationMessage) => got.get(who)!.some((m) => JSON.stringify(m) === JSON.stringify(msg));

before(async () => {
  ctx = await freshSchema('airlock_relay');
  relay = await startClusterRevocationRelay({
    logger: { warn: (_o, msg) => warnings.push(msg) },
    postgres: { url: ctx.url, channel, applicationName: app, reconnectDelayMs: 50 },
  });
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./fixtures/relay-worker.ts', import.meta.url)), execArgv: ['--import', 'tsx'], silent: false });
  await Promise.all(
    ['A', 'B'].map(
      (role) =>
        new Promise<void>((resolve) => {
          const w = cluster.fork();
          workers.set(role, w);
          w.on('message', (m: { test?: string; msg?: RevocationMessage }) => {
            if (m?.test === 'ready') resolve();
            if (m?.test === 'got') got.get(role)!.push(m.msg!);
          });
        }),
    ),
  );
  other = await postgresBus(ctx.url, { channel });
  other.subscribe((m) => got.get('other')!.push(m));
});

after(async () => {
  await Promise.all(
    [...workers.values()].map((w) => new Promise((r) => (w.once('exit', r), w.send({ cmd: 'exit' })))),
  );
  await other?.close();
  await relay?.close();
  await ctx?.drop();
});

describe('cluster revocation relay with a PostgreSQL upstream', () => {
  test('a worker\'s revocation reaches its sibling and the other host once; the other host\'s reaches both workers once', async () => {
    const m1 = revoke();
    workers.get('A')!.send({ cmd: 'publish', msg: m1 });
    await until('sibling and other host hear A', () => has('B', m1) && has('other', m1));
    const m2 = revoke();
    other.publish(m2);
    // m2 was NOTIFYed after m1 arrived at the other host, so any echo of m1 would reach the workers before m2
    await until('both workers hear the other host', () => has('A', m2) && has('B', m2));
    assert.deepEqual(got.get('A'), [m1, m2], 'A: its own message (local delivery) once, no echo back, then m2 once');
    assert.deepEqual(got.get('B'), [m1, m2], 'B: each once');
    assert.deepEqual(got.get('other'), [m1, m2], 'the other host: A\'s message once (not re-NOTIFYed), its own locally');
  });

  test('after the LISTEN connection is killed the relay reconnects and every worker flushes; both directions work again', async () => {
    for (const l of got.values()) l.length = 0;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const r = await admin.query('select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1', [app]);
      assert.equal(r.rowCount, 1, 'the host holds exactly one LISTEN connection');
    } finally {
      await admin.end();
    }
    await until('both workers flush', () => has('A', { type: 'flush' }) && has('B', { type: 'flush' }));
    assert.equal(got.get('other')!.length, 0, 'the flush stays on the host that missed messages');
    const m3 = revoke();
    other.publish(m3);
    await until('workers hear the other host again', () => has('A', m3) && has('B', m3));
    const m4 = revoke();
    workers.get('B')!.send({ cmd: 'publish', msg: m4 });
    await until('the other host hears B again', () => has('other', m4) && has('A', m4));
  });

  test('a malformed revocation from a worker is dropped and logged; later ones still pass', async () => {
    for (const l of got.values()) l.length = 0;
    warnings.length = 0;
    workers.get('A')!.send({ cmd: 'raw', raw: { tag: 'airlock:revocation:v1', msg: { type: 'revoke', idHashes: ['not-a-hash'] } } });
    workers.get('A')!.send({ cmd: 'raw', raw: { tag: 'airlock:revocation:v1', msg: { type: 'flush', all: true } } });
    const m5 = revoke();
    workers.get('A')!.send({ cmd: 'publish', msg: m5 });
    await until('the valid one passes', () => has('B', m5) && has('other', m5));
    assert.deepEqual(got.get('B'), [m5]);
    assert.deepEqual(got.get('other'), [m5]);
    assert.equal(warnings.filter((w) => /malformed revocation message from a worker/.test(w)).length, 2);
  });

  test('one relay per process; an unreachable PostgreSQL is AIRLOCK_SESSION_BUS_UNAVAILABLE', async () => {
    await assert.rejects(startClusterRevocationRelay(), TypeError);
    await relay.close();
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    await assert.rejects(startClusterRevocationRelay({ postgres: { url: new Secret(`postgres://airlock@127.0.0.1:${port}/test`, 'test') } }), { code: 'AIRLOCK_SESSION_BUS_UNAVAILABLE' });
    relay = await startClusterRevocationRelay(); // the failed start left no relay behind
  });
});
