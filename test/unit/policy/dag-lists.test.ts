/**
 * DAG lists (docs/policy.md "What lists do"): lists Airflow filters are forwarded to rule-restricted people only
 * where the environment has airflow_filters_dags; query parameters that name DAGs are DAG sources; dataset,
 * asset, import-error and job lists are no longer forwarded without a DAG check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAirlockError } from '../../../src/errors/index.ts';
import { canonicalizeTarget, classify, compilePolicy, decide, readBodyDagIds, routesFor, type Decision, type Subject } from '../../../src/policy/index.ts';
import { listTableKeys } from '../../../src/policy/lists.ts';
import { makeConfig, person } from './helpers.ts';

const NOW = 1_700_000_000_000;
const RULES = [
  // everybody but staff is restricted to what another rule grants them...
  { id: 'staff-read-all', match: '*', allow: { read: ['group:staff'] } },
  // ...and partners get exactly one DAG
  { id: 'partners-one-dag', dag_ids: ['example_etl'], allow: { read: ['group:partners', 'group:staff'] } },
  { id: 'no-hr', regex: '^hr_', deny: { '*': ['group:partners'] } },
];
const ENVS = (flag: boolean) => ({
  prod: { host: 'prod.example.com', upstream: 'http://127.0.0.1:1', airflow: 2, ...(flag ? { airflow_filters_dags: true } : {}) },
  dev: { host: 'dev.example.com', upstream: 'http://127.0.0.1:2', airflow: 3, ...(flag ? { airflow_filters_dags: true } : {}) },
});
const plain = compilePolicy(makeConfig({ environments: ENVS(false), dags: RULES }));
const filtering = compilePolicy(makeConfig({ environments: ENVS(true), dags: RULES }));

const partner = person('pat', ['partners'], ['Viewer']);
const staff = person('sam', ['staff'], ['Viewer']);
/** Audit Logs need more than Viewer in 2.10 */
const partnerAdmin = person('pam', ['partners'], ['Admin']);

function run(policy: typeof plain, s: Subject, method: string, target: string, env: 'prod' | 'dev' = 'prod', body?: string): Decision {
  let c = classify(policy, env === 'prod' ? 2 : 3, canonicalizeTarget(method, target));
  if (body !== undefined) c = readBodyDagIds(c, body.startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded', Buffer.from(body));
  return decide(policy, s, env, c, { now: NOW });
}
const codes = (d: Decision) => d.reasons.map((r) => r.code);
function refusedWith(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => isAirlockError(e) && e.code === code && e.status === 400);
}

const FILTERED_LISTS: [string, string, 'prod' | 'dev'][] = [
  ['GET', '/home', 'prod'],
  ['GET', '/api/v1/dags', 'prod'],
  ['GET', '/api/v1/dags/~/dagRuns', 'prod'],
  ['GET', '/api/v1/dags/~/dagRuns/~/taskInstances', 'prod'],
  ['GET', '/api/v1/dagWarnings', 'prod'],
  ['GET', '/api/v1/importErrors', 'prod'],
  ['GET', '/api/v1/importErrors/7', 'prod'],
  ['GET', '/dagmodel/autocomplete?query=e', 'prod'],
  ['GET', '/dagrun/list/', 'prod'],
  ['GET', '/taskinstance/list/?_flt_3_dag_id=x', 'prod'],
  ['GET', '/job/list/', 'prod'],
  ['GET', '/api/v2/dags', 'dev'],
  ['GET', '/ui/dags', 'dev'],
  ['GET', '/api/v2/dagStats', 'dev'],
  ['GET', '/ui/dashboard/dag_stats', 'dev'],
  ['GET', '/api/v2/dags/~/dagRuns', 'dev'],
  ['GET', '/api/v2/importErrors', 'dev'],
];

