import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig, type ConfigProblem } from '../../../src/config/index.ts';
import { VALID } from '../config/fixtures.ts';

const TOKEN = 'a'.repeat(32);
const parse = (extra: string, env: NodeJS.ProcessEnv = { S: 'x', T: TOKEN }) => parseConfig(`${VALID}${extra}`, { source: 'test.yaml', baseDir: '/tmp', env });
function problems(extra: string, env?: NodeJS.ProcessEnv): ConfigProblem[] {
  try {
    parse(extra, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('scim is off by default; on with a token reference, match userName, groups replace and a 1 MiB body limit', () => {
  assert.equal(parse('').scim, undefined);
  const on = parse('scim:\n  token: ${env:T}\n').scim!;
  assert.equal(on.token.reveal(), TOKEN);
  assert.equal(String(on.token), '[redacted]');
  assert.deepEqual([on.match, on.groups, on.max_body], ['userName', 'replace', 1024 * 1024]);
  const set = parse('scim:\n  token: ${env:T}\n  match: email\n  groups: merge\n  max_body: 65536\n').scim!;
  assert.deepEqual([set.match, set.groups, set.max_body], ['email', 'merge', 65536]);
});

test('scim.token must be a secret reference of at least 32 characters without whitespace; bad keys and values are reported at their path', () => {
  const literal = problems(`scim:\n  token: ${TOKEN}\n`);
  assert.ok(literal.some((p) => p.path === 'scim.token' && /secret reference/.test(p.message)));
  assert.ok(!JSON.stringify(literal).includes(TOKEN), 'the literal is never repeated');
  assert.ok(problems('scim:\n  token: ${env:T}\n', { S: 'x', T: 'short' }).some((p) => p.path === 'scim.token' && /at least 32/.test(p.message)));
  assert.ok(problems('scim:\n  token: ${env:T}\n', { S: 'x', T: `${TOKEN} x` }).some((p) => p.path === 'scim.token' && /whitespace/.test(p.message)));
  const bad = problems('scim:\n  token: ${env:T}\n  match: login\n  groups: union\n  max_body: 10\n  tokn: x\n');
  for (const path of ['scim.match', 'scim.groups', 'scim.max_body', 'scim.tokn']) assert.ok(bad.some((p) => p.path === path), `a problem at ${path}: ${JSON.stringify(bad)}`);
  assert.ok(problems('scim: {}\n').some((p) => p.path === 'scim.token'));
});
