import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashSessionId, newSessionId, sessionHandle } from '../../../src/session/index.ts';
import { openStore, type NewSessionRow, type StoredIdentity, type Store } from '../../../src/store/index.ts';
import { freshSchema } from '../store/pg-schema.ts';

/**
 * The store side of issue #14 on both backends: the refresh lease (one winner among concurrent processes), the
 * version compare-and-swap, a refresh and a security-key verification writing the identity at the same time (both
 * kept), bulk revocation filters, the recent-revocations read, and the jti replay guard.
 */
const identity: StoredIdentity = { kind: 'person', username: 'ada', email: 'ada@example.com', name: 'Ada', groups: ['data-eng'], roles: ['User'], mfa: { method: 'none' } };
const T = Date.now();

function row(over: Partial<NewSessionRow> = {}): NewSessionRow {
  return { idHash: hashSessionId(newSessionId()), sub: `sub-${randomBytes(6).toString('hex')}`, identity, idpSid: null, idToken: null, refreshToken: 'v1.old', createdAt: T, lastSeenAt: T, expiresAt: T + 3_600_000, ...over };
}
const claims = (groups: string[], at: number) => ({ username: 'ada', email: 'ada@example.com', name: 'Ada', groups, roles: [], refreshToken: 'v1.new', idToken: 'id.new', claimsAt: at });

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`session refresh lease and revocation filters (${backend})`, () => {
    let stores: Store[] = [];
    let dir: string | undefined;
    let schema: Awaited<ReturnType<typeof freshSchema>> | undefined;
    before(async () => {
      const open = async () => {
        if (backend === 'postgres') return openStore({ kind: 'postgres', url: schema!.url, pool: 4 });
        return openStore({ kind: 'sqlite', path: join(dir!, 'airlock.db'), pool: 1 } as never);
      };
      if (backend === 'postgres') schema = await freshSchema('airlock_lease');
      else dir = mkdtempSync(join(tmpdir(), 'airlock-lease-'));
      stores = [await open(), await open()]; // two processes' stores on one database
    });
    after(async () => {
      for (const s of stores) await s.close();
      await schema?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('exactly one of many concurrent owners takes the lease; nobody else until it is released or runs out', async () => {
      const r = row();
      await stores[0]!.sessions.insert(r);
      const owners = Array.from({ length: 10 }, (_, i) => `owner-${i}`);
      const won = await Promise.all(owners.map((o, i) => stores[i % 2]!.sessions.acquireRefreshLease(r.idHash, 0, o, T + 60_000, T)));
      assert.equal(won.filter(Boolean).length, 1);
      const winner = owners[won.indexOf(true)]!;
      assert.equal(await stores[1]!.sessions.acquireRefreshLease(r.idHash, 0, 'late', T + 60_000, T + 1), false);
      // a lease that ran out (the holder crashed) can be taken
      assert.equal(await stores[1]!.sessions.acquireRefreshLease(r.idHash, 0, 'after-expiry', T + 120_000, T + 60_000), true);
      assert.equal(await stores[0]!.sessions.completeRefresh(r.idHash, winner, 0, claims([], T + 2)), undefined, 'the old holder lost it');
    });

    test('completeRefresh: only the holder at that version; version + 1, lease released, mfa kept, token replaced', async () => {
      const r = row({ identity: { ...identity, mfa: { method: 'webauthn', at: T, credentialId: 'cred-1' } } });
      await stores[0]!.sessions.insert(r);
      assert.equal(await stores[0]!.sessions.acquireRefreshLease(r.idHash, 0, 'a', T + 60_000, T), true);
      assert.equal(await stores[1]!.sessions.completeRefresh(r.idHash, 'b', 0, claims([], T + 1)), undefined, 'not the holder');
      assert.equal(await stores[1]!.sessions.completeRefresh(r.idHash, 'a', 7, claims([], T + 1)), undefined, 'another version');
      const done = await stores[1]!.sessions.completeRefresh(r.idHash, 'a', 0, claims(['analysts'], T + 1));
      assert.ok(done);
      assert.equal(done.version, 1);
      assert.equal(done.refreshLeaseOwner, null);
      assert.equal(done.refreshLeaseUntil, null);
      assert.equal(done.claimsAt, T + 1);
      assert.equal(done.refreshToken, 'v1.new');
      assert.equal(done.idToken, 'id.new');
      assert.deepEqual(done.identity.groups, ['analysts']);
      assert.deepEqual(done.identity.mfa, { method: 'webauthn', at: T, credentialId: 'cred-1' });
      assert.equal(await stores[0]!.sessions.acquireRefreshLease(r.idHash, 0, 'stale-version', T + 60_000, T + 2), false, 'the old version cannot be leased');
    });

    test('a refresh and a security-key verification writing at the same time both land', async () => {
      for (let i = 0; i < 10; i++) {
        const r = row();
        await stores[0]!.sessions.insert(r);
        assert.equal(await stores[0]!.sessions.acquireRefreshLease(r.idHash, 0, 'a', T + 60_000, T), true);
        const [refreshed, mfa] = await Promise.all([
          stores[0]!.sessions.completeRefresh(r.idHash, 'a', 0, claims(['ops'], T + 1)),
          stores[1]!.sessions.setMfa(r.idHash, { method: 'webauthn', at: T + 1, credentialId: `cred-${i}` }),
        ]);
        assert.ok(refreshed && mfa);
        const got = await stores[0]!.sessions.findByHash(r.idHash);
        assert.deepEqual(got!.identity.groups, ['ops'], `round ${i}: groups kept`);
        assert.equal(got!.identity.mfa.credentialId, `cred-${i}`, `round ${i}: mfa kept`);
      }
    });

    test('a released lease leaves a back-off; dropRefreshToken forgets the token', async () => {
      const r = row();
      await stores[0]!.sessions.insert(r);
      assert.equal(await stores[0]!.sessions.acquireRefreshLease(r.idHash, 0, 'a', T + 60_000, T), true);
      await stores[0]!.sessions.releaseRefreshLease(r.idHash, 'a', T + 5_000);
      assert.equal(await stores[1]!.sessions.acquireRefreshLease(r.idHash, 0, 'b', T + 60_000, T + 4_999), false, 'backing off');
      assert.equal(await stores[1]!.sessions.acquireRefreshLease(r.idHash, 0, 'b', T + 60_000, T + 5_000), true);
      const dropped = await stores[1]!.sessions.dropRefreshToken(r.idHash, 'b', 0);
      assert.equal(dropped?.refreshToken, null);
      assert.equal(dropped?.version, 1);
    });

    test('revokeMatching: by handle, by hashes, by sub, all; an empty filter is a programmer error', async () => {
      const [a, b, c] = [row(), row(), row()];
      for (const r of [a, b, c]) await stores[0]!.sessions.insert(r);
      await assert.rejects(stores[0]!.sessions.revokeMatching({}, 'x', T), TypeError);
      await assert.rejects(stores[0]!.sessions.revokeMatching({ handle: 'short' }, 'x', T), TypeError);
      await assert.rejects(stores[0]!.sessions.revokeMatching({ all: true, sub: a.sub }, 'x', T), TypeError);
      const since = Date.now();
      const byHandle = await stores[0]!.sessions.revokeMatching({ handle: sessionHandle(a.idHash) }, 'x', since);
      assert.deepEqual(byHandle.map((r) => r.idHash), [a.idHash]);
      assert.equal(byHandle[0]!.identity.username, 'ada');
      assert.deepEqual((await stores[1]!.sessions.revokeMatching({ idHashes: [b.idHash, a.idHash] }, 'x', since)).map((r) => r.idHash), [b.idHash], 'already revoked ones are not ended twice');
      assert.deepEqual((await stores[1]!.sessions.list({ sub: c.sub }, since)).map((r) => r.idHash), [c.idHash]);
      const recent = await stores[1]!.sessions.revokedSince(since, 100);
      assert.deepEqual(new Set(recent.map((r) => r.idHash)), new Set([a.idHash, b.idHash]));
      const all = await stores[1]!.sessions.revokeMatching({ all: true }, 'x', since);
      assert.ok(all.some((r) => r.idHash === c.idHash));
      assert.deepEqual(await stores[0]!.sessions.list({ all: true }, since), []);
    });

    test('replay guard: a key is taken once across processes, and again only after it expired', async () => {
      const key = randomBytes(16).toString('base64url');
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => stores[i % 2]!.replayGuards.claim(key, T + 1_000, T)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await stores[0]!.replayGuards.claim(key, T + 2_000, T + 999), false);
      assert.equal(await stores[1]!.replayGuards.claim(key, T + 3_000, T + 1_000), true, 'expired: forgotten');
    });
  });
}