test('without airflow_filters_dags a rule-restricted person gets no unfiltered DAG list (all_dags_required), /home included', () => {
  for (const [m, t, env] of FILTERED_LISTS) {
    const d = run(plain, partner, m, t, env);
    assert.equal(d.effect, 'deny', `${m} ${t}`);
    assert.ok(codes(d).includes('all_dags_required'), `${m} ${t}: ${codes(d)}`);
    assert.equal(d.upstreamFilter, undefined);
  }
});

test('with airflow_filters_dags the same lists are forwarded, marked as relying on Airflow\'s filter', () => {
  for (const [m, t, env] of FILTERED_LISTS) {
    const d = run(filtering, partner, m, t, env);
    assert.equal(d.effect, 'allow', `${m} ${t}: ${codes(d)}`);
    assert.equal(d.upstreamFilter, true, `${m} ${t}`);
    assert.ok(d.reasons.some((r) => r.code === 'airflow_filters_list' && r.rule?.id === 'staff-read-all'), `${m} ${t}`);
  }
  // the Flask UI's XHRs without dag_ids (Airflow then uses every permitted DAG)
  for (const t of ['/dag_stats', '/task_stats', '/last_dagruns', '/blocked']) {
    assert.equal(run(plain, partner, 'POST', t, 'prod', 'csrf_token=x').effect, 'deny', t);
    const d = run(filtering, partner, 'POST', t, 'prod', 'csrf_token=x');
    assert.equal(d.effect, 'allow', t);
    assert.equal(d.upstreamFilter, true, t);
  }
});

test('a person no rule restricts gets every list as before, without relying on Airflow', () => {
  for (const [m, t, env] of FILTERED_LISTS) {
    for (const policy of [plain, filtering]) {
      const d = run(policy, staff, m, t, env);
      assert.equal(d.effect, 'allow', `${m} ${t}`);
      assert.equal(d.upstreamFilter, undefined, `${m} ${t}`);
    }
  }
});

test('lists Airflow does not filter stay refused for a restricted person even with airflow_filters_dags', () => {
  for (const [m, t, env] of [
    ['GET', '/api/v1/datasets', 'prod'],
    ['GET', '/api/v1/datasets/events', 'prod'],
    ['GET', '/api/v2/assets', 'dev'],
    ['GET', '/api/v2/assets/events', 'dev'],
    ['GET', '/api/v2/jobs', 'dev'],
  ] as const) {
    const d = run(filtering, partner, m, t, env);
    assert.equal(d.effect, 'deny', `${m} ${t}`);
    assert.ok(codes(d).includes('all_dags_required'), `${m} ${t}: ${codes(d)}`);
  }
  // pausing every editable DAG matching a pattern: Airflow filters it by "editable", which is not the pause rule
  const pause = run(filtering, partnerAdmin, 'PATCH', '/api/v1/dags?dag_id_pattern=%25', 'prod', '{"is_paused":true}');
  assert.equal(pause.effect, 'deny');
  assert.ok(codes(pause).includes('all_dags_required'), codes(pause).join());
  const pause3 = run(filtering, partnerAdmin, 'PATCH', '/api/v2/dags?dag_id_pattern=%25', 'dev', '{"is_paused":true}');
  assert.equal(pause3.effect, 'deny');
  assert.ok(codes(pause3).includes('all_dags_required'), codes(pause3).join());
  const logs = run(filtering, partnerAdmin, 'GET', '/api/v1/eventLogs');
  assert.equal(logs.effect, 'deny');
  assert.ok(codes(logs).includes('all_dags_required'));
  // before this change these forwarded without any DAG check: an unrestricted person still gets them
  assert.equal(run(filtering, staff, 'GET', '/api/v1/datasets/events').effect, 'allow');
  assert.equal(run(filtering, staff, 'GET', '/api/v2/jobs', 'dev').effect, 'allow');
});

