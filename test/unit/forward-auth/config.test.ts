import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig, type ConfigProblem } from '../../../src/config/index.ts';
import { VALID } from '../config/fixtures.ts';

const parse = (text: string) => parseConfig(text, { source: 'test.yaml', baseDir: '/tmp', env: { S: 'x' } });

test('forward_auth is off by default', () => {
  assert.deepEqual(parse(VALID).forward_auth, { enabled: false });
});

test('forward_auth.enabled with trusted_proxies: on', () => {
  assert.deepEqual(parse(`${VALID}forward_auth: { enabled: true }\ntrusted_proxies: [10.0.0.5]\n`).forward_auth, { enabled: true });
});

test('forward_auth.enabled without trusted_proxies is a config error at forward_auth.enabled (nobody could ask)', () => {
  let problems: ConfigProblem[] = [];
  try {
    parse(`${VALID}forward_auth: { enabled: true }\n`);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    problems = err.problems;
  }
  const p = problems.find((x) => x.path === 'forward_auth.enabled');
  assert.ok(p, JSON.stringify(problems));
  assert.match(p.message, /trusted_proxies/);
});

test('unknown forward_auth keys are refused', () => {
  assert.throws(() => parse(`${VALID}forward_auth: { enabled: false, mode: nginx }\n`), ConfigError);
});
