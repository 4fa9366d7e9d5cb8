import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAirlockError } from '../../../src/errors/index.ts';
import { canonicalizeTarget, classify, compilePolicy, decide, readBodyDagIds, type Classification } from '../../../src/policy/index.ts';
import { makeConfig, person } from './helpers.ts';

// Everybody may act on every DAG except "secret" (denied to all, for every action).
const policy = compilePolicy(makeConfig({ dags: [{ id: 'no-secret', dag_ids: ['secret'], deny: { '*': ['*'] } }] }));
const admin = person('mallory', ['admins'], ['Admin']);

function outcome(method: string, target: string, env = 'prod', body?: { type: string; text: string }): { refused: string } | { effect: string; c: Classification } {
  try {
    const t = canonicalizeTarget(method, target);
    let c = classify(policy, env === 'prod' ? 2 : 3, t);
    if (body) c = readBodyDagIds(c, body.type, Buffer.from(body.text));
    return { effect: decide(policy, admin, env, c, { now: 0 }).effect, c };
  } catch (err) {
    if (isAirlockError(err) && err.status >= 400 && err.status < 500) return { refused: err.code };
    throw err;
  }
}

const SECRET_FORMS = ['secret', '%73ecret', 'secre%74', '%73%65%63%72%65%74', 'SECRET', 'Secret', 'secret.', 'secret..', 'secret%2e', '%EF%BD%93ecret', 's%D0%B5cret', 'secret%00', 'secret%20', 'secret%252e', '%2573ecret', 'secret~', 'secret%7e'];
const PREFIXES = ['/api/v1/dags/', '/api/v1/dags/ok/../', '/api/v1/dags/ok/%2e%2e/', '/api/v1/dags/ok%2f..%2f', '/api/v1/dags/./', '/api/v1//dags/', '/API/v1/dags/', '/api/v1/dags%2f', '/api/v1/dags\\', '/api/v1/dags;x=1/', '/api/v1/dags/ok%5c..%5c', '/dags/', '/dags/ok/%2e%2e/'];
const SUFFIXES = ['', '/dagRuns', '/details', '/', '?x=1', '#frag', ';jsessionid=1', '/%2e', '/.', '/code'];

function corpus(): string[] {
  const out = new Set<string>();
  for (const p of PREFIXES) for (const s of SECRET_FORMS) out.add(`${p}${s}`);
  for (const s of SECRET_FORMS) for (const suf of SUFFIXES) out.add(`/api/v1/dags/${s}${suf}`);
  for (const s of SECRET_FORMS) {
    out.add(`/dags/${s}/grid`);
    out.add(`/rendered-templates?dag_id=${s}`);
    out.add(`/api/v1/dags/ok?dag_id=${s}`);
    out.add(`/api/v1/dags/~/dagRuns?dag_id=${s}`);
  }
  return [...out];
}

test('a corpus of >= 200 encoded or obfuscated paths never reaches the forbidden DAG', () => {
  const paths = corpus();
  assert.ok(paths.length >= 200, `corpus has ${paths.length}`);
  let refused = 0;
  for (const p of paths) {
    for (const method of ['GET', 'POST']) {
      const o = outcome(method, p);
      if ('refused' in o) {
        refused++;
        continue;
      }
      if (o.effect === 'allow') {
        // Allowed only when the forwarded request names no "secret" in any form Airflow would decode to it.
        assert.ok(!o.c.dagIds.includes('secret'), `${method} ${p} allowed with secret`);
        assert.ok(!/\/secret(\/|$|\?)/.test(decodeURIComponent(o.c.target.forwardTarget)), `${method} ${p} forwards ${o.c.target.forwardTarget}`);
        const again = canonicalizeTarget(method, o.c.target.forwardTarget);
        assert.equal(again.forwardTarget, o.c.target.forwardTarget);
      }
    }
  }
  assert.ok(refused > 100, `expected most of the corpus to be refused outright, got ${refused}`);
});

