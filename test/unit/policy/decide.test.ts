import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret } from '../../../src/config/secret.ts';
import { canonicalizeTarget, classify, compilePolicy, decide, readBodyDagIds, stepUpPolicyFor, type DagMetadataSnapshot, type Subject } from '../../../src/policy/index.ts';
import { makeConfig, person } from './helpers.ts';

const NOW = 1_700_000_000_000;
const cfg = makeConfig({
  policy: {
    env_defaults: { prod: { allow: { trigger: ['group:oncall'], clear: ['group:oncall'] } } },
    step_up: [{ env: 'prod', actions: ['trigger', 'clear', 'pause', 'delete'], within: '5m' }],
    dag_metadata: { prod: { token: new Secret('t', 'test'), max_age: '10m' } },
  },
  dags: [
    { id: 'finance-trigger', name: 'Finance on-call triggers finance DAGs', env: 'prod', match: 'finance_*', allow: { trigger: ['group:finance-oncall'] } },
    { id: 'no-contractors', env: ['prod', 'dev'], regex: '^(hr|payroll)_', deny: { '*': ['group:contractors'] } },
    { id: 'etl-list', dag_ids: ['etl_a', 'etl_b'], deny: { delete: ['role:User'] } },
    { id: 'pci', env: 'prod', tags: ['pci'], allow: { read: ['group:pci-readers', 'role:Admin'] } },
    { id: 'bob-no-pause', env: 'prod', owners: ['bob'], deny: { pause: ['user:carol'] } },
  ],
});
const policy = compilePolicy(cfg);
const meta: DagMetadataSnapshot = { fetchedAt: NOW - 1000, dags: new Map([['cards', { tags: ['pci'], owners: ['x'] }], ['etl', { tags: [], owners: ['bob'] }], ['finance_eod', { tags: [], owners: [] }], ['hr_sync', { tags: [], owners: [] }], ['etl_a', { tags: [], owners: [] }], ['open', { tags: [], owners: [] }]]) };

