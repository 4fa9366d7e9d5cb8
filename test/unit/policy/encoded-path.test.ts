/**
 * Encoded "/" (%2F) and double encoding (%252F) in the path: accepted inside a parameter whose Werkzeug
 * converter is `path` (Airflow's server decodes %2F before routing, so only those take a slash), refused
 * everywhere else; the forwarded target keeps them encoded so Airflow decodes exactly what was checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAirlockError } from '../../../src/errors/index.ts';
import { canonicalizeTarget, classify, compilePolicy, decide, targetWithinPrefix } from '../../../src/policy/index.ts';
import { makeConfig, person } from './helpers.ts';

const policy = compilePolicy(makeConfig({ dags: [{ id: 'no-secret', dag_ids: ['secret'], deny: { '*': ['*'] } }] }));
const admin = person('root', ['admins'], ['Admin']);

function accepted(method: string, raw: string) {
  const t = canonicalizeTarget(method, raw);
  const c = classify(policy, 2, t);
  assert.ok(c.route, `${raw} is a known route`);
  return { t, c, d: decide(policy, admin, 'prod', c, { now: 0 }) };
}

function refusedWith(method: string, raw: string): string {
  try {
    classify(policy, 2, canonicalizeTarget(method, raw));
  } catch (err) {
    assert.ok(isAirlockError(err) && err.status === 400, String(err));
    return err.code;
  }
  assert.fail(`${method} ${raw} was accepted`);
}

test('encoded "/" in a path-converter parameter is decoded once for that parameter (ui-behaviour.md (e))', () => {
  const cases: Array<[string, string, string, string, string]> = [
    // method, raw target, operation, parameter, value
    ['GET', '/api/v1/datasets/s3%3A%2F%2Fbucket%2Fkey', 'get_dataset', 'uri', 's3://bucket/key'],
    ['GET', '/api/v1/datasets/queuedEvent/s3%3A%2F%2Fbucket%2Fkey', 'get_dataset_queued_events', 'uri', 's3://bucket/key'],
    ['DELETE', '/api/v1/datasets/queuedEvent/s3%3A%2F%2Fbucket%2Fkey', 'delete_dataset_queued_events', 'uri', 's3://bucket/key'],
    ['GET', '/api/v1/dags/etl/datasets/queuedEvent/s3%3A%2F%2Fb%2Fk', 'get_dag_dataset_queued_event', 'uri', 's3://b/k'],
    ['GET', '/api/v1/variables/team%2Fregion', 'get_variable', 'variable_key', 'team/region'],
    ['PATCH', '/api/v1/variables/team%2Fregion', 'patch_variable', 'variable_key', 'team/region'],
    ['DELETE', '/api/v1/variables/team%2Fregion', 'delete_variable', 'variable_key', 'team/region'],
    ['GET', '/api/v1/dags/etl/dagRuns/r1/taskInstances/t1/xcomEntries/out%2Fpart-1', 'get_xcom_entry', 'xcom_key', 'out/part-1'],
    // double encoding arrives once-decoded, as under gunicorn
    ['GET', '/api/v1/variables/a%252Fb', 'get_variable', 'variable_key', 'a%2Fb'],
    ['GET', '/api/v1/datasets/file%3A%2F%2F%2Ftmp%2Fx%2520y', 'get_dataset', 'uri', 'file:///tmp/x%20y'],
    // the Flask UI's <path:...> rules
    ['GET', '/static/dist%2Fmain.js', 'static', 'filename', 'dist/main.js'],
    ['GET', '/docs/howto%2Findex.html', 'DocsView.home', 'filename', 'howto/index.html'],
  ];
  for (const [method, raw, op, param, value] of cases) {
    const { t, c } = accepted(method, raw);
    assert.equal(c.route!.operationId, op, raw);
    assert.equal(c.params[param], value, raw);
    // forwarded with the slash still encoded: Airflow decodes it to the same value
    const again = canonicalizeTarget(method, t.forwardTarget);
    assert.equal(again.forwardTarget, t.forwardTarget, raw);
    assert.deepEqual(classify(policy, 2, again).params, c.params, raw);
    assert.equal(decodeURIComponent(t.forwardTarget.split('/').pop()!), raw.split('/').pop()!.split('/').map(decodeURIComponent).join('/'), raw);
  }
  assert.equal(canonicalizeTarget('GET', '/api/v1/variables/a%252Fb').forwardTarget, '/api/v1/variables/a%252Fb');
  assert.equal(canonicalizeTarget('GET', '/api/v1/datasets/s3%3A%2F%2Fbucket%2Fkey').forwardTarget, '/api/v1/datasets/s3:%2F%2Fbucket%2Fkey');
  // the DAG of a DAG-scoped path-parameter route is still checked
  assert.equal(accepted('GET', '/api/v1/dags/secret/datasets/queuedEvent/s3%3A%2F%2Fb').d.effect, 'deny');
  assert.equal(accepted('GET', '/api/v1/dags/etl/datasets/queuedEvent/s3%3A%2F%2Fb').d.effect, 'allow');
});

test('encoded "/" anywhere else stays refused, with the code of its kind', () => {
  const ambiguous = [
    '/api/v1/connections/a%2Fb', '/api/v1/pools/a%2Fb', '/api/v1/dags/etl/dagRuns/a%2Fb', '/api/v1/dags/a%2Fb',
    // would route to another operation (clear) under Airflow: the slash is before any path parameter
    '/api/v1/dags/etl/dagRuns/r1%2Fclear', '/api/v1%2Fvariables/x', '/api%2Fv1/variables/x', '/dags/a%2Fb/grid',
    '/api/v1/variables%2Fx', // the literal segment before the parameter
    '/api/v1/variables/a%2F..%2Fb', '/api/v1/variables/a%2F.', '/api/v1/variables/%2e%2e%2Fx', // dot segments, even inside
    '/api/v1/variables/a%5Cb', '/api/v1/variables/a%3Bb', '/api/v1/variables/a%00b', '/api/v1/variables/a%3Fb', // other separators
    '/api/v1/variables/%2Fa', // a path parameter cannot start with "/"
    '/api/v1/variables/a%EF%BC%8Fb', // fullwidth solidus
    '/api/v1/pools/100%25', '/api/v1/nope/a%2Fb', // a lone "%" outside; an unknown route
  ];
  for (const raw of ambiguous) assert.equal(refusedWith('GET', raw), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET', raw);
  assert.equal(refusedWith('POST', '/api/v1/dags/etl/dagRuns/r1%2Fclear'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  for (const raw of ['/api/v1/pools/a%252Fb', '/api/v1/dags/%252f', '/api/v1/dags/etl/dagRuns/r%2541', '/rendered-templates%2525']) {
    assert.equal(refusedWith('GET', raw), 'AIRLOCK_POLICY_BAD_ENCODING', raw);
  }
  assert.equal(refusedWith('GET', '/api/v1/variables/a%2'), 'AIRLOCK_POLICY_BAD_ENCODING');
  assert.equal(refusedWith('GET', '/api/v1/variables/a%C3'), 'AIRLOCK_POLICY_BAD_ENCODING');
  // a raw "//" is still an empty segment, even where a path parameter would take it
  assert.equal(refusedWith('GET', '/api/v1/datasets/s3://bucket/key'), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
});

test('a path prefix is removed from the encoded target, never re-decoded', () => {
  const t = canonicalizeTarget('GET', '/dev/api/v2/variables/a%20b?x=%2F');
  const inner = targetWithinPrefix(t, '/dev');
  assert.equal(inner.path, '/api/v2/variables/a b');
  assert.equal(inner.forwardTarget, '/api/v2/variables/a%20b?x=%2F');
  const dbl = targetWithinPrefix(canonicalizeTarget('GET', '/dev/api/v1/variables/a%252Fb'), '/dev');
  assert.deepEqual(dbl.segments, ['api', 'v1', 'variables', 'a%2Fb'], 'the literal "%2F" stays literal');
  assert.equal(targetWithinPrefix(canonicalizeTarget('GET', '/dev'), '/dev').forwardTarget, '/');
  assert.equal(targetWithinPrefix(canonicalizeTarget('GET', '/dev?a=1'), '/dev').forwardTarget, '/?a=1');
  // "/dev%2Fapi/..." selects /dev by its decoded path, but the prefix is not a whole encoded segment
  assert.throws(() => targetWithinPrefix(canonicalizeTarget('GET', '/dev%2Fapi/v2/dags'), '/dev'), { code: 'AIRLOCK_POLICY_AMBIGUOUS_TARGET' });
});
