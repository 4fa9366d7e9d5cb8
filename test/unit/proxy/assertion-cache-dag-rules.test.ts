/**
 * The assertion cache and the dag_rules claim: the cached assertion is reused while the claim object is the same
 * (the policy caches one frozen claim per subject per config snapshot) and re-minted when it changes (a reload
 * that changed the rules), so Airflow never filters by stale rules for longer than one request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import type { Identity } from '../../../src/identity/index.ts';
import { KeyRing } from '../../../src/keys/index.ts';
import { AssertionCache } from '../../../src/proxy/index.ts';

const ada: Identity = {
  kind: 'person', sub: 'sub-ada', username: 'ada', email: 'ada@example.com', name: 'Ada', groups: ['g'], roles: ['Viewer'], sessionId: 'sess-1', mfa: { method: 'none' },
};

test('same claim object: the cached assertion; another claim object: a new assertion carrying it', async () => {
  const cache = new AssertionCache(await KeyRing.generateEphemeral(), 'https://airflow.example.com', 300_000);
  const now = Date.now();
  const before = Object.freeze([Object.freeze({ o: 'r--------', match: '*' })]);
  const first = await cache.get(ada, 'prod', now, before);
  assert.deepEqual(decodeJwt(first).dag_rules, before);
  assert.equal(cache.peek(ada, 'prod', now + 1000, before), first);
  assert.equal(await cache.get(ada, 'prod', now + 1000, before), first);
  const after = Object.freeze([Object.freeze({ o: 'a--------', match: '*' })]);
  assert.equal(cache.peek(ada, 'prod', now + 1000, after), undefined);
  const second = await cache.get(ada, 'prod', now + 1000, after);
  assert.notEqual(second, first);
  assert.deepEqual(decodeJwt(second).dag_rules, after);
  // an environment without airflow_filters_dags: no claim at all
  assert.equal(cache.peek(ada, 'prod', now + 1000), undefined);
  const none = await cache.get(ada, 'prod', now + 1000);
  assert.equal('dag_rules' in decodeJwt(none), false);
});
