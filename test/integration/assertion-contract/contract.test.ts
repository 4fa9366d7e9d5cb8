/**
 * Pins the assertion contract (docs/assertion-contract.md, version 1) on the gateway side: a minted
 * assertion has exactly these header fields and claims, ES256, ttl <= 300 s, and the JWKS carries only
 * public members. The Python side (integrations/airflow/tests) pins the same contract from the fixtures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { compactVerify, createLocalJWKSet, jwtVerify } from 'jose';
import { AGENT, AGENT_OF_PERSON, ASSERTION_VERSION, AUDIENCE, ISSUER, KeyRing, PERSON, PERSON_TOKEN, SERVICE, SERVICE_ACCOUNT_TOKEN, TTL_MS, decodePart, mintAssertion } from './mint.ts';
import { buildFixtures } from './fixtures.ts';

const HEADER_FIELDS = ['alg', 'kid', 'typ'];
const REQUIRED_CLAIMS = ['airlock_ver', 'amr', 'aud', 'exp', 'groups', 'iat', 'iss', 'jti', 'kind', 'preferred_username', 'roles', 'sid', 'sub'];
const OPTIONAL_CLAIMS = ['email', 'name'];
const JWK_MEMBERS = ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'];

test('contract version is 1', () => {
  assert.equal(ASSERTION_VERSION, 1);
});

test('a person assertion has exactly the contract header and claims', async () => {
  const ring = await KeyRing.generateEphemeral();
  const now = Date.now();
  const token = await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: TTL_MS, now });
  const header = decodePart(token, 0);
  assert.deepEqual(Object.keys(header).sort(), HEADER_FIELDS);
  assert.equal(header.alg, 'ES256');
  assert.equal(header.typ, 'JWT');
  assert.equal(header.kid, ring.current().kid);
  const claims = decodePart(token, 1);
  assert.deepEqual(Object.keys(claims).sort(), [...REQUIRED_CLAIMS, ...OPTIONAL_CLAIMS].sort());
  assert.equal(claims.iss, ISSUER);
  assert.equal(claims.aud, AUDIENCE);
  assert.equal(typeof claims.aud, 'string');
  assert.equal(claims.sub, PERSON.sub);
  assert.equal(claims.preferred_username, PERSON.username);
  assert.equal(claims.email, PERSON.email);
  assert.equal(claims.name, PERSON.name);
  assert.deepEqual(claims.groups, PERSON.groups);
  assert.deepEqual(claims.roles, PERSON.roles);
  assert.equal(claims.sid, PERSON.sessionId);
  assert.deepEqual(claims.amr, ['oidc', 'webauthn']);
  assert.equal(claims.kind, 'person');
  assert.equal(claims.airlock_ver, 1);
  assert.equal(claims.iat, Math.floor(now / 1000));
  assert.equal((claims.exp as number) - (claims.iat as number), TTL_MS / 1000);
  assert.match(String(claims.jti), /^[A-Za-z0-9_-]{16,}$/);
});

test('machine assertions leave out absent email and name and carry the token id as sid', async () => {
  const ring = await KeyRing.generateEphemeral();
  const service = decodePart(await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: SERVICE, ttlMs: TTL_MS }), 1);
  assert.deepEqual(Object.keys(service).sort(), REQUIRED_CLAIMS);
  assert.equal(service.sid, SERVICE.tokenId);
  assert.deepEqual(service.amr, ['token']);
  assert.equal(service.kind, 'service');
  const agent = decodePart(await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: AGENT, ttlMs: TTL_MS }), 1);
  assert.deepEqual(Object.keys(agent).sort(), [...REQUIRED_CLAIMS, 'name'].sort());
  assert.equal(agent.kind, 'agent');
});

test('a machine token says who: kind, token name, service account, and the owning person as act (optional claims, version 1)', async () => {
  const ring = await KeyRing.generateEphemeral();
  const mint = async (identity: typeof PERSON) => decodePart(await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity, ttlMs: TTL_MS }), 1);
  const svc = await mint(SERVICE_ACCOUNT_TOKEN);
  assert.deepEqual(Object.keys(svc).sort(), [...REQUIRED_CLAIMS, 'act', 'service_account', 'token_name'].sort());
  assert.equal(svc.kind, 'service');
  assert.equal(svc.sub, 'svc:etl-ci');
  assert.equal(svc.preferred_username, 'svc:etl-ci');
  assert.equal(svc.token_name, 'etl-ci-main');
  assert.equal(svc.service_account, 'etl-ci');
  assert.deepEqual(svc.act, { sub: '00u1abcd', preferred_username: 'ada' });
  assert.equal(svc.sid, SERVICE_ACCOUNT_TOKEN.tokenId);
  assert.equal(svc.airlock_ver, 1);
  const agent = await mint(AGENT_OF_PERSON);
  assert.equal(agent.kind, 'agent');
  assert.deepEqual(agent.act, { sub: '00u2efgh', preferred_username: 'grace' });
  assert.equal(agent.service_account, undefined);
  // a person's own token: the person is the subject, so there is no act
  const own = await mint(PERSON_TOKEN);
  assert.equal(own.kind, 'person');
  assert.equal(own.token_name, 'grace-laptop');
  assert.equal(own.act, undefined);
  assert.deepEqual(own.amr, ['token']);
});

test('jti is unique per assertion', async () => {
  const ring = await KeyRing.generateEphemeral();
  const jtis = new Set<unknown>();
  for (let i = 0; i < 20; i++) {
    jtis.add(decodePart(await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: TTL_MS }), 1).jti);
  }
  assert.equal(jtis.size, 20);
});

test('ttl above 300 s is refused when minting', async () => {
  const ring = await KeyRing.generateEphemeral();
  await assert.rejects(mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: 300_001 }), TypeError);
  await assert.rejects(mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: 0 }), TypeError);
});

test('JWKS has only public EC P-256 signing members and verifies the assertion', async () => {
  const ring = await KeyRing.generateEphemeral();
  const jwks = ring.jwks();
  assert.deepEqual(Object.keys(jwks), ['keys']);
  assert.ok(jwks.keys.length >= 1);
  for (const key of jwks.keys) {
    assert.deepEqual(Object.keys(key).sort(), JWK_MEMBERS);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']) assert.equal(member in key, false, member);
    assert.equal(key.kty, 'EC');
    assert.equal(key.crv, 'P-256');
    assert.equal(key.alg, 'ES256');
    assert.equal(key.use, 'sig');
    assert.equal(createPublicKey({ key: key as JsonWebKey, format: 'jwk' }).type, 'public');
  }
  const token = await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: TTL_MS });
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'] });
  assert.equal(payload.preferred_username, PERSON.username);
  assert.equal(protectedHeader.kid, jwks.keys[0]?.kid);
});

test('fixture set: valid tokens verify with the published JWKS, hostile ones are what they claim to be', async () => {
  const set = await buildFixtures();
  const keyset = createLocalJWKSet(set.jwks);
  for (const [name, { token }] of Object.entries(set.valid)) {
    const { payload } = await jwtVerify(token, keyset, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'] });
    assert.equal(payload.airlock_ver, 1, name);
  }
  await assert.rejects(jwtVerify(set.rotated.token, keyset), 'rotated key is not in the first JWKS');
  await jwtVerify(set.rotated.token, createLocalJWKSet(set.jwks_rotated), { issuer: ISSUER, audience: AUDIENCE });
  assert.equal(decodePart(set.hostile.alg_none!.token, 0).alg, 'none');
  assert.equal(decodePart(set.hostile.hs256_public_key!.token, 0).alg, 'HS256');
  await assert.rejects(compactVerify(set.hostile.tampered_payload!.token, keyset), 'tampered payload must not verify');
  assert.equal('airlock_ver' in decodePart(set.hostile.missing_version!.token, 1), false);
  const long = decodePart(set.hostile.ttl_too_long!.token, 1);
  assert.ok((long.exp as number) - (long.iat as number) > 300);
  assert.ok(Object.keys(set.hostile).length >= 15);
});
