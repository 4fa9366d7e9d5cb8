import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { Secret } from '../../../src/config/index.ts';
import type { Identity } from '../../../src/identity/identity.ts';
import { hashSessionId, newSessionId, postgresBus, SessionManager, type RevocationBus, type RevocationMessage } from '../../../src/session/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { freshSchema, PG_URL } from '../store/pg-schema.ts';

let ctx: Awaited<ReturnType<typeof freshSchema>>;
const closers: Array<() => Promise<unknown> | unknown> = [];
before(async () => {
  ctx = await freshSchema('airlock_bus_test');
});
after(async () => {
  for (const c of closers.reverse()) await c();
  await ctx?.drop();
});

const channel = () => `airlock_rev_${randomBytes(5).toString('hex')}`;
const h = () => hashSessionId(newSessionId());
async function bus(ch: string, extra: Parameters<typeof postgresBus>[1] = {}): Promise<RevocationBus> {
  const b = await postgresBus(ctx.url, { channel: ch, ...extra });
  closers.push(() => b.close());
  return b;
}
async function until<T>(fn: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}
async function rawNotify(ch: string, payload: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query('select pg_notify($1, $2)', [ch, payload]);
  } finally {
    await c.end();
  }
}

describe('postgresBus', () => {
  test('a message published on one connection reaches the other; the publisher hears it once', async () => {
    const ch = channel();
    const a = await bus(ch);
    const b = await bus(ch);
    const atA: RevocationMessage[] = [];
    const atB: RevocationMessage[] = [];
    a.subscribe((m) => atA.push(m));
    b.subscribe((m) => atB.push(m));
    const msg: RevocationMessage = { type: 'revoke', idHashes: [h(), h()] };
    a.publish(msg);
    assert.deepEqual(atA, [msg], 'delivered locally at once');
    await until(() => (atB.length > 0 ? true : undefined));
    assert.deepEqual(atB, [msg]);
    await sleep(100);
    assert.equal(atA.length, 1, 'own echo ignored');
  });

  test('big revocations are split under the NOTIFY payload limit and all arrive', async () => {
    const ch = channel();
    const a = await bus(ch);
    const b = await bus(ch);
    const got: string[] = [];
    b.subscribe((m) => {
      if (m.type === 'revoke') got.push(...m.idHashes);
    });
    const hashes = Array.from({ length: 250 }, h);
    a.publish({ type: 'revoke', idHashes: hashes });
    await until(() => (got.length === 250 ? true : undefined));
    assert.deepEqual(got, hashes);
  });

  test('hostile notifications on the channel are dropped; valid ones still pass', async () => {
    const ch = channel();
    const b = await bus(ch);
    const got: RevocationMessage[] = [];
    b.subscribe((m) => got.push(m));
    for (const p of ['garbage', 'null', '{}', '{"m":{"type":"revoke","idHashes":["x"]}}', '{"m":{"type":"drop-all"}}', '{"m":{"type":"revoke","idHashes":"abc"}}']) {
      await rawNotify(ch, p);
    }
    const good = h();
    await rawNotify(ch, JSON.stringify({ o: 'someone-else', m: { type: 'revoke', idHashes: [good] } }));
    await until(() => (got.length > 0 ? true : undefined));
    await sleep(50);
    assert.deepEqual(got, [{ type: 'revoke', idHashes: [good] }]);
  });

  test('after its connection is killed the bus reconnects, flushes, and works again', async () => {
    const ch = channel();
    const app = `airlock-test-${randomBytes(4).toString('hex')}`;
    const a = await bus(ch);
    const b = await bus(ch, { applicationName: app, reconnectDelayMs: 50 });
    const got: RevocationMessage[] = [];
    b.subscribe((m) => got.push(m));
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const r = await admin.query('select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1', [app]);
      assert.equal(r.rowCount, 1);
    } finally {
      await admin.end();
    }
    await until(() => (got.some((m) => m.type === 'flush') ? true : undefined));
    const msg: RevocationMessage = { type: 'revoke', idHashes: [h()] };
    a.publish(msg);
    await until(() => (got.some((m) => m.type === 'revoke') ? true : undefined));
    assert.deepEqual(got.filter((m) => m.type === 'revoke'), [msg]);
  });

  test('bad options are TypeErrors; an unreachable server is AIRLOCK_SESSION_BUS_UNAVAILABLE without the password', async () => {
    await assert.rejects(postgresBus(ctx.url, { channel: 'Bad-Channel; drop table x' }), TypeError);
    await assert.rejects(postgresBus(ctx.url, { applicationName: "x' or 1" }), TypeError);
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const password = 's3cret-pw-value';
    const err = await postgresBus(new Secret(`postgres://airlock:${password}@127.0.0.1:${port}/test`, 'test')).then(
      () => assert.fail('should not connect'),
      (e: unknown) => e,
    );
    assert.equal((err as any).code, 'AIRLOCK_SESSION_BUS_UNAVAILABLE');
    assert.equal((err as any).status, 503);
    const text = [String(err), (err as Error).stack, JSON.stringify(err), inspect(err, { depth: 10 })].join('\n');
    assert.ok(!text.includes(password));
  });
});

describe('two gateway replicas sharing a PostgreSQL store', () => {
  const ada: Identity = { kind: 'person', sub: 'sub-ada', username: 'ada', email: undefined, name: undefined, groups: [], roles: ['Viewer'], mfa: { method: 'none' } };
  const replica = async (ch: string) => {
    const store: Store = await openStore({ kind: 'postgres', url: ctx.url, pool: 2 });
    const b = await postgresBus(ctx.url, { channel: ch });
    const m = new SessionManager({ store, bus: b, config: () => ({ idle_timeout: 3_600_000, absolute_timeout: 7_200_000, cache_ttl: 600_000 }) });
    closers.push(async () => {
      m.close();
      await b.close();
      await store.close();
    });
    return { m, b };
  };

  test('logout on replica 1 evicts replica 2\'s cached session promptly', async () => {
    const ch = channel();
    const one = await replica(ch);
    const two = await replica(ch);
    const { id } = await one.m.create(ada, { idpSid: 'sid-1' });
    assert.notEqual(await two.m.get(id), undefined);
    assert.notEqual(two.m.getCached(id), 'miss', 'replica 2 holds it in memory (cache_ttl 10 min)');
    let evictedAt: number | undefined;
    two.b.subscribe(() => {
      if (two.m.getCached(id) === 'miss') evictedAt = Date.now();
    });
    const t0 = Date.now();
    await one.m.revoke(id, 'logout');
    const at = await until(() => evictedAt);
    assert.ok(at - t0 < 500, `evicted ${at - t0} ms after the revoke began`);
    assert.equal(await two.m.get(id), undefined);
  });

  test('back-channel logout by IdP sid on one replica ends the session on the other', async () => {
    const ch = channel();
    const one = await replica(ch);
    const two = await replica(ch);
    const { id } = await two.m.create(ada, { idpSid: 'sid-bc' });
    assert.notEqual(await two.m.get(id), undefined);
    assert.equal(await one.m.revokeByIdpSid('sid-bc', 'backchannel logout'), 1);
    await until(() => (two.m.getCached(id) === 'miss' ? true : undefined));
    assert.equal(await two.m.get(id), undefined);
  });
});
