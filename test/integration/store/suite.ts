import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { KeyRing } from '../../../src/keys/index.ts';
import { signingKeyStorage } from '../../../src/server/signing-key-storage.ts';
import { migrations, type NewApprovalRow, type NewSessionRow, type NewTokenRow, type Store, type StoredIdentity } from '../../../src/store/index.ts';

/** One suite for every backend: `openFn` opens the SAME database each time it is called. */
export function runStoreSuite(name: string, openFn: () => Promise<Store>): void {
  describe(`store suite: ${name}`, () => {
    const opened: Store[] = [];
    const open = async () => {
      const s = await openFn();
      opened.push(s);
      return s;
    };
    after(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    const T0 = 1_750_000_000_000; // epoch ms well beyond 2^31: catches bigint / int32 truncation
    const uid = () => randomBytes(12).toString('base64url');
    const identity: StoredIdentity = {
      kind: 'person',
      username: 'ada',
      email: 'ada@example.com',
      name: 'Ada L',
      groups: ['data-eng', 'g "quoted"'],
      roles: ['User'],
      mfa: { method: 'webauthn', at: T0, credentialId: 'cred-1' },
      authTime: T0 - 1000,
    };
    const session = (over: Partial<NewSessionRow> = {}): NewSessionRow => ({
      idHash: uid(),
      sub: `sub-${uid()}`,
      identity,
      idpSid: null,
      idToken: null,
      createdAt: T0,
      lastSeenAt: T0,
      expiresAt: T0 + 3_600_000,
      ...over,
    });

    test('migrations ran: every migration recorded once, tables present', async () => {
      const s = await open();
      assert.equal(s.kind, name.startsWith('postgres') ? 'postgres' : 'sqlite');
      const rows = await s.db.selectFrom('airlock_migrations').select('name').orderBy('name').execute();
      assert.deepEqual(rows.map((r) => r.name), migrations.map((m) => m.name));
      for (const t of ['sessions', 'users', 'signing_keys', 'tokens'] as const) {
        const r = await s.db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        assert.ok(Number(r.n) >= 0);
      }
    });

    test('re-opening is idempotent and two openers at once both succeed', async () => {
      const [a, b] = await Promise.all([open(), open()]);
      const c = await open();
      for (const s of [a, b, c]) {
        const rows = await s.db.selectFrom('airlock_migrations').select('name').execute();
        assert.equal(rows.length, migrations.length);
      }
    });

    test('a database with an unknown (newer) migration is refused', async () => {
      const s = await open();
      await s.db.insertInto('airlock_migrations').values({ name: '9999_from_the_future', applied_at: T0 }).execute();
      try {
        await assert.rejects(openFn(), (e: any) => e.code === 'AIRLOCK_STORE_SCHEMA_NEWER' && e.status === 500);
      } finally {
        await s.db.deleteFrom('airlock_migrations').where('name', '=', '9999_from_the_future').execute();
      }
    });

    test('sessions: insert and findByHash round-trip every field as numbers and JSON', async () => {
      const s = await open();
      const row = session({ idpSid: 'idp-1', idToken: 'eyJ.x.y', idpSub: 'idp-sub-1', refreshToken: 'v1.sealed', claimsAt: T0 + 5 });
      await s.sessions.insert(row);
      const got = await s.sessions.findByHash(row.idHash);
      assert.deepEqual(got, { ...row, revokedAt: null, revokeReason: null, version: 0, refreshLeaseUntil: null, refreshLeaseOwner: null });
      // claims_at defaults to the creation time; no refresh token, no IdP sub
      const plain = session();
      await s.sessions.insert(plain);
      assert.deepEqual(await s.sessions.findByHash(plain.idHash), { ...plain, revokedAt: null, revokeReason: null, refreshToken: null, idpSub: null, claimsAt: T0, version: 0, refreshLeaseUntil: null, refreshLeaseOwner: null });
      assert.equal(typeof got!.expiresAt, 'number');
      assert.equal(await s.sessions.findByHash(uid()), undefined);
    });

    test('sessions: inserting the same hash twice is a store write failure (503)', async () => {
      const s = await open();
      const row = session();
      await s.sessions.insert(row);
      await assert.rejects(s.sessions.insert(row), (e: any) => e.code === 'AIRLOCK_STORE_UNAVAILABLE' && e.status === 503 && e.cause !== undefined);
    });

    test('sessions: touch moves last_seen_at forward only, and not on revoked sessions', async () => {
      const s = await open();
      const row = session();
      await s.sessions.insert(row);
      await s.sessions.touch(row.idHash, T0 + 60_000);
      assert.equal((await s.sessions.findByHash(row.idHash))!.lastSeenAt, T0 + 60_000);
      await s.sessions.touch(row.idHash, T0 + 30_000);
      assert.equal((await s.sessions.findByHash(row.idHash))!.lastSeenAt, T0 + 60_000);
      await s.sessions.revoke(row.idHash, 'logout', T0 + 61_000);
      await s.sessions.touch(row.idHash, T0 + 120_000);
      assert.equal((await s.sessions.findByHash(row.idHash))!.lastSeenAt, T0 + 60_000);
    });

    test('sessions: revoke once; the second revoke reports false and keeps the first reason', async () => {
      const s = await open();
      const row = session();
      await s.sessions.insert(row);
      assert.equal(await s.sessions.revoke(row.idHash, 'logout', T0 + 5), true);
      assert.equal(await s.sessions.revoke(row.idHash, 'admin', T0 + 9), false);
      const got = await s.sessions.findByHash(row.idHash);
      assert.equal(got!.revokedAt, T0 + 5);
      assert.equal(got!.revokeReason, 'logout');
      assert.equal(await s.sessions.revoke(uid(), 'x', T0), false);
    });

    test('sessions: revokeBySub returns only that subject\'s live sessions', async () => {
      const s = await open();
      const sub = `sub-${uid()}`;
      const a = session({ sub });
      const b = session({ sub });
      const already = session({ sub });
      const other = session();
      for (const r of [a, b, already, other]) await s.sessions.insert(r);
      await s.sessions.revoke(already.idHash, 'logout', T0);
      const hashes = await s.sessions.revokeBySub(sub, 'user disabled', T0 + 1);
      assert.deepEqual([...hashes].sort(), [a.idHash, b.idHash].sort());
      assert.equal((await s.sessions.findByHash(other.idHash))!.revokedAt, null);
      assert.equal((await s.sessions.findByHash(already.idHash))!.revokeReason, 'logout');
      assert.deepEqual(await s.sessions.revokeBySub(sub, 'again', T0 + 2), []);
    });

    test('sessions: revokeByIdpSid revokes the sessions of one IdP session', async () => {
      const s = await open();
      const sid = `idp-${uid()}`;
      const a = session({ idpSid: sid });
      const b = session({ idpSid: `idp-${uid()}` });
      await s.sessions.insert(a);
      await s.sessions.insert(b);
      assert.deepEqual(await s.sessions.revokeByIdpSid(sid, 'backchannel logout', T0), [a.idHash]);
      assert.equal((await s.sessions.findByHash(b.idHash))!.revokedAt, null);
      assert.equal((await s.sessions.findByHash(a.idHash))!.revokeReason, 'backchannel logout');
    });

    test('sessions: countActive and deleteExpired honour absolute expiry and revocation', async () => {
      const s = await open();
      const now = T0 + 10 * 86_400_000 + Math.floor(Math.random() * 1e6); // past every other test's rows
      await s.sessions.deleteExpired(now);
      const base = await s.sessions.countActive(now);
      const live = session({ expiresAt: now + 1000 });
      const revoked = session({ expiresAt: now + 1000 });
      const expired = session({ expiresAt: now - 1 });
      for (const r of [live, revoked, expired]) await s.sessions.insert(r);
      await s.sessions.revoke(revoked.idHash, 'logout', now);
      assert.equal(await s.sessions.countActive(now), base + 1);
      assert.equal(await s.sessions.deleteExpired(now), 1);
      assert.equal(await s.sessions.findByHash(expired.idHash), undefined);
      assert.notEqual(await s.sessions.findByHash(live.idHash), undefined);
      assert.equal(await s.sessions.deleteExpired(now + 1000), 2);
      assert.equal(await s.sessions.findByHash(revoked.idHash), undefined);
    });

    test('sessions: a corrupt identity column is refused, not defaulted', async () => {
      const s = await open();
      const row = session();
      await s.sessions.insert(row);
      await s.db.updateTable('sessions').set({ identity: '{"kind":"root"}' }).where('id_hash', '=', row.idHash).execute();
      await assert.rejects(s.sessions.findByHash(row.idHash), (e: any) => e.code === 'AIRLOCK_STORE_CORRUPT_ROW');
      await s.db.updateTable('sessions').set({ identity: 'not json' }).where('id_hash', '=', row.idHash).execute();
      await assert.rejects(s.sessions.findByHash(row.idHash), (e: any) => e.code === 'AIRLOCK_STORE_CORRUPT_ROW');
    });

    test('users: upsertLogin creates then refreshes; disable sticks across logins', async () => {
      const s = await open();
      const sub = `sub-${uid()}`;
      const first = await s.users.upsertLogin({ sub, username: 'ada', email: null, name: null, groups: ['a'], at: T0 });
      assert.deepEqual(first, { sub, username: 'ada', email: null, name: null, groups: ['a'], firstLoginAt: T0, lastLoginAt: T0, disabledAt: null });
      const second = await s.users.upsertLogin({ sub, username: 'ada2', email: 'a@x', name: 'Ada', groups: ['a', 'b'], at: T0 + 50 });
      assert.deepEqual(second, { sub, username: 'ada2', email: 'a@x', name: 'Ada', groups: ['a', 'b'], firstLoginAt: T0, lastLoginAt: T0 + 50, disabledAt: null });
      assert.deepEqual(await s.users.get(sub), second);
      assert.equal(await s.users.disable(sub, T0 + 60), true);
      assert.equal(await s.users.disable(sub, T0 + 70), false);
      const third = await s.users.upsertLogin({ sub, username: 'ada2', email: 'a@x', name: 'Ada', groups: [], at: T0 + 80 });
      assert.equal(third.disabledAt, T0 + 60);
      assert.equal(await s.users.get(`sub-${uid()}`), undefined);
      assert.equal(await s.users.disable(`sub-${uid()}`, T0), false);
    });

    test('signing keys: openers that start at once create one key between them (insertUnlessCovered)', async () => {
      const stores = [await open(), await open(), await open()];
      // an instant no other test's key covers
      const at = T0 + 400 * 86_400_000 + Math.floor(Math.random() * 1e9);
      const key = (i: number) => ({
        kid: `race-${uid()}-${i}`, alg: 'ES256', publicJwk: { kty: 'EC', i }, privateJwk: { kty: 'EC', d: 'x', i },
        createdAt: at, activatesAt: at, retiresAt: at + 1000, expiresAt: at + 2000,
      });
      const results = await Promise.all(stores.flatMap((st, i) => [st.signingKeys.insertUnlessCovered(key(i), at), st.signingKeys.insertUnlessCovered(key(i + 10), at)].slice(0, st.kind === 'sqlite' ? 1 : 2)));
      assert.equal(results.filter(Boolean).length, 1, 'exactly one opener inserted');
      const covering = (await stores[0]!.signingKeys.list()).filter((k) => k.activatesAt <= at && k.retiresAt > at);
      assert.equal(covering.length, 1);
      // a successor (activating when the current one retires) is not "covered" by it
      assert.equal(await stores[1]!.signingKeys.insertUnlessCovered({ ...key(99), activatesAt: at + 1000, retiresAt: at + 3000, expiresAt: at + 4000 }, at + 1000), true);
      assert.equal(await stores[2]!.signingKeys.insertUnlessCovered({ ...key(98), activatesAt: at + 1000, retiresAt: at + 3000, expiresAt: at + 4000 }, at + 1000), false);
    });

    test('signing keys: key rings of several workers opening at once publish the same JWKS and sign with one key', async () => {
      const stores = [await open(), await open(), await open()];
      const now = T0 + 800 * 86_400_000 + Math.floor(Math.random() * 1e9);
      const rings = await Promise.all(stores.map((st) => KeyRing.open(signingKeyStorage(st), {}, () => now)));
      const kids = new Set(rings.map((r) => r.current().kid));
      assert.equal(kids.size, 1, 'every ring signs with the same key');
      for (const r of rings) assert.deepEqual(r.jwks(), rings[0]!.jwks());
    });

    test('signing keys: newest first, schedule updates, expiry deletes', async () => {
      const s = await open();
      const base = T0 + 100 * 86_400_000 + Math.floor(Math.random() * 1e6);
      const key = (kid: string, createdAt: number) => ({
        kid,
        alg: 'ES256',
        publicJwk: { kty: 'EC', crv: 'P-256', x: 'xx', y: 'yy', kid },
        privateJwk: { kty: 'EC', crv: 'P-256', x: 'xx', y: 'yy', d: 'dd', kid },
        createdAt,
        activatesAt: createdAt,
        retiresAt: createdAt + 1000,
        expiresAt: createdAt + 2000,
      });
      const older = key(`k-${uid()}`, base);
      const newer = key(`k-${uid()}`, base + 10);
      await s.signingKeys.insert(older);
      await s.signingKeys.insert(newer);
      const mine = (await s.signingKeys.list()).filter((k) => k.kid === older.kid || k.kid === newer.kid);
      assert.deepEqual(mine, [newer, older]);
      assert.equal(await s.signingKeys.updateSchedule(older.kid, { retiresAt: base + 5, expiresAt: base + 6 }), true);
      assert.equal(await s.signingKeys.updateSchedule(`k-${uid()}`, { retiresAt: base }), false);
      assert.throws(() => s.signingKeys.updateSchedule(older.kid, {}), TypeError);
      const updated = (await s.signingKeys.list()).find((k) => k.kid === older.kid);
      assert.equal(updated!.retiresAt, base + 5);
      assert.equal(updated!.expiresAt, base + 6);
      assert.ok((await s.signingKeys.deleteExpired(base + 6)) >= 1);
      const left = (await s.signingKeys.list()).map((k) => k.kid);
      assert.ok(!left.includes(older.kid));
      assert.ok(left.includes(newer.kid));
      await assert.rejects(s.signingKeys.insert(newer), (e: any) => e.code === 'AIRLOCK_STORE_UNAVAILABLE');
    });

    const tokenRow = (over: Partial<NewTokenRow> = {}): NewTokenRow => ({
      id: `tok_${uid()}`,
      name: `etl-${uid()}`,
      kind: 'service',
      secretHash: randomBytes(32).toString('base64url'),
      ownerSub: `sub-${uid()}`,
      serviceAccount: 'etl-ci',
      envs: ['prod'],
      dags: ['etl_*', 'g "quoted"'],
      actions: ['read', 'trigger'],
      approvalActions: [],
      origin: 'cli',
      createdBy: 'cli:test',
      createdAt: T0,
      expiresAt: T0 + 3_600_000,
      rotatedFrom: null,
      ...over,
    });

    test('tokens: insert, get and findByHash round-trip every field; a duplicate hash is refused', async () => {
      const s = await open();
      const row = tokenRow();
      await s.tokens.insert(row);
      const full = { ...row, revokedAt: null, revokedBy: null, revokeReason: null, lastUsedAt: null, lastUsedIp: null };
      assert.deepEqual(await s.tokens.get(row.id), full);
      assert.deepEqual(await s.tokens.findByHash(row.secretHash), full);
      assert.equal(typeof (await s.tokens.get(row.id))!.expiresAt, 'number');
      assert.equal(await s.tokens.findByHash(randomBytes(32).toString('base64url')), undefined);
      await assert.rejects(s.tokens.insert({ ...row, id: `tok_${uid()}` }), (e: any) => e.code === 'AIRLOCK_STORE_UNAVAILABLE');
    });

    test('tokens: revoke once (the first revocation is kept); list filters by name, owner and liveness, newest first', async () => {
      const s = await open();
      const name = `n-${uid()}`;
      const a = tokenRow({ name, createdAt: T0 });
      const b = tokenRow({ name, createdAt: T0 + 10, ownerSub: a.ownerSub });
      const expired = tokenRow({ name, createdAt: T0 + 20, expiresAt: T0 + 30 });
      for (const r of [a, b, expired]) await s.tokens.insert(r);
      assert.deepEqual((await s.tokens.list({ name })).map((r) => r.id), [expired.id, b.id, a.id]);
      assert.deepEqual((await s.tokens.list({ name, liveAt: T0 + 100 })).map((r) => r.id), [b.id, a.id]);
      assert.deepEqual((await s.tokens.list({ ownerSub: a.ownerSub! })).map((r) => r.id), [b.id, a.id]);
      assert.equal(await s.tokens.revoke(a.id, T0 + 200, 'cli:x', 'leaked'), true);
      assert.equal(await s.tokens.revoke(a.id, T0 + 300, 'cli:y', 'again'), false);
      const got = await s.tokens.get(a.id);
      assert.deepEqual([got!.revokedAt, got!.revokedBy, got!.revokeReason], [T0 + 200, 'cli:x', 'leaked']);
      assert.deepEqual((await s.tokens.list({ name, liveAt: T0 + 100 })).map((r) => r.id), [b.id]);
      assert.equal(await s.tokens.revoke(`tok_${uid()}`, T0, 'cli:x', 'unknown'), false);
    });

    test('tokens: rotate ends the old token at the overlap and inserts the new one atomically; only a live token rotates', async () => {
      const s = await open();
      const old = tokenRow({ expiresAt: T0 + 3_600_000 });
      await s.tokens.insert(old);
      const next = tokenRow({ name: old.name, createdAt: T0 + 1000, expiresAt: T0 + 7_200_000 });
      assert.equal(await s.tokens.rotate(old.id, next, T0 + 1000 + 600_000, T0 + 1000), true);
      assert.equal((await s.tokens.get(old.id))!.expiresAt, T0 + 601_000);
      assert.equal((await s.tokens.get(next.id))!.rotatedFrom, old.id);
      // the overlap never lengthens a token's life
      const short = tokenRow({ expiresAt: T0 + 5000 });
      await s.tokens.insert(short);
      assert.equal(await s.tokens.rotate(short.id, tokenRow(), T0 + 600_000, T0 + 1000), true);
      assert.equal((await s.tokens.get(short.id))!.expiresAt, T0 + 5000);
      // revoked, expired or unknown: nothing written
      await s.tokens.revoke(next.id, T0 + 2000, 'cli:x', 'r');
      const refused = tokenRow();
      assert.equal(await s.tokens.rotate(next.id, refused, T0 + 9000, T0 + 3000), false);
      assert.equal(await s.tokens.rotate(short.id, refused, T0 + 9000, T0 + 6000), false);
      assert.equal(await s.tokens.rotate(`tok_${uid()}`, refused, T0 + 9000, T0), false);
      assert.equal(await s.tokens.get(refused.id), undefined);
      // a failed insert rolls the old token's new expiry back
      const live = tokenRow();
      await s.tokens.insert(live);
      await assert.rejects(s.tokens.rotate(live.id, { ...tokenRow(), secretHash: old.secretHash }, T0 + 10, T0), (e: any) => e.code === 'AIRLOCK_STORE_UNAVAILABLE');
      assert.equal((await s.tokens.get(live.id))!.expiresAt, live.expiresAt);
    });

    test('tokens: touch records the last use and its client address, forward only', async () => {
      const s = await open();
      const row = tokenRow();
      await s.tokens.insert(row);
      await s.tokens.touch(row.id, T0 + 100, '192.0.2.7');
      await s.tokens.touch(row.id, T0 + 50, '198.51.100.1');
      const got = await s.tokens.get(row.id);
      assert.deepEqual([got!.lastUsedAt, got!.lastUsedIp], [T0 + 100, '192.0.2.7']);
      await s.tokens.touch(row.id, T0 + 200, null);
      assert.deepEqual([(await s.tokens.get(row.id))!.lastUsedAt, (await s.tokens.get(row.id))!.lastUsedIp], [T0 + 200, null]);
    });

    test('tokens: a corrupt JSON column or kind is refused, not defaulted', async () => {
      const s = await open();
      const row = tokenRow();
      await s.tokens.insert(row);
      await s.db.updateTable('tokens').set({ dags: '{"not":"a list"}' }).where('id', '=', row.id).execute();
      await assert.rejects(s.tokens.get(row.id), (e: any) => e.code === 'AIRLOCK_STORE_CORRUPT_ROW');
      await s.db.updateTable('tokens').set({ dags: '[]', kind: 'root' }).where('id', '=', row.id).execute();
      await assert.rejects(s.tokens.findByHash(row.secretHash), (e: any) => e.code === 'AIRLOCK_STORE_CORRUPT_ROW');
    });

    const scimUser = (userName: string, over: Record<string, unknown> = {}) => ({ userName, externalId: null, emailKey: null, active: true, resource: { name: { givenName: 'Ada' } }, ...over });
    const uuid = () => randomUUID();

    test('scim users: insert, read, userName unique among live users (case-insensitive), filters and paging with the total', async () => {
      const s = await open();
      const tag = uid().toLowerCase();
      const a = await s.scim.insertUser(uuid(), scimUser(`Ada.${tag}@example.com`, { externalId: `ext-${tag}`, emailKey: `ada.${tag}@example.com` }), T0);
      assert.notEqual(a, 'conflict');
      if (a === 'conflict') return;
      assert.deepEqual([a.userName, a.active, a.version, a.createdAt, a.deletedAt, a.resource], [`Ada.${tag}@example.com`, true, 1, T0, null, { name: { givenName: 'Ada' } }]);
      assert.equal(await s.scim.insertUser(uuid(), scimUser(`ADA.${tag}@EXAMPLE.COM`), T0), 'conflict');
      assert.deepEqual(await s.scim.getUser(a.id), a);
      const byName = await s.scim.listUsers({ attr: 'userName', value: `ada.${tag}@example.com` }, 0, 10);
      assert.deepEqual([byName.total, byName.rows.map((r) => r.id)], [1, [a.id]]);
      assert.equal((await s.scim.listUsers({ attr: 'externalId', value: `ext-${tag}` }, 0, 10)).rows[0]?.id, a.id);
      assert.equal((await s.scim.listUsers({ attr: 'externalId', value: `EXT-${tag}` }, 0, 10)).total, 0, 'externalId is exact');
      for (let i = 0; i < 3; i++) assert.notEqual(await s.scim.insertUser(uuid(), scimUser(`p${i}.${tag}`), T0 + i + 1), 'conflict');
      const all = await s.scim.listUsers(undefined, 0, 1000);
      const mine = all.rows.filter((r) => r.userName.endsWith(tag));
      assert.equal(mine.length, 3);
      const page = await s.scim.listUsers(undefined, 1, 2);
      assert.equal(page.total, all.total);
      assert.deepEqual(page.rows.map((r) => r.id), all.rows.slice(1, 3).map((r) => r.id), 'stable order, offset and limit');
      assert.deepEqual((await s.scim.listUsers(undefined, 0, 0)).rows, []);
    });

    test('scim users: a conditional update moves the version; a stale version or a taken userName writes nothing', async () => {
      const s = await open();
      const tag = uid().toLowerCase();
      const a = (await s.scim.insertUser(uuid(), scimUser(`a.${tag}`), T0)) as Exclude<Awaited<ReturnType<typeof s.scim.insertUser>>, 'conflict'>;
      await s.scim.insertUser(uuid(), scimUser(`b.${tag}`), T0);
      const u = await s.scim.updateUser(a.id, 1, scimUser(`a2.${tag}`, { active: false }), T0 + 5);
      assert.ok(typeof u === 'object');
      assert.deepEqual([u.userName, u.active, u.version, u.updatedAt], [`a2.${tag}`, false, 2, T0 + 5]);
      assert.equal(await s.scim.updateUser(a.id, 1, scimUser(`a3.${tag}`), T0 + 6), 'stale');
      assert.equal(await s.scim.updateUser(a.id, 2, scimUser(`B.${tag}`), T0 + 6), 'conflict');
      assert.equal((await s.scim.getUser(a.id))?.userName, `a2.${tag}`);
      assert.equal(await s.scim.updateUser(uuid(), 1, scimUser(`c.${tag}`), T0), 'not_found');
    });

    test('scim groups: members, group names per user, conditional member changes, delete takes the memberships along', async () => {
      const s = await open();
      const tag = uid().toLowerCase();
      const u1 = (await s.scim.insertUser(uuid(), scimUser(`u1.${tag}`), T0)) as { id: string };
      const u2 = (await s.scim.insertUser(uuid(), scimUser(`u2.${tag}`), T0)) as { id: string };
      const gid = uuid();
      const g = await s.scim.insertGroup(gid, { displayName: `Data-Eng-${tag}`, externalId: 'obj-1' }, [u1.id], T0);
      assert.notEqual(g, 'conflict');
      assert.equal(await s.scim.insertGroup(uuid(), { displayName: `data-eng-${tag}`, externalId: null }, [], T0), 'conflict', 'displayName is unique, case-insensitively');
      assert.deepEqual((await s.scim.membersOf([gid])).get(gid), [{ id: u1.id, userName: `u1.${tag}` }]);
      assert.deepEqual((await s.scim.listGroups({ attr: 'displayName', value: `DATA-ENG-${tag}` }, 0, 5)).rows.map((r) => r.id), [gid]);
      const up = await s.scim.updateGroup(gid, 1, { displayName: `renamed-${tag}`, externalId: 'obj-1' }, [u2.id], [u1.id], T0 + 1);
      assert.ok(typeof up === 'object' && up.version === 2);
      assert.equal(await s.scim.updateGroup(gid, 1, { displayName: `x-${tag}`, externalId: null }, [u1.id], [], T0 + 2), 'stale');
      assert.deepEqual((await s.scim.membersOf([gid])).get(gid)?.map((m) => m.id), [u2.id], 'the stale write changed no member');
      assert.deepEqual((await s.scim.groupsOfUsers([u1.id, u2.id])).get(u2.id), [{ id: gid, displayName: `renamed-${tag}` }]);
      assert.deepEqual([...(await s.scim.liveUserIds([u1.id, u2.id, uuid()]))].sort(), [u1.id, u2.id].sort());
      const gone = await s.scim.deleteGroup(gid);
      assert.deepEqual(gone?.memberIds, [u2.id]);
      assert.equal(await s.scim.getGroup(gid), undefined);
      assert.equal((await s.scim.groupsOfUsers([u2.id])).get(u2.id), undefined);
      assert.equal(await s.scim.deleteGroup(gid), undefined);
    });

    test('scim users: delete leaves a tombstone (refused at sign-in, invisible to SCIM, its userName free); sign-in finds the live record first', async () => {
      const s = await open();
      const tag = uid().toLowerCase();
      const a = (await s.scim.insertUser(uuid(), scimUser(`Gone.${tag}`, { emailKey: `gone.${tag}@example.com`, externalId: `sub-${tag}` }), T0)) as { id: string };
      const gid = uuid();
      await s.scim.insertGroup(gid, { displayName: `g-${tag}`, externalId: null }, [a.id], T0);
      assert.deepEqual(await s.scim.findForLogin('userName', `gone.${tag}`), { id: a.id, active: true, deleted: false, groups: [`g-${tag}`] });
      assert.deepEqual(await s.scim.findForLogin('email', `GONE.${tag}@example.com`), { id: a.id, active: true, deleted: false, groups: [`g-${tag}`] });
      assert.equal((await s.scim.findForLogin('externalId', `sub-${tag}`))?.id, a.id);
      assert.equal((await s.scim.deleteUser(a.id, T0 + 1))?.id, a.id);
      assert.equal(await s.scim.deleteUser(a.id, T0 + 2), undefined, 'twice: not found');
      assert.equal(await s.scim.getUser(a.id), undefined);
      assert.equal((await s.scim.listUsers({ attr: 'userName', value: `gone.${tag}` }, 0, 5)).total, 0);
      assert.deepEqual((await s.scim.membersOf([gid])).get(gid), undefined, 'memberships dropped');
      assert.deepEqual(await s.scim.findForLogin('userName', `gone.${tag}`), { id: a.id, active: false, deleted: true, groups: [] });
      const again = await s.scim.insertUser(uuid(), scimUser(`gone.${tag}`), T0 + 3);
      assert.notEqual(again, 'conflict', 'a deleted userName can be provisioned again');
      assert.deepEqual(await s.scim.findForLogin('userName', `gone.${tag}`), { id: (again as { id: string }).id, active: true, deleted: false, groups: [] });
      assert.equal(await s.scim.findForLogin('userName', `nobody.${tag}`), undefined);
    });

    test('scim: subjects of people who signed in, by username / email (case-insensitive) or sub; their recorded groups replaced', async () => {
      const s = await open();
      const tag = uid().toLowerCase();
      await s.users.upsertLogin({ sub: `s1-${tag}`, username: `Carol.${tag}`, email: `Carol.${tag}@Example.com`, name: null, groups: ['a'], at: T0 } as never);
      await s.users.upsertLogin({ sub: `s2-${tag}`, username: `dave.${tag}`, email: null, name: null, groups: [], at: T0 } as never);
      assert.deepEqual(await s.scim.subjectsFor('userName', [`carol.${tag}`, `DAVE.${tag}`, 'nobody']), [`s1-${tag}`, `s2-${tag}`]);
      assert.deepEqual(await s.scim.subjectsFor('email', [`carol.${tag}@example.com`]), [`s1-${tag}`]);
      assert.deepEqual(await s.scim.subjectsFor('externalId', [`s2-${tag}`]), [`s2-${tag}`]);
      assert.deepEqual(await s.scim.subjectsFor('userName', []), []);
      assert.deepEqual(await s.scim.setLoginGroups(`s1-${tag}`, ['b', 'c']), { before: ['a'] });
      assert.deepEqual((await s.users.get(`s1-${tag}`))?.groups, ['b', 'c']);
      assert.equal(await s.scim.setLoginGroups(`none-${tag}`, []), undefined);
    });

    test('scim: a corrupt resource column is refused, not defaulted', async () => {
      const s = await open();
      const a = (await s.scim.insertUser(uuid(), scimUser(`c.${uid().toLowerCase()}`), T0)) as { id: string };
      await s.db.updateTable('scim_users').set({ resource: '[1,2]' }).where('id', '=', a.id).execute();
      await assert.rejects(s.scim.getUser(a.id), (e: any) => e.code === 'AIRLOCK_STORE_CORRUPT_ROW');
    });

    test('device grants: insert, lookups, polls (interval grows), one decision, one issue, expiry and clean-up', async () => {
      const s = await open();
      const hash = uid();
      const userCode = `BCDF${uid().replace(/[^A-Z]/g, '').slice(0, 4).padEnd(4, 'G')}`;
      await s.deviceGrants.insert({ deviceCodeHash: hash, userCode, clientId: 'airlock-cli', envs: ['prod'], actions: ['read', 'trigger'], tokenTtl: 28_800_000, clientIp: '10.0.0.9', intervalMs: 5000, createdAt: T0, expiresAt: T0 + 600_000 });
      const fresh = await s.deviceGrants.byDeviceCodeHash(hash);
      assert.deepEqual(fresh, { deviceCodeHash: hash, userCode, clientId: 'airlock-cli', envs: ['prod'], actions: ['read', 'trigger'], tokenTtl: 28_800_000, clientIp: '10.0.0.9', status: 'pending', intervalMs: 5000, lastPolledAt: null, decidedBy: null, decidedAt: null, tokenId: null, createdAt: T0, expiresAt: T0 + 600_000 });
      assert.deepEqual(await s.deviceGrants.byUserCode(userCode), fresh);
      assert.equal(await s.deviceGrants.byUserCode('ZZZZZZZZ'), undefined);
      assert.equal(await s.deviceGrants.byDeviceCodeHash(uid()), undefined);
      await assert.rejects(s.deviceGrants.insert({ ...fresh!, deviceCodeHash: uid() }), (e: any) => e.code === 'AIRLOCK_STORE_UNAVAILABLE' || /unique|duplicate/i.test(String(e.cause?.message ?? e.message)), 'user codes are unique');
      await s.deviceGrants.recordPoll(hash, T0 + 5000, 0);
      await s.deviceGrants.recordPoll(hash, T0 + 6000, 5000);
      const polled = await s.deviceGrants.byDeviceCodeHash(hash);
      assert.deepEqual([polled!.lastPolledAt, polled!.intervalMs], [T0 + 6000, 10_000]);
      assert.equal(await s.deviceGrants.markIssued(hash, T0 + 7000), false, 'not approved yet');
      assert.equal(await s.deviceGrants.decide(userCode, 'approved', 'sub-ada', T0 + 600_000), false, 'expired');
      assert.equal(await s.deviceGrants.decide(userCode, 'approved', 'sub-ada', T0 + 8000), true);
      assert.equal(await s.deviceGrants.decide(userCode, 'denied', 'sub-eve', T0 + 9000), false, 'decided once');
      assert.equal(await s.deviceGrants.markIssued(hash, T0 + 600_000), false, 'expired');
      const [a, b] = await Promise.all([s.deviceGrants.markIssued(hash, T0 + 10_000), s.deviceGrants.markIssued(hash, T0 + 10_000)]);
      assert.deepEqual([a, b].sort(), [false, true], 'issued once');
      await s.deviceGrants.recordToken(hash, 'tok_abc');
      const done = await s.deviceGrants.byDeviceCodeHash(hash);
      assert.deepEqual([done!.status, done!.decidedBy, done!.decidedAt, done!.tokenId], ['issued', 'sub-ada', T0 + 8000, 'tok_abc']);
      assert.ok((await s.deviceGrants.deleteExpired(T0 + 600_000)) >= 1);
      assert.equal(await s.deviceGrants.byDeviceCodeHash(hash), undefined);
    });

    test('device grants: countPending counts the undecided, unexpired ones only', async () => {
      const s = await open();
      const now = T0 + 20 * 86_400_000 + Math.floor(Math.random() * 1e6); // past every other test's rows
      const base = await s.deviceGrants.countPending(now);
      const grant = (expiresAt: number) => ({ deviceCodeHash: uid(), userCode: `W${uid().replace(/[^A-Z0-9]/gi, '').slice(0, 7).toUpperCase()}`, clientId: 'airlock-cli', envs: ['*'], actions: ['read'], tokenTtl: 1000, clientIp: null, intervalMs: 5000, createdAt: now - 1000, expiresAt });
      const [a, b, expired, decided] = [grant(now + 1000), grant(now + 1000), grant(now), grant(now + 1000)];
      for (const g of [a, b, expired, decided]) await s.deviceGrants.insert(g);
      assert.equal(await s.deviceGrants.decide(decided.userCode, 'denied', 'sub-ada', now - 1), true);
      assert.equal(await s.deviceGrants.countPending(now), base + 2, 'expired at now and decided ones do not count');
      assert.equal(await s.deviceGrants.countPending(now + 1000), base, 'a grant expiring at now + 1000 no longer counts then');
    });

    test('device grants: a corrupt status is refused, not defaulted', async () => {
      const s = await open();
      const hash = uid();
      await s.deviceGrants.insert({ deviceCodeHash: hash, userCode: `Q${uid().slice(0, 7)}`, clientId: 'airlock-cli', envs: ['*'], actions: ['read'], tokenTtl: 1000, clientIp: null, intervalMs: 5000, createdAt: T0, expiresAt: T0 + 1000 });
      await s.db.updateTable('device_grants').set({ status: 'granted' }).where('device_code_hash', '=', hash).execute();
      await assert.rejects(s.deviceGrants.byDeviceCodeHash(hash), (e: any) => e.code === 'AIRLOCK_STORE_CORRUPT_ROW');
    });

    const held = (over: Partial<NewApprovalRow> = {}): NewApprovalRow => ({
      id: `apr_${uid()}`,
      requestId: `req-${uid()}`,
      tokenId: 'tok_agent',
      requester: { kind: 'agent', sub: 'agent:bot', username: 'agent:bot', tokenName: 'bot', owner: { sub: 'sub-alice', username: 'alice' } },
      env: 'prod',
      method: 'POST',
      rawUrl: '/api/v1/dags/etl_x/dagRuns',
      client: { ip: '192.0.2.7', proto: 'https', host: 'airflow.example.com', port: 443 },
      host: 'airflow.example.com',
      target: '/api/v1/dags/etl_x/dagRuns',
      action: 'trigger',
      dagIds: ['etl_x'],
      headers: [['content-type', 'application/json']],
      body: Buffer.from([0x7b, 0x7d, 0x00, 0xff]),
      bodySha256: 'h',
      createdAt: T0,
      expiresAt: T0 + 900_000,
      ...over,
    });

    test('approvals: insert and get round-trip every field (the body byte for byte) with status pending', async () => {
      const s = await open();
      const row = held();
      await s.approvals.insert(row);
      const got = await s.approvals.get(row.id);
      assert.deepEqual(got, { ...row, status: 'pending', decidedBy: null, decidedAt: null, executedAt: null, upstreamStatus: null, upstreamBody: null, upstreamContentType: null, error: null });
      assert.equal(await s.approvals.get('apr_none'), undefined);
    });

    test('approvals: decide is a compare-and-swap: one of many concurrent approvals wins, from two connections; expired and decided rows never move', async () => {
      const [a, b] = [await open(), await open()];
      const row = held();
      await a.approvals.insert(row);
      const alice = { sub: 's-a', username: 'alice' };
      const bob = { sub: 's-b', username: 'bob' };
      const wins = await Promise.all([a, b, a, b, a, b].map((st, i) => st.approvals.decide(row.id, 'executing', i % 2 ? bob : alice, T0 + 1)));
      assert.equal(wins.filter(Boolean).length, 1);
      assert.equal(await a.approvals.decide(row.id, 'denied', alice, T0 + 2), false, 'a decided row cannot be denied after');
      const mid = await b.approvals.get(row.id);
      assert.equal(mid?.status, 'executing');
      assert.equal(mid?.decidedAt, T0 + 1);
      const result = { status: 'executed' as const, upstreamStatus: 200, upstreamBody: Buffer.from('{"ok":1}'), upstreamContentType: 'application/json', error: null };
      assert.equal(await a.approvals.finish(row.id, result, T0 + 3), true);
      assert.equal(await b.approvals.finish(row.id, result, T0 + 4), false, 'finished once');
      const done = await a.approvals.get(row.id);
      assert.equal(done?.status, 'executed');
      assert.equal(done?.upstreamStatus, 200);
      assert.deepEqual(done?.upstreamBody, Buffer.from('{"ok":1}'));
      assert.equal(done?.executedAt, T0 + 3);
      const late = held({ expiresAt: T0 + 10 });
      await a.approvals.insert(late);
      assert.equal(await a.approvals.decide(late.id, 'executing', alice, T0 + 10), false, 'expired at expires_at');
      assert.equal(await a.approvals.decide(late.id, 'denied', alice, T0 + 11), false);
      assert.equal((await a.approvals.get(late.id))?.status, 'pending');
      const denied = held();
      await a.approvals.insert(denied);
      assert.equal(await a.approvals.decide(denied.id, 'denied', bob, T0 + 1), true);
      assert.equal(await b.approvals.decide(denied.id, 'executing', alice, T0 + 2), false, 'denied is final');
      assert.equal(await b.approvals.finish(denied.id, result, T0 + 3), false, 'a denied row is never executed');
      assert.deepEqual((await a.approvals.get(denied.id))?.decidedBy, bob);
    });

    test('approvals: a corrupt status or JSON column is refused, not defaulted', async () => {
      const s = await open();
      const row = held();
      await s.approvals.insert(row);
      await s.db.updateTable('approvals').set({ status: 'maybe' }).where('id', '=', row.id).execute();
      await assert.rejects(s.approvals.get(row.id), (e: any) => e.code === 'AIRLOCK_STORE_CORRUPT_ROW');
      await s.db.updateTable('approvals').set({ status: 'pending', headers: '{"a":1}' }).where('id', '=', row.id).execute();
      await assert.rejects(s.approvals.get(row.id), (e: any) => e.code === 'AIRLOCK_STORE_CORRUPT_ROW');
    });

    test('ping answers while open; after close ping and queries are AIRLOCK_STORE_UNAVAILABLE', async () => {
      const s = await openFn();
      await s.ping();
      const q = await sql<{ one: number }>`select 1 as one`.execute(s.db);
      assert.equal(Number(q.rows[0]!.one), 1);
      await s.close();
      await s.close(); // twice is fine
      await assert.rejects(s.ping(), (e: any) => e.code === 'AIRLOCK_STORE_UNAVAILABLE' && e.status === 503);
      await assert.rejects(s.sessions.findByHash('x'), (e: any) => e.code === 'AIRLOCK_STORE_UNAVAILABLE');
    });
  });
}
