/**
 * The dag_rules claim on the gateway side of the contract: it is in the minted assertion exactly as built, it is
 * absent without airflow_filters_dags, and the verifier-side evaluation of the fixture claims gives what the
 * gateway's rule evaluation decided (the Python side checks the same fixtures: test_dag_rules_contract.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { ACTIONS, DagRulesEvaluator, MAX_DAG_RULES_CLAIM_BYTES, type DagMeta } from '../../../src/policy/index.ts';
import { AUDIENCE, ISSUER, KeyRing, PERSON, TTL_MS, decodePart, mintAssertion } from './mint.ts';
import { buildDagRulesFixtures, DAGS } from './dag-rules-fixtures.ts';

test('dag_rules is an optional claim: absent unless given, carried verbatim when given (contract version unchanged)', async () => {
  const ring = await KeyRing.generateEphemeral();
  const plain = decodePart(await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: TTL_MS }), 1);
  assert.equal('dag_rules' in plain, false);
  const claim = [{ o: 'r--------', match: '*' }, { o: 'a--------', dag_ids: ['example_etl'] }];
  const withRules = decodePart(await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: TTL_MS, dagRules: claim }), 1);
  assert.deepEqual(withRules.dag_rules, claim);
  assert.equal(withRules.airlock_ver, 1);
  const empty = decodePart(await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: TTL_MS, dagRules: [] }), 1);
  assert.deepEqual(empty.dag_rules, []);
});

test('a claim at the size limit adds at most 4.1 KiB to the assertion', async () => {
  const ring = await KeyRing.generateEphemeral();
  const ids = Array.from({ length: 400 }, (_, i) => `dag_${String(i).padStart(4, '0')}`);
  let claim = [{ o: 'r--------', dag_ids: ids }];
  while (Buffer.byteLength(JSON.stringify(claim)) > MAX_DAG_RULES_CLAIM_BYTES) claim = [{ o: 'r--------', dag_ids: claim[0]!.dag_ids.slice(1) }];
  assert.ok(Buffer.byteLength(JSON.stringify(claim)) > MAX_DAG_RULES_CLAIM_BYTES - 20);
  const now = Date.now();
  const without = await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: TTL_MS, now });
  const withClaim = await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: TTL_MS, now, dagRules: claim });
  assert.ok(withClaim.length - without.length <= 4.1 * 1024, `${withClaim.length - without.length}`);
  assert.ok(withClaim.length < 8190 - 'X-Airlock-Assertion: '.length);
});

test('fixture assertions verify, carry the claim, stay within the size bound, and evaluate to the gateway\'s decisions', async () => {
  const f = await buildDagRulesFixtures();
  const keys = createLocalJWKSet(f.jwks);
  assert.deepEqual(f.actions, [...ACTIONS]);
  const kinds = new Set<string>();
  for (const [name, c] of Object.entries(f.cases)) {
    const { payload } = await jwtVerify(c.token, keys, { issuer: f.issuer, audience: f.audience, algorithms: ['ES256'] });
    assert.deepEqual(payload.dag_rules, c.claim, name);
    assert.ok(Buffer.byteLength(JSON.stringify(payload.dag_rules)) <= MAX_DAG_RULES_CLAIM_BYTES, name);
    const ev = DagRulesEvaluator.parse(payload.dag_rules);
    for (const [dag, byAction] of Object.entries(c.outcomes)) {
      const m = DAGS[dag];
      const meta: DagMeta | undefined = m ? m : undefined;
      for (const a of ACTIONS) {
        assert.equal(ev.outcome(dag, a, meta), byAction[a], `${name} ${dag} ${a}`);
        kinds.add(byAction[a]!);
      }
    }
    assert.deepEqual(c.readable, Object.keys(DAGS).filter((d) => ev.permits(d, 'read', DAGS[d] ?? undefined)), name);
    assert.deepEqual(c.editable, Object.keys(DAGS).filter((d) => ev.editable(d, DAGS[d] ?? undefined)), name);
    for (const a of ACTIONS) assert.equal(ev.restrictsAny(a), c.restricts[a], `${name} ${a}`);
  }
  // the fixture set exercises every outcome
  assert.deepEqual([...kinds].sort(), ['allow', 'deny', 'metadata_unavailable', 'none', 'restricted']);
  assert.ok(f.cases.dave_one_dag!.readable.includes('example_etl'));
  assert.ok(!f.cases.dave_one_dag!.readable.includes('finance_daily'));
  assert.ok(!f.cases.dave_one_dag!.readable.includes('deployed_after_last_read'));
});

test('hostile dag_rules fixtures are signed correctly and each is malformed for the verifier-side parser', async () => {
  const f = await buildDagRulesFixtures();
  const keys = createLocalJWKSet(f.jwks);
  for (const [name, h] of Object.entries(f.hostile)) {
    const { payload } = await jwtVerify(h.token, keys, { issuer: f.issuer, audience: f.audience, algorithms: ['ES256'] });
    assert.throws(() => DagRulesEvaluator.parse(payload.dag_rules), TypeError, name);
  }
});
