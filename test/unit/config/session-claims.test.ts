import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../../src/config/index.ts';
import { VALID } from './fixtures.ts';

const parse = (text: string) => parseConfig(text, { source: 'test.yaml', baseDir: '/srv/airlock', env: { S: 'x' } });

function problemsOf(yaml: string): Array<{ path: string; message: string }> {
  try {
    parse(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => ({ path: p.path, message: p.message }));
    throw err;
  }
  return [];
}

test('session.claims_max_age and claims_max_stale: durations, read at load', () => {
  const cfg = parse(`${VALID}session: { claims_max_age: 30s, claims_max_stale: 2h }\n`);
  assert.equal(cfg.session.claims_max_age, 30_000);
  assert.equal(cfg.session.claims_max_stale, 7_200_000);
});

test('claims_max_age under 1s, or claims_max_stale shorter than it, is refused at its path', () => {
  assert.deepEqual(problemsOf(`${VALID}session: { claims_max_age: 500ms }\n`), [{ path: 'session.claims_max_age', message: 'must be at least 1s' }]);
  assert.deepEqual(problemsOf(`${VALID}session: { claims_max_age: 10m, claims_max_stale: 5m }\n`), [{ path: 'session.claims_max_stale', message: 'must not be shorter than claims_max_age' }]);
  assert.equal(problemsOf(`${VALID}session: { claims_max_age: 15 }\n`)[0]?.path, 'session.claims_max_age');
});

test('session.cache_entries: a whole number from 1 (default 10 000), refused at its path otherwise', () => {
  assert.equal(parse(VALID).session.cache_entries, 10_000);
  assert.equal(parse(`${VALID}session: { cache_entries: 2500 }\n`).session.cache_entries, 2500);
  for (const bad of ['0', '-1', '1.5', '"many"', '20000000']) {
    assert.equal(problemsOf(`${VALID}session: { cache_entries: ${bad} }\n`)[0]?.path, 'session.cache_entries', bad);
  }
});
