/**
 * The callers the gateway speaks for itself (docs/assertion-contract.md, "Gateway principals"), pinned on the
 * gateway side: the anonymous assertion of an allow-listed forward and the DAG metadata reader's. The Python side
 * (integrations/airflow/tests/test_gateway_principals.py) verifies the same tokens from the fixture set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANONYMOUS_CALLER, DAG_METADATA_READER } from '../../../src/proxy/index.ts';
import { AUDIENCE, ISSUER, KeyRing, PERSON, SERVICE, TTL_MS, decodePart, mintAssertion } from './mint.ts';
import { buildFixtures } from './fixtures.ts';

const REQUIRED_CLAIMS = ['airlock_ver', 'amr', 'aud', 'exp', 'groups', 'iat', 'iss', 'jti', 'kind', 'preferred_username', 'roles', 'sid', 'sub'];

const claimsOf = async (identity: typeof PERSON) => {
  const ring = await KeyRing.generateEphemeral();
  return decodePart(await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity, ttlMs: TTL_MS }), 1);
};

test('the anonymous assertion: the contract claims plus anonymous: true, a service with no groups, roles or amr', async () => {
  const c = await claimsOf(ANONYMOUS_CALLER);
  assert.deepEqual(Object.keys(c).sort(), [...REQUIRED_CLAIMS, 'anonymous'].sort());
  assert.equal(c.anonymous, true);
  assert.equal(c.kind, 'service');
  assert.equal(c.sub, 'airlock:anonymous');
  assert.equal(c.preferred_username, 'airlock-anonymous');
  assert.deepEqual([c.groups, c.roles, c.amr, c.sid], [[], [], [], '']);
  assert.equal(c.airlock_ver, 1, 'an optional claim: same contract version');
});

test('no other assertion carries anonymous: not a person, not a machine token, not the DAG metadata reader', async () => {
  for (const identity of [PERSON, SERVICE, DAG_METADATA_READER, { ...ANONYMOUS_CALLER }]) {
    const c = await claimsOf(identity);
    assert.equal(c.anonymous, undefined, `${identity.username}${identity === ANONYMOUS_CALLER ? '' : ' (a copy of the anonymous caller is not it)'}`);
  }
});

test('the DAG metadata reader: a service airlock-dag-metadata with the Viewer role', async () => {
  const c = await claimsOf(DAG_METADATA_READER);
  assert.deepEqual(Object.keys(c).sort(), [...REQUIRED_CLAIMS, 'name'].sort());
  assert.equal(c.kind, 'service');
  assert.equal(c.sub, 'airlock:dag-metadata');
  assert.equal(c.preferred_username, 'airlock-dag-metadata');
  assert.deepEqual(c.roles, ['Viewer']);
  assert.deepEqual(c.groups, []);
});

test('the fixture set hands both to the Python verifier, and hostile anonymous variants with their refusal', async () => {
  const f = await buildFixtures();
  assert.equal(decodePart(f.gateway_principals.anonymous.token, 1).anonymous, true);
  assert.equal(f.gateway_principals.anonymous.expect.anonymous, true);
  assert.equal(f.gateway_principals.dag_metadata_reader.expect.username, 'airlock-dag-metadata');
  for (const name of ['anonymous_with_roles', 'anonymous_with_groups', 'anonymous_person', 'anonymous_false', 'anonymous_as_string']) {
    const h = f.hostile[name];
    assert.ok(h, name);
    assert.deepEqual([h.code, h.reason], ['AIRLOCK_AIRFLOW_ASSERTION_INVALID', 'claims'], name);
    assert.ok('anonymous' in decodePart(h.token, 1), `${name} carries the claim`);
  }
});