function run(s: Subject, method: string, target: string, env = 'prod', body?: string, snapshot: DagMetadataSnapshot | null = meta) {
  const dagMetadata = snapshot ?? undefined;
  let c = classify(policy, env === 'prod' ? 2 : 3, canonicalizeTarget(method, target));
  if (body !== undefined) c = readBodyDagIds(c, body.startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded', Buffer.from(body));
  return decide(policy, s, env, c, { now: NOW, dagMetadata });
}

const fresh = NOW - 60_000;
const alice = person('alice', ['data-eng', 'oncall'], ['User'], fresh);
const bob = person('bob', ['data-eng'], ['User'], fresh);
const fin = person('fin', ['data-eng', 'finance-oncall'], ['User'], fresh);

test('environment defaults: in prod only oncall may trigger or clear', () => {
  assert.equal(run(alice, 'POST', '/api/v1/dags/etl/dagRuns').effect, 'allow');
  const d = run(bob, 'POST', '/api/v1/dags/etl/dagRuns');
  assert.equal(d.effect, 'deny');
  assert.deepEqual(d.reasons.map((r) => [r.code, r.rule?.id]), [['rule_not_allowed', 'env_defaults.prod']]);
  assert.deepEqual(d.grantingGroups, ['oncall']);
  assert.equal(run(bob, 'POST', '/api/v1/dags/etl/clearTaskInstances', 'prod', '{}').effect, 'deny');
  assert.equal(run(bob, 'POST', '/clear', 'prod', 'dag_id=etl&task_id=t').effect, 'deny');
  assert.equal(run(alice, 'POST', '/clear', 'prod', 'dag_id=etl&task_id=t').effect, 'allow');
  // no such default in dev (Airflow 3)
  assert.equal(run(bob, 'POST', '/api/v2/dags/etl/dagRuns', 'dev').effect, 'allow');
});

test('glob rule grants trigger on finance_* to finance-oncall (allows union with env defaults)', () => {
  assert.equal(run(fin, 'POST', '/api/v1/dags/finance_eod/dagRuns').effect, 'allow');
  assert.equal(run(fin, 'POST', '/api/v1/dags/etl/dagRuns').effect, 'deny');
  assert.equal(run(alice, 'POST', '/api/v1/dags/finance_eod/dagRuns').effect, 'allow');
  assert.equal(run(bob, 'POST', '/dags/finance_eod/trigger', 'prod', 'run_id=x').effect, 'deny');
});

test('deny wins over allow; regex rules apply to several environments', () => {
  const c = person('c', ['oncall', 'contractors'], ['User'], fresh);
  const d = run(c, 'POST', '/api/v1/dags/hr_sync/dagRuns');
  assert.equal(d.effect, 'deny');
  assert.equal(d.reasons[0]!.code, 'rule_deny');
  assert.equal(d.reasons[0]!.rule!.id, 'no-contractors');
  assert.equal(run(c, 'GET', '/api/v2/dags/payroll_x', 'dev').effect, 'deny');
  assert.equal(run(c, 'GET', '/api/v2/dags/other', 'dev').effect, 'allow');
});

test('explicit dag_ids list and role selectors', () => {
  assert.equal(run(alice, 'DELETE', '/api/v1/dags/etl_a').effect, 'deny');
  const admin = person('root', ['admins'], ['Admin'], fresh);
  assert.equal(run(admin, 'DELETE', '/api/v1/dags/etl_a').effect, 'allow');
});

test('tags and owners use the DAG metadata snapshot; missing or stale metadata fails closed', () => {
  const reader = person('r', ['viewers', 'pci-readers'], ['Viewer']);
  const viewer = person('v', ['viewers'], ['Viewer']);
  assert.equal(run(reader, 'GET', '/api/v1/dags/cards').effect, 'allow');
  assert.equal(run(viewer, 'GET', '/api/v1/dags/cards').effect, 'deny');
  assert.equal(run(viewer, 'GET', '/api/v1/dags/open').effect, 'allow');
  const missing = run(viewer, 'GET', '/api/v1/dags/open', 'prod', undefined, null);
  assert.equal(missing.effect, 'deny');
  assert.equal(missing.reasons[0]!.code, 'dag_metadata_unavailable');
  const stale = run(viewer, 'GET', '/api/v1/dags/open', 'prod', undefined, { ...meta, fetchedAt: NOW - 11 * 60_000 });
  assert.equal(stale.effect, 'deny');
  assert.equal(run(viewer, 'GET', '/api/v1/dags/not_in_airflow_yet').effect, 'deny');
  const carol = person('carol', ['data-eng'], ['User'], fresh);
  assert.equal(run(carol, 'PATCH', '/api/v1/dags/etl', 'prod', '{"is_paused":true}').effect, 'deny');
  assert.equal(run(carol, 'PATCH', '/api/v1/dags/open', 'prod', '{"is_paused":true}').effect, 'allow');
});

test('a list endpoint with no ids needs the action on every DAG', () => {
  const viewer = person('v', ['viewers'], ['Viewer']);
  const d = run(viewer, 'GET', '/api/v1/dags');
  assert.equal(d.effect, 'deny'); // the pci rule restricts read for this viewer
  assert.equal(d.reasons[0]!.code, 'all_dags_required');
  const admin = person('root', ['admins'], ['Admin'], fresh);
  assert.equal(run(admin, 'GET', '/api/v1/dags').effect, 'allow');
  assert.equal(run(admin, 'GET', '/api/v1/dagStats').effect, 'allow');
  // pausing "every DAG matching a pattern": bob is restricted nowhere, carol is (owners rule)
  assert.equal(run(bob, 'PATCH', '/api/v1/dags?dag_id_pattern=etl', 'prod', '{"is_paused":true}').effect, 'allow');
  assert.equal(run(person('carol', ['data-eng'], ['User'], fresh), 'PATCH', '/api/v1/dags?dag_id_pattern=etl', 'prod', '{"is_paused":true}').effect, 'deny');
});

test('step-up: trigger in prod needs a second factor from the last 5 minutes', () => {
  const old = person('alice', ['oncall'], ['User'], NOW - 6 * 60_000);
  const d = run(old, 'POST', '/api/v1/dags/etl/dagRuns');
  assert.equal(d.effect, 'step_up');
  assert.equal(d.stepUpWithin, 300_000);
  assert.equal(d.reasons.at(-1)!.code, 'step_up_required');
  assert.equal(run(person('alice', ['oncall'], ['User']), 'POST', '/api/v1/dags/etl/dagRuns').effect, 'step_up');
  assert.equal(run(alice, 'POST', '/api/v1/dags/etl/dagRuns').effect, 'allow');
  assert.equal(run(old, 'GET', '/api/v1/dags/etl').effect, 'allow');
  assert.equal(stepUpPolicyFor(policy, 'prod', 'delete'), 300_000);
  assert.equal(stepUpPolicyFor(policy, 'dev', 'delete'), undefined);
});

test('unknown routes, unknown environments and version mismatches are denied', () => {
  const admin = person('root', ['admins'], ['Admin'], fresh);
  assert.equal(run(admin, 'GET', '/api/v1/secret-admin-thing').reasons[0]!.code, 'unknown_route');
  assert.equal(run(admin, 'GET', '/api/v2/dags', 'prod').reasons[0]!.code, 'unknown_route');
  const c = classify(policy, 2, canonicalizeTarget('GET', '/api/v1/dags/x'));
  assert.equal(decide(policy, admin, 'nope', c, { now: NOW }).reasons[0]!.code, 'unknown_environment');
  assert.equal(decide(policy, admin, 'dev', c, { now: NOW }).reasons[0]!.code, 'airflow_version_mismatch');
  assert.equal(run(person('x', [], []), 'GET', '/static/main.css').effect, 'allow');
  assert.equal(run(person('x', [], []), 'GET', '/api/v2/version', 'dev').effect, 'allow');
});

test('allow-list is configurable and replaces the default', () => {
  const p = compilePolicy(makeConfig({ policy: { allow_list: [{ path: '/custom/**' }] } }));
  assert.equal(classify(p, 2, canonicalizeTarget('GET', '/custom/x')).allowListed, true);
  assert.equal(classify(p, 2, canonicalizeTarget('GET', '/static/x')).allowListed, false);
  assert.equal(classify(p, 2, canonicalizeTarget('POST', '/custom/x')).allowListed, false);
});

test('bad rules are refused at compile time', () => {
  assert.throws(() => compilePolicy(makeConfig({ dags: [{ env: 'nope', match: '*', deny: { read: ['*'] } }] })), /unknown environment "nope"/);
  assert.throws(() => compilePolicy(makeConfig({ dags: [{ env: 'dev', tags: ['x'], deny: { read: ['*'] } }] })), /dag_metadata\.dev/);
  assert.throws(() => compilePolicy(makeConfig({ dags: [{ id: 'a', match: 'x', deny: { read: ['*'] } }, { id: 'a', match: 'y', deny: { read: ['*'] } }] })), /duplicate rule id/);
  assert.throws(() => makeConfig({ dags: [{ match: 'x', regex: 'y', deny: { read: ['*'] } }] }), /exactly one/);
  assert.throws(() => makeConfig({ dags: [{ match: 'x', deny: { read: ['bogus'] } }] }));
  assert.throws(() => makeConfig({ dags: [{ regex: '(', deny: { read: ['*'] } }] }), /regular expression/);
});

test('decisions are deterministic and the per-dag cache is bounded', () => {
  const p = compilePolicy(makeConfig({ policy: { cache_size: 2 }, dags: [{ match: 'a*', deny: { read: ['user:v'] } }] }));
  const v = person('v', ['viewers'], ['Viewer']);
  for (const id of ['a1', 'b1', 'a2', 'a1', 'c', 'a1']) {
    const d = decide(p, v, 'prod', classify(p, 2, canonicalizeTarget('GET', `/api/v1/dags/${id}`)), { now: 0 });
    assert.equal(d.effect, id.startsWith('a') ? 'deny' : 'allow');
  }
});
