import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalizeTarget, classify, compilePolicy, decisionNeedsBody, readBodyDagIds } from '../../../src/policy/index.ts';
import { makeConfig } from '../policy/helpers.ts';

const policy = compilePolicy(makeConfig());
const cls = (method: string, target: string, airflow: 2 | 3 = 2) => classify(policy, airflow, canonicalizeTarget(method, target));

test('no body read on the route: the decision never needs one', () => {
  for (const [m, t] of [['GET', '/api/v1/dags'], ['GET', '/api/v1/dags/etl'], ['GET', '/home']] as const) {
    assert.equal(cls(m, t).body, 'none', `${m} ${t}`);
    assert.equal(decisionNeedsBody(cls(m, t)), false, `${m} ${t}`);
  }
});

test('the path (or query) names the one DAG of a single-DAG operation: the body could only repeat it', () => {
  for (const [m, t] of [['POST', '/api/v1/dags/etl/dagRuns'], ['PATCH', '/api/v1/dags/etl'], ['DELETE', '/api/v1/dags/etl'], ['POST', '/api/v1/dags/etl/clearTaskInstances'], ['POST', '/paused?dag_id=etl&is_paused=true']] as const) {
    const c = cls(m, t);
    assert.notEqual(c.body, 'none', `${m} ${t} reads its body in the proxy`);
    assert.equal(decisionNeedsBody(c), false, `${m} ${t}`);
  }
});

test('DAG ids that come from the body (form fields, a single-DAG route naming none in its path): the body is needed', () => {
  for (const [m, t] of [['POST', '/clear'], ['POST', '/dagrun_clear'], ['POST', '/delete'], ['POST', '/paused']] as const) {
    const c = cls(m, t);
    assert.equal(c.dagIds.length, 0, `${m} ${t} names no DAG without its body`);
    assert.equal(c.allDags, false, `${m} ${t} is not decided on every DAG without its body`);
    assert.equal(decisionNeedsBody(c), true, `${m} ${t}`);
  }
});

test('a FAB list action named in the form picks the permission: the body is needed', () => {
  for (const t of ['/dagrun/action_post', '/connection/action_post']) assert.equal(decisionNeedsBody(cls('POST', t)), true, t);
});

test('decided on every DAG already (a ~ batch or list whose body ids only narrow it): no body needed', () => {
  const c = cls('POST', '/api/v1/dags/~/dagRuns/list');
  assert.equal(c.allDags, true);
  assert.equal(decisionNeedsBody(c), false);
  // with its body read, the same request is narrowed to the DAGs named (the proxy's path)
  const narrowed = readBodyDagIds(c, 'application/json', Buffer.from('{"dag_ids":["etl"]}'));
  assert.deepEqual(narrowed.dagIds, ['etl']);
  assert.equal(narrowed.allDags, false);
});
