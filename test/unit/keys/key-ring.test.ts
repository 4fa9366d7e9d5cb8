import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { KeyRing, memoryKeyStorage } from '../../../src/keys/index.ts';

const DAY = 86_400_000;

async function sign(ring: KeyRing): Promise<string> {
  const k = ring.current();
  return new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: k.kid }).setIssuedAt().setExpirationTime('5m').sign(k.privateKey);
}

test('first open creates one signing key; the JWKS holds only public members', async () => {
  const ring = await KeyRing.open(memoryKeyStorage());
  const jwks = ring.jwks();
  assert.equal(jwks.keys.length, 1);
  const key = jwks.keys[0]!;
  assert.equal(key.kid, ring.current().kid);
  assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  assert.equal(key.alg, 'ES256');
});

test('rotation publishes the successor before it signs and keeps the old key for the overlap', async () => {
  let now = Date.UTC(2026, 0, 1);
  const storage = memoryKeyStorage();
  const settings = { rotateEveryMs: 10 * DAY, overlapMs: DAY, prepublishMs: 60 * 60_000 };
  const ring = await KeyRing.open(storage, settings, () => now);
  const first = ring.current().kid;
  const oldToken = await sign(ring);

  now += 10 * DAY - 30 * 60_000; // inside the prepublish window
  await ring.maintain();
  assert.equal(ring.current().kid, first, 'the current key still signs');
  assert.equal(ring.jwks().keys.length, 2, 'the successor is already published');
  const successor = ring.jwks().keys.find((k) => k.kid !== first)!.kid;

  now += 31 * 60_000; // past the first key's retirement
  assert.equal(ring.current().kid, successor, 'the successor takes over without a maintain() call');
  await ring.maintain();
  const kids = ring.jwks().keys.map((k) => k.kid);
  assert.ok(kids.includes(first), 'the retired key stays in the JWKS during the overlap');
  await jwtVerify(oldToken, createLocalJWKSet(ring.jwks()), { currentDate: new Date(now - 60_000) });

  now += DAY + 1;
  await ring.maintain();
  assert.ok(!ring.jwks().keys.some((k) => k.kid === first), 'the retired key leaves after the overlap');
});

test('two rings over one storage (two workers) agree on the signing key', async () => {
  const storage = memoryKeyStorage();
  const a = await KeyRing.open(storage);
  const b = await KeyRing.open(storage);
  assert.equal(a.current().kid, b.current().kid);
  assert.equal((await storage.list()).length, 1);
});

test('invalid rotation settings are a TypeError', async () => {
  await assert.rejects(KeyRing.open(memoryKeyStorage(), { rotateEveryMs: 1000, prepublishMs: 5000 }), TypeError);
});
