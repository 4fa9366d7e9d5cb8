import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, globToRegExp } from '../../../src/policy/index.ts';
import { makeConfig } from './helpers.ts';

test('DAG globs: "*" and "?" are wildcards, every other character is literal (also "-", "/", ".", "$")', () => {
  const cases: Array<[string, string, boolean]> = [
    ['etl-*', 'etl-daily', true], ['etl-*', 'etlxdaily', false], ['team/a?', 'team/ab', true], ['team/a?', 'team/abc', false],
    ['v1.*', 'v1.2', true], ['v1.*', 'v1x2', false], ['a$b(c)[d]{e}|f+g^h\\i', 'a$b(c)[d]{e}|f+g^h\\i', true], ['*', '', true],
    ['ünï_*', 'ünï_x', true], ['?', '😀', true],
  ];
  for (const [glob, dag, expected] of cases) assert.equal(globToRegExp(glob).test(dag), expected, `${glob} vs ${dag}`);
});

test('a rule whose match has "-" compiles and selects its DAGs (it threw "Invalid escape" before)', () => {
  const cfg = makeConfig({ dags: [{ id: 'etl', env: 'prod', match: 'etl-*', deny: { trigger: ['group:analysts'] } }] });
  const policy = compilePolicy(cfg);
  const rules = policy.envs.get('prod')!.rules;
  assert.equal(rules.staticRules('etl-daily').length, 1);
  assert.equal(rules.staticRules('etlxdaily').length, 0);
});
