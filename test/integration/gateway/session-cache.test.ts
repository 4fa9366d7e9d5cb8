import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loginThroughGateway } from '../../support/login.ts';
import { startStack, type TestStack } from './harness.ts';

/**
 * `session.cache_entries` bounds each worker's session cache and signed-assertion cache (issue #15: RSS per worker
 * with 100k live sessions); a session outside it is read from the store on its next request. A reload applies a
 * new bound, and a reload that changes the role mapping applies to cached sessions at once.
 */
describe('session.cache_entries and reloads of a live session cache', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ config: (cfg) => (cfg.session = { cache_entries: 2 }) });
  });
  after(() => stack.close());

  const login = async (user: string) => {
    const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`);
    await r.response.arrayBuffer();
    return r.cookieHeader;
  };
  const dags = async (cookie: string) => {
    const r = await fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { cookie } });
    await r.arrayBuffer();
    return r.status;
  };
  const roles = async (cookie: string) => {
    const r = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie } });
    assert.equal(r.status, 200);
    return ((await r.json()) as { roles: string[] }).roles;
  };
  const reload = async (change: (cfg: Record<string, any>) => void) => {
    await stack.writeConfig(change);
    const r = await stack.gateway.worker!.services.holder.reload();
    assert.equal(r.ok, true, JSON.stringify(r));
  };

  test('at most cache_entries sessions and assertions per worker; the others are served from the store; a reload resizes both', async () => {
    const svc = stack.gateway.worker!.services;
    assert.equal(svc.sessions.cacheBound, 2);
    const cookies: string[] = [];
    for (const user of ['alice', 'bob', 'carol', 'dave']) cookies.push(await login(user));
    for (let round = 0; round < 2; round++) {
      for (const c of cookies) assert.equal(await dags(c), 200, 'every session is served, cached or not');
      assert.ok(svc.sessions.cachedCount <= 2, `${svc.sessions.cachedCount} sessions cached`);
      assert.ok(svc.assertions().size <= 2, `${svc.assertions().size} assertions cached`);
    }
    assert.equal(svc.sessions.cachedCount, 2);
    assert.equal(svc.assertions().size, 2);

    await reload((cfg) => (cfg.session = { cache_entries: 1 }));
    assert.equal(svc.sessions.cacheBound, 1);
    assert.equal(svc.sessions.cachedCount, 1, 'a smaller bound drops the oldest at once');
    assert.equal(svc.assertions().size, 1);
    for (const c of cookies) assert.equal(await dags(c), 200);
    assert.equal(svc.sessions.cachedCount, 1);

    await reload((cfg) => (cfg.session = { cache_entries: 10 }));
    for (const c of cookies) assert.equal(await dags(c), 200);
    assert.equal(svc.sessions.cachedCount, 4);
    assert.equal(svc.assertions().size, 4);
  });

  test('a reload that changes the role mapping applies to a cached session at once, and back', async () => {
    const cookie = await login('bob');
    assert.deepEqual(await roles(cookie), ['Op']);
    const id = cookie.split('=')[1]!;
    const cached = stack.gateway.worker!.services.sessions.getCached(id);
    assert.ok(cached && cached !== 'miss', 'the session is in the cache');
    await reload((cfg) => {
      cfg.session = { cache_entries: 10 };
      cfg.roles['data-platform-ops'] = 'User';
    });
    assert.equal(stack.gateway.worker!.services.sessions.getCached(id), cached, 'the same cached record: not re-read from the store');
    assert.deepEqual(await roles(cookie), ['User']);
    assert.equal(await dags(cookie), 200);
    await reload((cfg) => (cfg.session = { cache_entries: 10 }));
    assert.deepEqual(await roles(cookie), ['Op']);
  });
});