test('dag_ids / source_dag_id name DAGs: allowed when every one is allowed, and then no filter is relied on', () => {
  for (const policy of [plain, filtering]) {
    const cases: [string, string, 'prod' | 'dev'][] = [
      ['GET', '/ui/dags?dag_ids=example_etl', 'dev'],
      ['GET', '/api/v2/dagStats?dag_ids=example_etl', 'dev'],
      ['GET', '/api/v1/dagStats?dag_ids=example_etl', 'prod'],
      ['GET', '/api/v1/datasets?dag_ids=example_etl', 'prod'],
      ['GET', '/api/v1/datasets/events?source_dag_id=example_etl', 'prod'],
      ['GET', '/api/v2/assets?dag_ids=example_etl', 'dev'],
      ['GET', '/api/v2/assets/events?source_dag_id=example_etl&limit=5', 'dev'],
    ];
    for (const [m, t, env] of cases) {
      const d = run(policy, partner, m, t, env);
      assert.equal(d.effect, 'allow', `${t}: ${codes(d)}`);
      assert.deepEqual(d.dagIds, ['example_etl'], t);
      assert.equal(d.upstreamFilter, undefined, t);
    }
  }
});

test('hostile: a dag_ids list naming one allowed and one denied DAG is refused, whichever the form', () => {
  for (const policy of [plain, filtering]) {
    const cases: [string, string, 'prod' | 'dev', string][] = [
      ['GET', '/api/v1/dagStats?dag_ids=example_etl,finance_daily', 'prod', 'rule_not_allowed'],
      ['GET', '/api/v1/datasets?dag_ids=example_etl,hr_payroll', 'prod', 'rule_deny'],
      ['GET', '/ui/dags?dag_ids=example_etl&dag_ids=finance_daily', 'dev', 'rule_not_allowed'],
      ['GET', '/api/v2/dagStats?dag_ids=finance_daily&dag_ids=example_etl', 'dev', 'rule_not_allowed'],
      ['GET', '/api/v2/assets?dag_ids=example_etl&dag_ids=hr_payroll', 'dev', 'rule_deny'],
      ['GET', '/api/v1/datasets/events?source_dag_id=hr_payroll', 'prod', 'rule_deny'],
      ['GET', '/api/v2/assets/events?source_dag_id=finance_daily', 'dev', 'rule_not_allowed'],
    ];
    for (const [m, t, env, code] of cases) {
      const d = run(policy, partner, m, t, env);
      assert.equal(d.effect, 'deny', t);
      assert.ok(codes(d).includes(code), `${t}: ${codes(d)}`);
    }
    // the Flask XHRs and "~" batch lists with ids in the body, even though Airflow would filter them
    const form = run(policy, partner, 'POST', '/dag_stats', 'prod', 'dag_ids=example_etl&dag_ids=finance_daily');
    assert.equal(form.effect, 'deny');
    const batch = run(policy, partner, 'POST', '/api/v1/dags/~/dagRuns/list', 'prod', '{"dag_ids":["example_etl","hr_payroll"]}');
    assert.equal(batch.effect, 'deny');
    assert.ok(codes(batch).includes('rule_deny'));
    assert.equal(run(policy, partner, 'POST', '/api/v1/dags/~/dagRuns/list', 'prod', '{"dag_ids":["example_etl"]}').effect, 'allow');
  }
});

