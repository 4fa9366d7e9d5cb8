import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from './harness.ts';
import { loginUntilCallback, rawRequest, SESSION_COOKIE, type RawResponse } from './flows.ts';

/**
 * `workers: 2`: the primary (this test process) forks two bin/airlock.js workers sharing the port. Every
 * request below goes on a fresh TCP connection, so the primary's round-robin spreads them over both workers.
 */
describe('cluster mode (2 workers)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ workers: 2, config: (cfg) => (cfg.public_metrics = true) }); // metrics on the main listener too
  });
  after(() => stack.close());

  const sessionFrom = (res: RawResponse): string | undefined => {
    for (const line of (res.headers['set-cookie'] as string[] | undefined) ?? []) {
      const m = new RegExp(`^${SESSION_COOKIE}=([^;]+)`).exec(line);
      if (m && !/max-age=0/i.test(line)) return m[1];
    }
    return undefined;
  };

  /** Logs in; the callback goes on its own connection (often to the other worker than /.airlock/login). */
  const login = async (user: string): Promise<string> => {
    const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, user, `${user}-demo`);
    const res = await rawRequest(callbackUrl.href, { headers: [['Cookie', jar.header(stack.gatewayUrl)]] });
    assert.equal(res.status, 302, res.body.slice(0, 300));
    const id = sessionFrom(res);
    assert.ok(id, 'a session cookie');
    return `${SESSION_COOKIE}=${id}`;
  };

  const statuses = async (cookie: string, n: number, path = '/.airlock/whoami'): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i += 5) {
      const batch = await Promise.all(Array.from({ length: Math.min(5, n - i) }, () => rawRequest(`${stack.gatewayUrl}${path}`, { headers: [['Cookie', cookie], ['Accept', 'application/json']] })));
      out.push(...batch.map((r) => r.status));
    }
    return out;
  };

  test('logins finish whichever worker gets the callback, and the session works in every worker', async () => {
    assert.equal(stack.gateway.workers, 2);
    for (const user of ['alice', 'carol', 'dave', 'bob']) {
      const cookie = await login(user);
      assert.deepEqual(await statuses(cookie, 10), Array(10).fill(200), `${user}'s session works on every connection`);
    }
  });

  test('logout in one worker takes effect in the other at once: no later request succeeds', async () => {
    const cookie = await login('carol');
    // both workers now have the session in their memory cache
    assert.deepEqual(await statuses(cookie, 10), Array(10).fill(200));
    const out = await rawRequest(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', headers: [['Cookie', cookie], ['Origin', stack.publicUrl]] });
    assert.equal(out.status, 303);
    const after = await statuses(cookie, 40);
    assert.deepEqual(after, Array(40).fill(401), 'every request after logout is refused');
    const pages = await statuses(cookie, 10, '/api/v1/dags');
    assert.deepEqual(pages, Array(10).fill(401));
  });

  test('metrics are aggregated over the workers', async () => {
    const res = await rawRequest(`${stack.gatewayUrl}/.airlock/metrics`);
    assert.equal(res.status, 200);
    const m = /^airlock_logins_total\{result="ok"\} (\d+)/m.exec(res.body);
    assert.ok(m, res.body.slice(0, 500));
    assert.ok(Number(m[1]) >= 5, `logins of both workers counted (${m[1]})`);
  });
});
