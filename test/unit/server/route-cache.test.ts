import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalizeTarget, classify, compilePolicy } from '../../../src/policy/index.ts';
import { compileEnvironments, selectEnvironment } from '../../../src/proxy/index.ts';
import { routeOf } from '../../../src/server/route-cache.ts';
import type { Runtime } from '../../../src/server/runtime.ts';
import { makeConfig } from '../policy/helpers.ts';
import { code } from '../../support/error-code.ts';

/** The two parts of a runtime snapshot routeOf reads, built from a real config. */
function snapshot(): Runtime {
  const config = makeConfig();
  return { envs: compileEnvironments(config.environments, config.public_url), policy: compilePolicy(config) } as unknown as Runtime;
}

describe('route cache', () => {
  test('gives what canonicalize + select + classify give, and the same object for the same request line', () => {
    const rt = snapshot();
    const url = '/api/v1/dags/finance_daily/dagRuns?limit=5';
    const r = routeOf(rt, 'prod.example.com', 'POST', url);
    const target = canonicalizeTarget('POST', url);
    assert.deepEqual(r.target, target);
    assert.deepEqual(r.sel, selectEnvironment(rt.envs, 'prod.example.com', target.path));
    assert.deepEqual(r.cls, classify(rt.policy, 2, target));
    assert.equal(routeOf(rt, 'prod.example.com', 'POST', url), r);
    assert.notEqual(routeOf(rt, 'prod.example.com', 'GET', url), r, 'the method is part of the key');
    assert.equal(routeOf(rt, 'dev.example.com', 'POST', url).sel.name, 'dev', 'so is the host');
    assert.notEqual(routeOf(snapshot(), 'prod.example.com', 'POST', url), r, 'a new snapshot has its own cache');
  });

  test('refusals are thrown every time and never cached', () => {
    const rt = snapshot();
    for (let i = 0; i < 2; i++) {
      assert.equal(code(() => routeOf(rt, 'prod.example.com', 'GET', '/api/v1/dags/a%2Fb')), 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
      assert.equal(code(() => routeOf(rt, 'evil.example.com', 'GET', '/api/v1/dags')), 'AIRLOCK_PROXY_UNKNOWN_HOST');
    }
  });

  test('long targets are worked out each time (not kept), with the same result', () => {
    const rt = snapshot();
    const url = `/api/v1/dags?dag_id_pattern=${'a'.repeat(600)}`;
    const a = routeOf(rt, 'prod.example.com', 'GET', url);
    const b = routeOf(rt, 'prod.example.com', 'GET', url);
    assert.notEqual(a, b);
    assert.deepEqual(a, b);
  });

  test('stays bounded under many distinct request lines', () => {
    const rt = snapshot();
    const first = routeOf(rt, 'prod.example.com', 'GET', '/api/v1/dags/d0');
    for (let i = 1; i <= 10_001; i++) routeOf(rt, 'prod.example.com', 'GET', `/api/v1/dags/d${i}`);
    assert.notEqual(routeOf(rt, 'prod.example.com', 'GET', '/api/v1/dags/d0'), first, 'the full cache was emptied');
  });
});