test('hostile: repeated single-value DAG parameters and bad ids in DAG lists are refused (400)', () => {
  // Airflow 2 reads dag_ids as one comma-separated string: a second key is ambiguous
  refusedWith(() => classify(plain, 2, canonicalizeTarget('GET', '/api/v1/dagStats?dag_ids=example_etl&dag_ids=hr_payroll')), 'AIRLOCK_POLICY_PARAM_POLLUTION');
  refusedWith(() => classify(plain, 2, canonicalizeTarget('GET', '/api/v1/datasets?dag_ids=a&dag_ids=b')), 'AIRLOCK_POLICY_PARAM_POLLUTION');
  refusedWith(() => classify(plain, 2, canonicalizeTarget('GET', '/api/v1/datasets/events?source_dag_id=example_etl&source_dag_id=hr_payroll')), 'AIRLOCK_POLICY_PARAM_POLLUTION');
  refusedWith(() => classify(plain, 3, canonicalizeTarget('GET', '/api/v2/assets/events?source_dag_id=example_etl&source_dag_id=hr_payroll')), 'AIRLOCK_POLICY_PARAM_POLLUTION');
  // Airflow 3 takes repeated keys as the list: a comma is part of one (invalid) DAG id
  refusedWith(() => classify(plain, 3, canonicalizeTarget('GET', '/ui/dags?dag_ids=example_etl,hr_payroll')), 'AIRLOCK_POLICY_BAD_DAG_ID');
  refusedWith(() => classify(plain, 2, canonicalizeTarget('GET', '/api/v1/dagStats?dag_ids=example_etl,hr%20payroll')), 'AIRLOCK_POLICY_BAD_DAG_ID');
  refusedWith(() => classify(plain, 2, canonicalizeTarget('GET', '/api/v1/dags?dag_id_pattern=a&dag_id_pattern=b')), 'AIRLOCK_POLICY_PARAM_POLLUTION');
  // empty values name no DAG: the list stays an all-DAG list
  const d = run(plain, partner, 'GET', '/api/v1/datasets?dag_ids=');
  assert.equal(d.effect, 'deny');
  assert.ok(codes(d).includes('all_dags_required'));
});

test('hostile: dag_id_pattern cannot be checked per DAG: refused for a restricted person unless Airflow filters the list', () => {
  for (const [t, env] of [['/api/v1/dags?dag_id_pattern=hr', 'prod'], ['/api/v2/dags?dag_id_pattern=hr%25', 'dev'], ['/ui/dags?dag_display_name_pattern=hr', 'dev'], ['/api/v2/eventLogs?dag_id_pattern=hr%25', 'dev']] as const) {
    const d = run(plain, partnerAdmin, 'GET', t, env);
    assert.equal(d.effect, 'deny', t);
    assert.ok(d.reasons.some((r) => r.code === 'all_dags_required' && /_pattern, which cannot be checked per DAG/.test(r.message)), `${t}: ${JSON.stringify(d.reasons)}`);
  }
  const ok = run(filtering, partner, 'GET', '/api/v2/dags?dag_id_pattern=hr%25', 'dev');
  assert.equal(ok.effect, 'allow');
  assert.equal(ok.upstreamFilter, true);
  // event logs are not filtered by Airflow: the pattern stays refused
  assert.equal(run(filtering, partnerAdmin, 'GET', '/api/v2/eventLogs?dag_id_pattern=hr%25', 'dev').effect, 'deny');
  // a pattern next to a named DAG only narrows that DAG's answer
  assert.equal(run(plain, partnerAdmin, 'GET', '/api/v2/eventLogs?dag_id=example_etl&dag_id_pattern=%25', 'dev').effect, 'allow');
});

test('single-DAG reads are unchanged by the flag: the named DAG decides', () => {
  for (const policy of [plain, filtering]) {
    assert.equal(run(policy, partner, 'GET', '/api/v1/dags/example_etl').effect, 'allow');
    assert.equal(run(policy, partner, 'GET', '/api/v1/dags/finance_daily').effect, 'deny');
    const d = run(policy, partner, 'GET', '/api/v1/dags/example_etl/dagRuns');
    assert.equal(d.effect, 'allow');
    assert.equal(d.upstreamFilter, undefined);
  }
});

test('the list table names only catalogue routes, and every filtered entry is a read', () => {
  for (const k of listTableKeys()) {
    const r = routesFor(k.airflow).find((x) => x.method === k.method && x.path === k.path);
    assert.ok(r, `${k.airflow} ${k.method} ${k.path} is not a catalogue route`);
    assert.equal(r.action, 'read', `${k.method} ${k.path}`);
  }
});
