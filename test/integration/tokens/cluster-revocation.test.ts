import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { revokeToken, REVALIDATE_MS } from '../../../src/tokens/index.ts';
import type { TestStack } from '../gateway/harness.ts';
import { rawRequest } from '../gateway/flows.ts';
import { openAdmin, tokenStack } from './support.ts';

/**
 * `workers: 2`: the primary (this process) forks two workers sharing the port; every request below goes on a fresh
 * TCP connection, so round-robin spreads them over both. A revocation written to the store by another process (as
 * `airlock tokens revoke` does) must be honoured by every worker within 250 ms.
 */
describe('token revocation in a cluster of 2 workers', () => {
  let stack: TestStack;
  before(async () => {
    stack = await tokenStack({ workers: 2 });
  });
  after(() => stack?.close());

  const get = (token: string) => rawRequest(`${stack.gatewayUrl}/api/v1/dags/etl_daily`, { headers: [['Authorization', `Bearer ${token}`], ['Accept', 'application/json']] });

  test('a revoked token is refused on every worker within 250 ms', async () => {
    assert.ok(REVALIDATE_MS <= 250);
    const admin = await openAdmin(stack);
    try {
      const { token } = await admin.issue({ name: 'etl-ci', envs: ['prod'], dags: ['etl_*'], actions: ['read'], serviceAccount: 'etl-ci' });
      // both workers hold the token in memory now
      const warm = await Promise.all(Array.from({ length: 10 }, () => get(token)));
      assert.deepEqual(warm.map((r) => r.status), Array(10).fill(200));

      await revokeToken(admin.ctx(), 'etl-ci', 'leaked');
      const revokedAt = Date.now(); // committed
      const seen: { startedMs: number; status: number; code: string | undefined }[] = [];
      while (Date.now() - revokedAt < 700) {
        const batch = await Promise.all(
          Array.from({ length: 4 }, async () => {
            const startedMs = Date.now() - revokedAt;
            const r = await get(token);
            return { startedMs, status: r.status, code: r.status === 401 ? (JSON.parse(r.body) as { error: string }).error : undefined };
          }),
        );
        seen.push(...batch);
      }
      const late = seen.filter((s) => s.startedMs >= 250);
      assert.ok(late.length >= 8, `enough requests after 250 ms to reach both workers (${late.length})`);
      assert.deepEqual(late.filter((s) => s.status !== 401), [], 'every request from 250 ms on is refused');
      assert.ok(late.every((s) => s.code === 'AIRLOCK_TOKEN_REVOKED'));
      const lastAllowed = Math.max(-1, ...seen.filter((s) => s.status === 200).map((s) => s.startedMs));
      assert.ok(lastAllowed < 250, `last allowed request started ${lastAllowed} ms after the revocation`);
    } finally {
      await admin.close();
    }
  });
});