test('specific refusals carry specific codes', () => {
  const code = (t: string, m = 'GET') => ('refused' in outcome(m, t) ? (outcome(m, t) as { refused: string }).refused : 'accepted');
  assert.equal(code('/api/v1/dags/ok/../secret'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  assert.equal(code('/api/v1/dags/%2e%2e/secret'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  assert.equal(code('/api/v1/dags/a%2fb'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  assert.equal(code('/api/v1/dags/a%5cb'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  assert.equal(code('/api/v1/dags/a\\b'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  assert.equal(code('/api/v1/dags/a;b'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  assert.equal(code('/api/v1//dags'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  assert.equal(code('/api/v1/dags/a%00'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  assert.equal(code('/api/v1/dags/%EF%BC%8Fsecret'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET'); // fullwidth solidus
  assert.equal(code('/api/v1/dags/%252f'), 'AIRLOCK_POLICY_BAD_ENCODING');
  assert.equal(code('/api/v1/dags/a%2'), 'AIRLOCK_POLICY_BAD_ENCODING');
  assert.equal(code('/api/v1/dags/a%zz'), 'AIRLOCK_POLICY_BAD_ENCODING');
  assert.equal(code('/api/v1/dags/%ff'), 'AIRLOCK_POLICY_BAD_ENCODING');
  assert.equal(code('/api/v1/dags/secret%20x'), 'AIRLOCK_POLICY_BAD_DAG_ID');
  assert.equal(code('/api/v1/dags/%EF%BD%93ecret'), 'accepted'); // fullwidth "s" is \w: a different DAG to Airflow too
  assert.equal(code('http://evil/api/v1/dags/secret'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  assert.equal(code('/api/v1/dags/secret'), 'accepted');
  assert.equal((outcome('GET', '/api/v1/dags/secret') as { effect: string }).effect, 'deny');
  assert.equal((outcome('GET', '/api/v1/dags/%73ecret') as { effect: string }).effect, 'deny');
});

test('parameter pollution on dag_id is refused (Werkzeug takes the first, Starlette the last)', () => {
  assert.deepEqual(outcome('GET', '/rendered-templates?dag_id=ok&dag_id=secret'), { refused: 'AIRLOCK_POLICY_PARAM_POLLUTION' });
  assert.deepEqual(outcome('GET', '/rendered-templates?dag_id=ok&dag%5Fid=secret'), { refused: 'AIRLOCK_POLICY_PARAM_POLLUTION' });
  assert.deepEqual(outcome('GET', '/ui/structure/structure_data?dag_id=ok&dag_id=secret', 'dev'), { refused: 'AIRLOCK_POLICY_PARAM_POLLUTION' });
  assert.deepEqual(outcome('POST', '/clear', 'prod', { type: 'application/x-www-form-urlencoded', text: 'dag_id=ok&dag_id=secret' }), { refused: 'AIRLOCK_POLICY_PARAM_POLLUTION' });
  // query and form disagree
  assert.deepEqual(outcome('POST', '/delete?dag_id=ok', 'prod', { type: 'application/x-www-form-urlencoded', text: 'dag_id=secret' }), { refused: 'AIRLOCK_POLICY_DAG_MISMATCH' });
  // path and query disagree
  assert.deepEqual(outcome('GET', '/api/v1/dags/ok?dag_id=secret'), { refused: 'AIRLOCK_POLICY_DAG_MISMATCH' });
});

test('a body dag_ids list with one forbidden id is denied; all allowed ids pass', () => {
  const json = (ids: string[]) => ({ type: 'application/json', text: JSON.stringify({ dag_ids: ids }) });
  const bad = outcome('POST', '/api/v1/dags/~/dagRuns/list', 'prod', json(['a', 'b', 'secret']));
  assert.ok('effect' in bad && bad.effect === 'deny');
  const good = outcome('POST', '/api/v1/dags/~/dagRuns/list', 'prod', json(['a', 'b']));
  assert.ok('effect' in good && good.effect === 'allow' && good.c.allDags === false);
  const form = outcome('POST', '/dag_stats', 'prod', { type: 'application/x-www-form-urlencoded', text: 'dag_ids=a&dag_ids=secret' });
  assert.ok('effect' in form && form.effect === 'deny');
  const last = outcome('POST', '/last_dagruns', 'prod', { type: 'application/x-www-form-urlencoded', text: 'dag_ids=a&dag_ids=b' });
  assert.ok('effect' in last && last.effect === 'allow');
});

test('~ tricks: "~" with no ids, or on a single-DAG route, needs every DAG', () => {
  for (const [m, t, body] of [
    ['POST', '/api/v1/dags/~/dagRuns/list', { type: 'application/json', text: '{}' }],
    ['POST', '/api/v1/dags/~/dagRuns/list', { type: 'application/json', text: '{"dag_ids": []}' }],
    ['GET', '/api/v1/dags/~/dagRuns', undefined],
    ['POST', '/api/v1/dags/~/dagRuns', { type: 'application/json', text: '{}' }],
    ['POST', '/api/v1/dags/~/clearTaskInstances', { type: 'application/json', text: '{"dry_run": true}' }],
    ['POST', '/api/v2/dags/~/dagRuns/list', { type: 'application/json', text: '{"dag_ids": null}' }],
    ['GET', '/api/v1/dags', undefined],
    ['POST', '/dag_stats', undefined],
    ['GET', '/rendered-templates', undefined],
  ] as const) {
    const o = outcome(m, t, t.startsWith('/api/v2') ? 'dev' : 'prod', body);
    assert.ok('effect' in o, `${m} ${t} refused`);
    assert.equal(o.effect, 'deny', `${m} ${t}`);
    assert.ok(o.c.allDags || o.c.dagIds.length === 0);
  }
  // "~" as a body dag_id is not a dag id
  assert.deepEqual(outcome('POST', '/api/v1/dags/~/dagRuns/list', 'prod', { type: 'application/json', text: '{"dag_ids": ["~"]}' }), { refused: 'AIRLOCK_POLICY_BAD_DAG_ID' });
});

test('a JSON body that names a different dag_id than the path is refused', () => {
  const j = (text: string) => ({ type: 'application/json', text });
  assert.deepEqual(outcome('POST', '/api/v1/dags/ok/dagRuns', 'prod', j('{"dag_id":"secret"}')), { refused: 'AIRLOCK_POLICY_DAG_MISMATCH' });
  assert.deepEqual(outcome('POST', '/api/v1/dags/ok/clearTaskInstances', 'prod', j('{"dag_ids":["secret"]}')), { refused: 'AIRLOCK_POLICY_DAG_MISMATCH' });
  assert.deepEqual(outcome('POST', '/api/v1/dags/ok/dagRuns', 'prod', j('{"dag_id":"ok","dag_id":"secret"}')), { refused: 'AIRLOCK_POLICY_BAD_BODY' });
  assert.deepEqual(outcome('POST', '/api/v1/dags/ok/dagRuns', 'prod', j('{"dag\\u005fid":"ok","dag_id":"secret"}')), { refused: 'AIRLOCK_POLICY_BAD_BODY' });
  assert.deepEqual(outcome('POST', '/api/v1/dags/ok/dagRuns', 'prod', j('{"dag_id": 5}')), { refused: 'AIRLOCK_POLICY_BAD_BODY' });
  assert.deepEqual(outcome('POST', '/api/v1/dags/ok/dagRuns', 'prod', j('{not json')), { refused: 'AIRLOCK_POLICY_BAD_BODY' });
  assert.deepEqual(outcome('POST', '/api/v1/dags/ok/dagRuns', 'prod', { type: 'text/plain', text: 'dag_id=secret' }), { refused: 'AIRLOCK_POLICY_UNSUPPORTED_BODY' });
  assert.deepEqual(outcome('POST', '/api/v2/backfills', 'dev', j('{"dag_id":"secret","from_date":"x"}')).hasOwnProperty('effect') ? 'decided' : 'refused', 'decided');
  const backfill = outcome('POST', '/api/v2/backfills', 'dev', j('{"dag_id":"secret"}'));
  assert.ok('effect' in backfill && backfill.effect === 'deny');
  // conf is the run's payload, not a DAG reference
  const conf = outcome('POST', '/api/v1/dags/ok/dagRuns', 'prod', j('{"conf":{"dag_id":"secret"}}'));
  assert.ok('effect' in conf && conf.effect === 'allow');
  const same = outcome('POST', '/api/v1/dags/ok/dagRuns', 'prod', j('{"dag_id":"ok"}'));
  assert.ok('effect' in same && same.effect === 'allow');
});

test('bodies read for DAG ids are size-limited and left byte-identical', () => {
  const c = classify(policy, 2, canonicalizeTarget('POST', '/api/v1/dags/~/dagRuns/list'));
  const big = Buffer.alloc(policy.maxBody + 1, 0x20);
  assert.throws(() => readBodyDagIds(c, 'application/json', big), (e: unknown) => isAirlockError(e) && e.code === 'AIRLOCK_POLICY_BODY_TOO_LARGE' && e.status === 413);
  const body = Buffer.from('{"dag_ids":["a"],  "x": "é"}');
  const copy = Buffer.from(body);
  readBodyDagIds(c, 'application/json; charset=utf-8', body);
  assert.ok(body.equals(copy));
});

const SAFE = fc.constantFrom('a', 'Z', '0', '_', '-', '.', '~', '%41', '%2e', '%2f', '%25', '%', '+', '=', '&', '?', '/', ':', '@', '%C3%A9', 'é', ';', '\\', '#', ' ', 'dag_id=', 'dags', 'api', 'v1', '..', '%00');
const targetArb = fc.array(SAFE, { maxLength: 14 }).map((parts) => `/${parts.join('')}`);

test('property: canonicalization is idempotent', () => {
  fc.assert(
    fc.property(targetArb, fc.constantFrom('GET', 'POST', 'HEAD'), (raw, method) => {
      let t;
      try {
        t = canonicalizeTarget(method, raw);
      } catch (err) {
        assert.ok(isAirlockError(err) && err.status === 400, String(err));
        return;
      }
      const again = canonicalizeTarget(method, t.forwardTarget);
      assert.equal(again.forwardTarget, t.forwardTarget);
      assert.equal(again.path, t.path);
      assert.deepEqual([...again.query.entries()], [...t.query.entries()]);
    }),
    { numRuns: 1500 },
  );
});

const dagPathArb = fc
  .tuple(
    fc.constantFrom('/api/v1/dags/', '/dags/', '/api/v1/dags/x/../', '/rendered-templates?dag_id=', '/api/v1/dags/ok?dag_id=', '/api/v1/dags/'),
    fc.array(fc.constantFrom('s', 'e', 'c', 'r', 't', '%73', '%65', '.', '%2e', '_', '%5F', 'S', '%2F', '~'), { minLength: 1, maxLength: 8 }),
    fc.constantFrom('', '/dagRuns', '/grid', '/details', '&x=1', '?y=2'),
  )
  .map(([a, b, c]) => `${a}${b.join('')}${c}`);

test('property: the forwarded request decides the same as the checked one', () => {
  const subjects = [admin, person('v', ['viewers'], ['Viewer']), person('u', ['data-eng'], ['User'])];
  fc.assert(
    fc.property(fc.oneof(targetArb, dagPathArb), fc.constantFrom('GET', 'POST', 'DELETE'), fc.constantFrom(0, 1, 2), (raw, method, si) => {
      let t;
      try {
        t = canonicalizeTarget(method, raw);
      } catch {
        return;
      }
      const s = subjects[si]!;
      let d1;
      try {
        d1 = decide(policy, s, 'prod', classify(policy, 2, t), { now: 0 });
      } catch (err) {
        assert.ok(isAirlockError(err));
        assert.throws(() => classify(policy, 2, canonicalizeTarget(method, t.forwardTarget)));
        return;
      }
      const d2 = decide(policy, s, 'prod', classify(policy, 2, canonicalizeTarget(method, t.forwardTarget)), { now: 0 });
      assert.deepEqual(d2, d1);
      if (d1.effect === 'allow') assert.ok(!d1.dagIds.includes('secret'));
    }),
    { numRuns: 1500 },
  );
});
