import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import type { Identity } from '../../../src/identity/identity.ts';
import { LAST_SEEN_STEP_MS, localBus, newSessionId, SessionManager, TOUCH_INTERVAL_MS, type RevocationMessage } from '../../../src/session/index.ts';
import { hashSessionId } from '../../../src/session/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';

const MIN = 60_000;
const cfg = { idle_timeout: 30 * MIN, absolute_timeout: 8 * 60 * MIN, cache_ttl: 30_000 };

const ada: Identity = {
  kind: 'person',
  sub: 'sub-ada',
  username: 'ada',
  email: 'ada@example.com',
  name: undefined,
  groups: ['data-eng'],
  roles: ['User'],
  mfa: { method: 'idp', at: 1_700_000_000_000 },
  authTime: 1_700_000_000_000,
};

describe('SessionManager (SQLite store, local bus)', () => {
  let store: Store;
  let clock: number;
  let managers: SessionManager[] = [];
  const now = () => clock;
  const manager = (over: Partial<typeof cfg> = {}, bus = localBus()) => {
    const m = new SessionManager({ store, config: () => ({ ...cfg, ...over }), bus, now });
    managers.push(m);
    return m;
  };

  beforeEach(async () => {
    for (const m of managers) m.close();
    managers = [];
    await store?.close();
    store = await openStore({ kind: 'sqlite', path: ':memory:', pool: 1 });
    clock = 1_700_000_000_000;
  });
  after(async () => {
    for (const m of managers) m.close();
    await store?.close();
  });

  test('create: a fresh id each time, stored only as its hash, identity carries a public handle', async () => {
    const m = manager();
    const a = await m.create(ada, { idpSid: 'idp-1', idToken: 'eyJ.h.s' });
    const b = await m.create(ada, {});
    assert.notEqual(a.id, b.id);
    assert.match(a.id, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(a.record.idHash, hashSessionId(a.id));
    assert.equal(a.record.identity.sessionId, a.record.idHash.slice(0, 16));
    assert.ok(!a.id.includes(a.record.identity.sessionId!));
    assert.equal(a.record.identity.sub, 'sub-ada');
    assert.equal(a.record.identity.email, 'ada@example.com');
    assert.equal(a.record.identity.name, undefined);
    assert.equal(a.record.idpSid, 'idp-1');
    assert.equal(a.record.hasIdToken, true);
    assert.equal(b.record.hasIdToken, false);
    assert.ok(!Object.values(a.record).includes('eyJ.h.s'), 'the ID token is not in the memory copy');
    assert.equal(await m.storedIdToken(a.id), 'eyJ.h.s', 'it is read from the store');
    assert.equal(await m.storedIdToken(b.id), undefined);
    assert.equal(a.record.expiresAt, clock + cfg.absolute_timeout);
    assert.equal(a.record.idleExpiresAt, clock + cfg.idle_timeout);
    const row = await store.sessions.findByHash(a.record.idHash);
    assert.equal(row?.sub, 'sub-ada');
    const raw = JSON.stringify(await store.db.selectFrom('sessions').selectAll().execute());
    assert.ok(!raw.includes(a.id) && !raw.includes(b.id), 'raw session id found in the store');
  });

  test('get: another process (empty cache) reads the session from the store', async () => {
    const { id, record } = await manager().create(ada, {});
    const other = manager();
    assert.equal(other.getCached(id), 'miss');
    const got = await other.get(id);
    assert.deepEqual(got?.identity, record.identity);
    assert.equal(got?.expiresAt, record.expiresAt);
    assert.deepEqual(other.getCached(id), got);
  });

  test('session fixation: an id presented before login is never a session, and login never reuses it', async () => {
    const m = manager();
    const preLogin = newSessionId();
    assert.equal(await m.get(preLogin), undefined);
    const { id } = await m.create(ada, {});
    assert.notEqual(id, preLogin);
    assert.equal(await m.get(preLogin), undefined);
    assert.equal(m.getCached(preLogin), 'miss');
  });

  test('forged and malformed ids are undefined (and never reach the store)', async () => {
    const m = manager();
    const { id } = await m.create(ada, {});
    const flipped = (id[0] === 'A' ? 'B' : 'A') + id.slice(1);
    assert.equal(await m.get(flipped), undefined);
    await store.close(); // a store call would now throw AIRLOCK_STORE_UNAVAILABLE
    for (const bad of ['', 'x', `${id}x`, id.slice(1), `${id.slice(0, 42)}=`, hashSessionId(id).replace(/./, '!')]) {
      assert.equal(await m.get(bad), undefined, bad);
      assert.equal(m.getCached(bad), undefined, bad);
    }
    // the hash itself is not a credential: presenting it is just an unknown id
    store = await openStore({ kind: 'sqlite', path: ':memory:', pool: 1 });
  });

  test('the stored hash presented as a cookie is not a session', async () => {
    const m = manager();
    const { record } = await m.create(ada, {});
    assert.equal(await manager().get(record.idHash), undefined);
  });

  test('idle expiry: unused for idle_timeout ends the session; use keeps it alive', async () => {
    const m = manager({ cache_ttl: 24 * 60 * MIN });
    const { id } = await m.create(ada, {});
    clock += 20 * MIN;
    const r = await m.get(id);
    assert.equal(r?.idleExpiresAt, clock + cfg.idle_timeout);
    clock += 29 * MIN;
    assert.notEqual(await m.get(id), undefined);
    clock += 30 * MIN;
    assert.equal(m.getCached(id), undefined);
    assert.equal(await m.get(id), undefined);
    assert.equal(await manager().get(id), undefined, 'a fresh process agrees from the store');
  });

  test('requests within LAST_SEEN_STEP_MS share one frozen record; the idle deadline moves in steps of it', async () => {
    const m = manager({ cache_ttl: 24 * 60 * MIN });
    const { id } = await m.create(ada, {});
    clock += 5_000;
    const a = m.getCached(id);
    assert.ok(a && a !== 'miss');
    assert.equal(a.lastSeenAt, clock);
    clock += LAST_SEEN_STEP_MS - 1;
    const b = m.getCached(id);
    assert.equal(b, a, 'the same record object, not a copy per request');
    assert.equal(await m.get(id), a);
    clock += 1;
    const c = m.getCached(id);
    assert.ok(c && c !== 'miss' && c !== a);
    assert.equal(c.lastSeenAt, clock);
    assert.equal(c.idleExpiresAt, clock + cfg.idle_timeout);
    assert.ok(Object.isFrozen(c));
    clock += cfg.idle_timeout - 1; // the idle deadline counts from the last step
    assert.notEqual(await m.get(id), undefined);
  });

  test('idle expiry is judged from the store in a process that never saw the session', async () => {
    const { id } = await manager().create(ada, {});
    clock += 30 * MIN;
    assert.equal(await manager().get(id), undefined);
  });

  test('absolute expiry: ends at absolute_timeout however active', async () => {
    const m = manager({ cache_ttl: 24 * 60 * MIN });
    const { id } = await m.create(ada, {});
    for (let t = 0; t < 16; t++) {
      clock += 29 * MIN;
      assert.notEqual(await m.get(id), undefined, `used at +${(t + 1) * 29}m`);
    }
    clock += 15 * MIN; // 7h59m after login (16 x 29m + 15m): still live
    assert.notEqual(await m.get(id), undefined);
    clock += 1 * MIN; // exactly 8h after login
    assert.equal(m.getCached(id), undefined);
    assert.equal(await m.get(id), undefined);
    assert.equal(await manager().get(id), undefined);
  });

  test('idleExpiresAt never passes expiresAt', async () => {
    const m = manager();
    const { id, record } = await m.create(ada, {});
    clock = record.expiresAt - MIN;
    // keep it alive up to there
    const p = manager();
    await store.sessions.touch(record.idHash, clock);
    const r = await p.get(id);
    assert.equal(r?.idleExpiresAt, record.expiresAt);
  });

  test('touch: last_seen_at is written at most once per minute per session', async () => {
    const m = manager({ cache_ttl: 10 * MIN });
    const { id, record } = await m.create(ada, {});
    const t0 = clock;
    clock += 10_000;
    await m.get(id);
    assert.equal((await store.sessions.findByHash(record.idHash))?.lastSeenAt, t0, 'no write within the minute');
    clock = t0 + TOUCH_INTERVAL_MS;
    assert.equal(m.getCached(id), 'miss', 'a write is due: the sync probe defers to get()');
    await m.get(id);
    assert.equal((await store.sessions.findByHash(record.idHash))?.lastSeenAt, t0 + TOUCH_INTERVAL_MS);
    clock += 1000;
    assert.notEqual(m.getCached(id), 'miss');
  });

  test('revoke: gone at once in this process and, via the bus, in every other one', async () => {
    const bus = localBus();
    const a = manager({ cache_ttl: 60 * MIN }, bus);
    const b = manager({ cache_ttl: 60 * MIN }, bus);
    const { id } = await a.create(ada, {});
    assert.notEqual(await b.get(id), undefined);
    assert.notEqual(b.getCached(id), 'miss', 'b has it cached');
    await a.revoke(id, 'logout');
    assert.equal(a.getCached(id), 'miss');
    assert.equal(b.getCached(id), 'miss', 'b evicted by the bus, not by waiting for cache_ttl');
    assert.equal(await b.get(id), undefined);
    assert.equal(await a.get(id), undefined);
    const row = await store.sessions.findByHash(hashSessionId(id));
    assert.equal(row?.revokeReason, 'logout');
    await a.revoke(id, 'logout'); // twice is fine
  });

  test('without a bus message, a revocation is still seen after cache_ttl (the bound)', async () => {
    const a = manager({ cache_ttl: 30_000 }, localBus());
    const b = manager({ cache_ttl: 30_000 }, localBus()); // a different bus: b hears nothing
    const { id } = await a.create(ada, {});
    assert.notEqual(await b.get(id), undefined);
    await a.revoke(id, 'logout');
    assert.notEqual(b.getCached(id), 'miss', 'b still trusts its copy inside cache_ttl');
    clock += 30_000;
    assert.equal(b.getCached(id), 'miss');
    assert.equal(await b.get(id), undefined);
  });

  test('revokeBySub and revokeByIdpSid end all matching sessions everywhere', async () => {
    const bus = localBus();
    const a = manager({}, bus);
    const b = manager({}, bus);
    const s1 = await a.create(ada, { idpSid: 'idp-x' });
    const s2 = await a.create(ada, { idpSid: 'idp-y' });
    const s3 = await a.create({ ...ada, sub: 'sub-bob', username: 'bob' }, { idpSid: 'idp-x' });
    for (const s of [s1, s2, s3]) assert.notEqual(await b.get(s.id), undefined);
    assert.equal(await a.revokeByIdpSid('idp-x', 'backchannel logout'), 2);
    assert.equal(await b.get(s1.id), undefined);
    assert.equal(await b.get(s3.id), undefined);
    assert.notEqual(await b.get(s2.id), undefined);
    assert.equal(await b.revokeBySub('sub-ada', 'user disabled'), 1);
    assert.equal(await a.get(s2.id), undefined);
    assert.equal(await a.revokeBySub('sub-nobody', 'x'), 0);
  });

  test('a flush message drops the whole cache', async () => {
    const bus = localBus();
    const m = manager({}, bus);
    const { id } = await m.create(ada, {});
    assert.notEqual(m.getCached(id), 'miss');
    bus.publish({ type: 'flush' });
    assert.equal(m.getCached(id), 'miss');
    assert.notEqual(await m.get(id), undefined, 're-read from the store');
  });

  test('a revocation arriving during a store read is not cached over', async () => {
    const bus = localBus();
    const m = manager({ cache_ttl: 60 * MIN }, bus);
    const { id, record } = await manager({}, bus).create(ada, {});
    // revoke in the store, then announce it while m's read is in flight
    const pending = m.get(id);
    await store.sessions.revoke(record.idHash, 'admin', clock);
    bus.publish({ type: 'revoke', idHashes: [record.idHash] });
    await pending;
    assert.equal(m.getCached(id), 'miss');
    assert.equal(await m.get(id), undefined);
  });

  test('the cache is bounded: least recently used sessions are dropped first', async () => {
    const m = new SessionManager({ store, config: () => cfg, bus: localBus(), now, maxCacheEntries: 2 });
    managers.push(m);
    const s1 = await m.create(ada, {});
    const s2 = await m.create(ada, {});
    m.getCached(s1.id); // s1 is now the most recently used
    const s3 = await m.create(ada, {});
    assert.equal(m.cachedCount, 2);
    assert.equal(m.getCached(s2.id), 'miss');
    assert.notEqual(m.getCached(s1.id), 'miss');
    assert.notEqual(m.getCached(s3.id), 'miss');
    assert.notEqual(await m.get(s2.id), undefined, 'dropped from memory, still in the store');
  });

  test('resizeCache: a smaller bound drops the least recently used at once, a larger one keeps more; default 10 000', async () => {
    const m = new SessionManager({ store, config: () => cfg, bus: localBus(), now, maxCacheEntries: 4 });
    managers.push(m);
    assert.equal(manager().cacheBound, 10_000);
    const s = [];
    for (let i = 0; i < 4; i++) s.push(await m.create(ada, {}));
    assert.equal(m.cachedCount, 4);
    m.resizeCache(2);
    assert.equal(m.cacheBound, 2);
    assert.equal(m.cachedCount, 2);
    assert.deepEqual(s.map((x) => m.getCached(x.id) === 'miss'), [true, true, false, false], 'the two oldest went');
    m.resizeCache(3);
    assert.notEqual(await m.get(s[0]!.id), undefined, 're-read from the store');
    assert.equal(m.cachedCount, 3);
    assert.throws(() => m.resizeCache(0), TypeError);
    assert.throws(() => m.resizeCache(1.5), TypeError);
  });

  test('storedIdToken: read from the store (the memory copy has none); undefined once revoked or for a bad id', async () => {
    const m = manager();
    const { id, record } = await m.create(ada, { idToken: 'eyJ.a.b' });
    assert.equal(record.hasIdToken, true);
    assert.equal(await manager().storedIdToken(id), 'eyJ.a.b', 'another process reads it too');
    assert.equal(await m.storedIdToken('x'), undefined);
    assert.equal(await m.storedIdToken(newSessionId()), undefined);
    await m.revoke(id, 'logout');
    assert.equal(await m.storedIdToken(id), undefined);
  });

  test('store down: get on a cache miss is AIRLOCK_STORE_UNAVAILABLE, never a silent undefined', async () => {
    const m = manager();
    const { id } = await manager().create(ada, {});
    await store.close();
    await assert.rejects(m.get(id), (e: any) => e.code === 'AIRLOCK_STORE_UNAVAILABLE' && e.status === 503);
    store = await openStore({ kind: 'sqlite', path: ':memory:', pool: 1 });
  });

  test('bad options and bad config are TypeErrors; close() stops bus delivery', async () => {
    assert.throws(() => new SessionManager({ store, config: () => ({ ...cfg, idle_timeout: -1 }), bus: localBus() }), TypeError);
    assert.throws(() => new SessionManager({ store: {} as Store, config: () => cfg, bus: localBus() }), TypeError);
    assert.throws(() => new SessionManager({ store, config: cfg as never, bus: localBus() }), TypeError);
    const bus = localBus();
    const seen: RevocationMessage[] = [];
    bus.subscribe((msg) => seen.push(msg));
    const m = manager({}, bus);
    await assert.rejects(m.revoke(newSessionId(), ''), TypeError);
    m.close();
    await assert.rejects(m.get(newSessionId()), TypeError);
    bus.publish({ type: 'flush' });
    assert.equal(seen.length, 1);
  });
});
