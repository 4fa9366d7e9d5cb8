/**
 * The dag_rules claim (docs/assertion-contract.md): built per subject from the compiled rules, evaluated on
 * the verifier side (DagRulesEvaluator, as the Python integration does) to exactly what EnvRules.evaluate
 * decides; bounded and dialect-checked at config load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret } from '../../../src/config/secret.ts';
import { ACTIONS, assertPortableRegex, compilePolicy, dagRulesClaimFor, DagRulesEvaluator, MAX_DAG_RULES_CLAIM_BYTES, type DagMeta, type Subject } from '../../../src/policy/index.ts';
import { makeConfig, person } from './helpers.ts';

const NOW = 1_700_000_000_000;
const ENVS = {
  prod: { host: 'prod.example.com', upstream: 'http://127.0.0.1:1', airflow: 2, airflow_filters_dags: true },
  dev: { host: 'dev.example.com', upstream: 'http://127.0.0.1:2', airflow: 3 },
};
const TOKEN = new Secret('t', 'test');

function compiled(dags: unknown[], extra: Record<string, unknown> = {}) {
  return compilePolicy(makeConfig({ environments: ENVS, dags, policy: { dag_metadata: { prod: { token: TOKEN, max_age: '10m' }, dev: { token: TOKEN, max_age: '10m' } }, ...extra } }));
}

test('the claim holds, in rule order, each rule that says something to the subject, one letter per action', () => {
  const p = compiled(
    [
      { id: 'fin', match: 'finance_*', allow: { trigger: ['group:finance'] } },
      { id: 'hr', regex: '^hr_', deny: { '*': ['group:contractors'] } },
      { id: 'list', dag_ids: ['etl_a', 'etl_b'], deny: { delete: ['role:User'] }, allow: { read: ['group:finance', 'group:contractors'] } },
      { id: 'pci', tags: ['pci'], allow: { read: ['group:pci'] } },
      { id: 'owned', owners: ['ops'], deny: { pause: ['user:carl'] } },
    ],
    { env_defaults: { prod: { allow: { clear: ['group:oncall'] } } } },
  );
  const carl = person('carl', ['contractors'], ['User']);
  assert.deepEqual(dagRulesClaimFor(p, 'prod', carl), [
    { o: '-----r---', every: true },
    { o: '----r----', match: 'finance_*' },
    { o: 'ddddddddd', regex: '^hr_' },
    { o: 'a--d-----', dag_ids: ['etl_a', 'etl_b'] },
    { o: 'r--------', tags: ['pci'] },
    { o: '------d--', owners: ['ops'] },
  ]);
  const fin = person('fina', ['finance', 'oncall', 'pci'], ['Viewer']);
  assert.deepEqual(dagRulesClaimFor(p, 'prod', fin), [
    { o: '-----a---', every: true },
    { o: '----a----', match: 'finance_*' },
    { o: 'a--------', dag_ids: ['etl_a', 'etl_b'] },
    { o: 'a--------', tags: ['pci'] },
  ]);
  // cached per subject: the same frozen object for an equal subject (the assertion cache keys on it)
  assert.equal(dagRulesClaimFor(p, 'prod', { ...fin }), dagRulesClaimFor(p, 'prod', fin));
  assert.ok(Object.isFrozen(dagRulesClaimFor(p, 'prod', fin)));
  // a new snapshot (config reload) builds new claims
  const again = compiled([{ id: 'fin', match: 'finance_*', allow: { trigger: ['group:finance'] } }]);
  assert.notEqual(dagRulesClaimFor(again, 'prod', fin), dagRulesClaimFor(p, 'prod', fin));
  // no claim where Airflow does not filter (flag off) or for an unknown environment
  assert.equal(dagRulesClaimFor(p, 'dev', fin), undefined);
  assert.equal(dagRulesClaimFor(p, 'nope', fin), undefined);
  // nobody restricted: an empty claim (present: "the gateway sends rules, none applies to you")
  assert.deepEqual(dagRulesClaimFor(compiled([]), 'prod', fin), []);
});

/** Deterministic pseudo-random numbers (no flaky tests). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('property: the verifier-side evaluation of the claim equals EnvRules.evaluate for every action, DAG and subject', () => {
  const rand = rng(20251205);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const WHO = ['group:a', 'group:b', 'group:c', 'user:u1', 'role:User', 'role:Viewer', 'kind:service', '*'];
  const NAMES = ['read', 'create', 'edit', 'delete', 'trigger', 'clear', 'pause', 'mark_success', 'mark_failed', 'write', 'mark', '*'];
  const DAGS = ['etl', 'etl_a', 'finance_eod', 'finance_x', 'hr_pay', 'hr_x', 'ml', 'x.y-z', 'é_dag', 'a'];
  const SELECTORS = [
    () => ({ match: pick(['finance_*', 'etl*', '*', 'hr_?ay', 'a', '*_x', 'é_*']) }),
    () => ({ regex: pick(['^hr_', 'x$', '^(etl|ml)$', '^[a-f]', 'a.?y', '^é', '_(pay|x)$', '^finance_[a-z]{1,3}$']) }),
    () => ({ dag_ids: [pick(DAGS), pick(DAGS)] }),
    () => ({ tags: [pick(['pci', 'gold', 'x'])] }),
    () => ({ owners: [pick(['ops', 'bob'])] }),
  ];
  const grants = () => {
    const g: Record<string, string[]> = {};
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) g[pick(NAMES)] = [pick(WHO), pick(WHO)];
    return g;
  };
  const META = new Map<string, DagMeta>([
    ['etl', { tags: ['pci'], owners: ['ops'] }], ['finance_eod', { tags: ['gold'], owners: ['bob'] }], ['hr_pay', { tags: [], owners: ['ops', 'bob'] }],
    ['ml', { tags: ['x', 'pci'], owners: [] }], ['a', { tags: [], owners: [] }], ['é_dag', { tags: ['gold'], owners: ['ops'] }],
  ]); // the others have no metadata: tags/owners rules that restrict them fail closed
  const subjects: Subject[] = [
    person('u1', ['a'], ['User']), person('u2', ['b', 'c'], ['Viewer']), person('u3', [], ['Op']),
    { ...person('svc', ['c'], ['User']), kind: 'service' },
  ];
  let compared = 0;
  for (let round = 0; round < 40; round++) {
    const dags = Array.from({ length: 1 + Math.floor(rand() * 5) }, (_, i) => {
      const r: Record<string, unknown> = { id: `r${i}`, ...pick(SELECTORS)() };
      if (rand() < 0.7) r.allow = grants();
      if (!r.allow || rand() < 0.4) r.deny = grants();
      return r;
    });
    const extra = rand() < 0.5 ? { env_defaults: { prod: { allow: grants() } } } : {};
    const p = compiled(dags, extra);
    const rules = p.envs.get('prod')!.rules;
    for (const s of subjects) {
      const claim = dagRulesClaimFor(p, 'prod', s)!;
      const ev = DagRulesEvaluator.parse(JSON.parse(JSON.stringify(claim)));
      for (const dag of DAGS) {
        for (const fresh of [true, false]) {
          const snapshot = { fetchedAt: fresh ? NOW : NOW - 3_600_000, dags: META };
          const meta = fresh ? META.get(dag) : undefined;
          for (const a of ACTIONS) {
            const want = rules.evaluate(s, dag, a, NOW, snapshot).kind;
            assert.equal(ev.outcome(dag, a, meta), want, `round ${round} ${s.username} ${dag} ${a} fresh=${fresh}: ${JSON.stringify(dags)}`);
            compared++;
          }
        }
      }
    }
  }
  assert.ok(compared > 10_000, `compared ${compared}`);
});

test('editable = readable and at least one write action left to the subject; restrictsAny mirrors restrictingAny', () => {
  const p = compiled([
    { id: 'no-trigger', match: 'fin_*', deny: { trigger: ['group:a'] } },
    { id: 'no-writes', match: 'hr_*', deny: { write: ['group:a'] } },
    { id: 'blind-trigger', match: 'ops_*', deny: { read: ['group:a'] } },
  ]);
  const s = person('x', ['a'], ['User']);
  const ev = DagRulesEvaluator.parse(dagRulesClaimFor(p, 'prod', s));
  assert.equal(ev.editable('fin_1', { tags: [], owners: [] }), true);
  assert.equal(ev.editable('hr_1', { tags: [], owners: [] }), false);
  assert.equal(ev.permits('hr_1', 'read', undefined), true);
  // may trigger but not read: never offered for editing (Airflow lists DAG runs by "editable")
  assert.equal(ev.permits('ops_1', 'trigger', undefined), true);
  assert.equal(ev.editable('ops_1', undefined), false);
  assert.equal(ev.restrictsAny('read'), true);
  assert.equal(ev.restrictsAny('trigger'), true);
  const rules = p.envs.get('prod')!.rules;
  for (const a of ACTIONS) assert.equal(ev.restrictsAny(a), rules.restrictingAny(s, a, `k-${a}`).length > 0, a);
});

test('hostile claims are refused by the verifier-side parser', () => {
  for (const bad of [
    {},
    [{ o: 'a' , every: true }],
    [{ o: 'aaaaaaaaaa', every: true }],
    [{ o: 'xxxxxxxxx', every: true }],
    [{ o: 'a--------' }],
    [{ o: 'a--------', every: true, match: '*' }],
    [{ o: 'a--------', every: false }],
    [{ o: 'a--------', dag_ids: [] }],
    [{ o: 'a--------', dag_ids: 'etl' }],
    [{ o: 'a--------', tags: [''] }],
    [{ o: 'a--------', regex: '(?=x)' }],
    [{ o: 'a--------', regex: '\\w+' }],
    [{ o: 'a--------', nope: 1 }],
    [null],
  ]) {
    assert.throws(() => DagRulesEvaluator.parse(bad), TypeError, JSON.stringify(bad));
  }
});

test('config load: with airflow_filters_dags a regex outside the shared dialect is refused; without the flag it is not', () => {
  const rule = { id: 'words', regex: '^\\w+_daily$', deny: { read: ['group:x'] } };
  assert.throws(() => compiled([rule]), /dags rule words: environments\.prod\.airflow_filters_dags is on.*\\w is not portable/);
  // only in the flagged environment
  assert.doesNotThrow(() => compiled([{ ...rule, env: 'dev' }]));
  assert.doesNotThrow(() => compiled([{ ...rule, regex: '^[A-Za-z0-9_]+_daily$' }]));
});

test('config load: a rule set whose claim could exceed the documented bound is refused', () => {
  const ids = Array.from({ length: 200 }, (_, i) => `a_rather_long_dag_identifier_${i}`);
  assert.throws(() => compiled([{ id: 'big', dag_ids: ids, allow: { read: ['group:x'] } }]), (e: unknown) => e instanceof TypeError && e.message.includes(`limit ${MAX_DAG_RULES_CLAIM_BYTES}`) && e.message.includes('environments.prod.airflow_filters_dags'));
  assert.doesNotThrow(() => compiled([{ id: 'big', env: 'dev', dag_ids: ids, allow: { read: ['group:x'] } }]));
  assert.doesNotThrow(() => compiled([{ id: 'small', dag_ids: ids.slice(0, 20), allow: { read: ['group:x'] } }]));
});

test('the portable regex dialect: what JavaScript and Python agree on is accepted, the rest refused', () => {
  for (const ok of ['^hr_', 'x$', '^(etl|ml)$', '^(?:a|b)+?c{2,3}$', '[a-z0-9_.-]', '[^-a]', '[a-]', '\\.\\$\\/', 'é_.*', 'a{2}', 'a{2,}', '[\\]\\-]', '()', 'a|']) {
    assert.doesNotThrow(() => assertPortableRegex(ok), ok);
  }
  for (const bad of ['\\d', '\\w+', '\\s', '\\bx', '(?=a)', '(?!a)', '(?<n>a)', '(?i)a', '\\1', 'a*+', 'a++', 'a{,3}', 'a{3,1}', '{2}', '*a', '^*', '[]', '[^]', '[[a]]', '[a--b]', '[a&&b]', '[a-b-c]', '[z-a]', 'a]', 'a}', '(a', 'a)', '\\x41', '\\u0041', '\\n', '\\-', 'a\u0000', '']) {
    assert.throws(() => assertPortableRegex(bad), TypeError, bad);
  }
});

test('the claim for a person and the decision agree: allowed DAG reads are exactly what the claim permits', () => {
  const p = compiled([
    { id: 'all-staff', match: '*', allow: { read: ['group:staff'] } },
    { id: 'one', dag_ids: ['example_etl'], allow: { read: ['group:partners'] } },
  ]);
  const pat = person('pat', ['partners'], ['Viewer']);
  const ev = DagRulesEvaluator.parse(dagRulesClaimFor(p, 'prod', pat));
  const readable = ['example_etl', 'finance_daily', 'ml_training'].filter((d) => ev.permits(d, 'read', { tags: [], owners: [] }));
  assert.deepEqual(readable, ['example_etl']);
});
