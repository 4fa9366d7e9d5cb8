import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runPolicyTestFile } from '../../../src/cli/commands/policy.ts';

process.env.AIRLOCK_EXAMPLE_CLIENT_SECRET = 'example-secret';
const EXAMPLE = resolve(import.meta.dirname, '../../../examples/policy/tests.yaml');

test('the documented example policy tests pass', async () => {
  const lines: string[] = [];
  const failed = await runPolicyTestFile(EXAMPLE, undefined, (l) => lines.push(l));
  assert.equal(failed, 0, lines.join('\n'));
  assert.equal(lines.at(-1), '10 passed, 0 failed');
});

test('policy test reports a mismatch with the full explanation and a non-zero count', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-policy-'));
  try {
    const file = join(dir, 'wrong.yaml');
    writeFileSync(file, `config: ${resolve(import.meta.dirname, '../../../examples/policy/config.yaml')}\ncases:\n  - { user: vic, groups: [everyone], env: prod, request: "DELETE /api/v1/dags/etl", expect: allow }\n`);
    const lines: string[] = [];
    assert.equal(await runPolicyTestFile(file, undefined, (l) => lines.push(l)), 1);
    assert.match(lines.join('\n'), /FAIL .* got deny[\s\S]*role_missing_permission/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('airlock policy explain prints the decision and the rules behind it (real CLI process)', () => {
  const bin = resolve(import.meta.dirname, '../../../bin/airlock.js');
  const cfg = resolve(import.meta.dirname, '../../../examples/policy/config.yaml');
  const r = spawnSync(process.execPath, [bin, 'policy', 'explain', '--config', cfg, '--user', 'alice', '--groups', 'data-eng', '--env', 'prod', 'POST', '/api/v1/dags/etl/dagRuns'], { encoding: 'utf8', env: { ...process.env, AIRLOCK_EXAMPLE_CLIENT_SECRET: 'x' }, timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /decision: {3}DENY/);
  assert.match(r.stdout, /rule_not_allowed \[env_defaults\.prod/);
  assert.match(r.stdout, /granted to: oncall/);
  const t = spawnSync(process.execPath, [bin, 'policy', 'test', resolve(import.meta.dirname, '../../../examples/policy/tests.yaml')], { encoding: 'utf8', env: { ...process.env, AIRLOCK_EXAMPLE_CLIENT_SECRET: 'x' }, timeout: 30_000 });
  assert.equal(t.status, 0, t.stdout + t.stderr);
  assert.match(t.stdout, /10 passed, 0 failed/);
});
