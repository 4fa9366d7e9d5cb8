import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { queryEvents, verifyChain } from '../../../src/audit/index.ts';
import { hashToken, isWellFormedToken, TOKEN_SCAN_REGEX } from '../../../src/tokens/index.ts';
import type { TestStack } from '../gateway/harness.ts';
import { assertMachineAnswer, call, openAdmin, signIn, TOKENS_SECTION, tokenStack } from './support.ts';

const BIN = fileURLToPath(new URL('../../../bin/airlock.js', import.meta.url));

function airlock(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000, env: { ...process.env, AIRLOCK_CONFIG: '' } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

describe('airlock tokens (CLI) and the per-token rate limit', () => {
  let stack: TestStack;
  before(async () => {
    stack = await tokenStack({
      tokens: { ...TOKENS_SECTION, rate_limit: { per_second: 1, burst: 3 } },
      // people with role User must use a security key in the browser: a machine acting as a User is not sent there
      config: (cfg) => void (cfg.webauthn = { required_for: ['User'] }),
    });
    await signIn(stack, 'carol');
  });
  after(() => stack?.close());

  test('create prints the token once; list never shows it but shows the last use and address; rotate and revoke; every change is audited', async () => {
    const cfg = ['--config', stack.configPath];
    const created = await airlock(['tokens', 'create', '--name', 'etl-ci', '--env', 'prod', '--dags', 'etl_*', '--actions', 'read,trigger', '--ttl', '1h', '--owner', 'carol', '--service-account', 'etl-ci', ...cfg]);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.ok(isWellFormedToken(token), created.stdout);
    assert.match(created.stderr, /shown once/);

    const admin = await openAdmin(stack);
    try {
      const [row] = await admin.store.tokens.list({ name: 'etl-ci' });
      assert.equal(row!.secretHash, hashToken(token), 'only the hash is stored');
      assert.equal(row!.createdBy.startsWith('cli:'), true);

      const first = await call(stack, '/api/v1/dags/etl_daily', { token });
      assert.equal(first.status, 200, `a machine is not sent to security-key enrolment: ${first.text.slice(0, 200)}`);
      let usedAt: number | null = null;
      for (let i = 0; i < 50 && usedAt === null; i++) {
        usedAt = (await admin.store.tokens.get(row!.id))!.lastUsedAt; // written off the response path
        if (usedAt === null) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(usedAt !== null, 'the last use is recorded');
      assert.equal((await call(stack, '/api/v1/dags/etl_daily', { token })).status, 200);
      assert.equal((await admin.store.tokens.get(row!.id))!.lastUsedAt, usedAt, 'written at most every 30 s per token and worker');
      const listed = await airlock(['tokens', 'list', '--json', ...cfg]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal([...listed.stdout.matchAll(TOKEN_SCAN_REGEX)].length, 0, 'no secret in the listing');
      assert.ok(!listed.stdout.includes(row!.secretHash), 'not even its hash');
      const [item] = JSON.parse(listed.stdout) as Record<string, any>[];
      assert.equal(item!.name, 'etl-ci');
      assert.deepEqual(item!.owner, { sub: row!.ownerSub, username: 'carol' });
      assert.equal(item!.service_account, 'etl-ci');
      assert.ok(item!.last_used_at, 'last use recorded');
      assert.match(item!.last_used_ip, /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
      const table = await airlock(['tokens', 'list', ...cfg]);
      assert.match(table.stdout, /LAST USED\s+FROM/);
      assert.match(table.stdout, /etl-ci\s+service\s+svc:etl-ci\s+carol/);

      const rotated = await airlock(['tokens', 'rotate', 'etl-ci', '--overlap', '10m', ...cfg]);
      assert.equal(rotated.code, 0, rotated.stderr);
      const next = rotated.stdout.trim();
      assert.ok(isWellFormedToken(next) && next !== token);
      assert.equal((await call(stack, '/api/v1/dags/etl_daily', { token: next })).status, 200);

      const revoked = await airlock(['tokens', 'revoke', 'etl-ci', '--reason', 'leaked in a CI log', ...cfg]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout.trim().split('\n').length, 2, 'both live tokens of the name (old one in its overlap, new one)');
      const again = await airlock(['tokens', 'revoke', 'etl-ci', ...cfg]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /AIRLOCK_TOKEN_NOT_FOUND/);

      const refused = await airlock(['tokens', 'create', '--name', 'too-wide', '--env', 'dev', '--dags', '*', '--actions', 'read', '--service-account', 'etl-ci', ...cfg]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /AIRLOCK_TOKEN_REQUEST_REFUSED: --env dev is outside service account "etl-ci"/);

      const events = (await queryEvents(admin.store, { type: 'token' })).map((r) => r.event);
      assert.deepEqual(events.map((e) => e.action), ['create', 'rotate', 'revoke', 'revoke']);
      assert.equal(events[0]!.actor?.token_name, 'etl-ci');
      assert.equal(events[0]!.actor?.owner, 'carol');
      assert.match(String(events[0]!.detail?.by), /^cli:/);
      assert.equal(events[1]!.detail?.overlap_ms, 600_000);
      assert.equal(events[2]!.detail?.reason, 'leaked in a CI log');
      assert.ok(!JSON.stringify(events).includes(token) && !JSON.stringify(events).includes(next), 'no secret in the audit trail');
      const report = await verifyChain(admin.store, {});
      assert.equal(report.ok, true, JSON.stringify(report.problems?.slice(0, 3)));
    } finally {
      await admin.close();
    }
  });

  test('the per-token rate limit answers 429 JSON with Retry-After, and other tokens are unaffected', async () => {
    const admin = await openAdmin(stack);
    try {
      const a = await admin.issue({ name: 'chatty', envs: ['prod'], dags: ['etl_*'], actions: ['read'], serviceAccount: 'etl-ci' });
      const b = await admin.issue({ name: 'quiet', envs: ['prod'], dags: ['etl_*'], actions: ['read'], serviceAccount: 'etl-ci' });
      const statuses: number[] = [];
      let limited;
      for (let i = 0; i < 4; i++) {
        const r = await call(stack, '/api/v1/dags/etl_daily', { token: a.token });
        statuses.push(r.status);
        if (r.status === 429) limited = r;
      }
      assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
      assert.equal(statuses[3], 429, 'the fourth request within the burst of 3 at 1/s');
      const j = assertMachineAnswer(limited!, 429, 'AIRLOCK_TOKEN_RATE_LIMITED');
      assert.equal(limited!.headers.get('retry-after'), String(j.retry_after));
      assert.ok(j.retry_after >= 1);
      assert.deepEqual(j.limit, { per_second: 1, burst: 3, per: 'worker' });
      assertMachineAnswer(await call(stack, '/.airlock/token/self', { token: a.token }), 429, 'AIRLOCK_TOKEN_RATE_LIMITED');
      assert.equal((await call(stack, '/api/v1/dags/etl_daily', { token: b.token })).status, 200);
    } finally {
      await admin.close();
    }
  });
});
