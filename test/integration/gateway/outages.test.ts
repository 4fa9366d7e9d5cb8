import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack, type TestStack } from './harness.ts';
import { assertErrorJson, assertErrorPage } from './flows.ts';
import { loginThroughGateway } from '../../support/login.ts';

/** A TCP server that accepts connections and never answers (an upstream that hangs). */
async function blackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const timed = async <T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
};

describe('outages: upstream down, upstream hanging, IdP down', () => {
  let stack: TestStack;
  let hole: Awaited<ReturnType<typeof blackHole>>;
  let cookie: string;

  before(async () => {
    hole = await blackHole();
    // dev (Airflow 3 under /dev) points at the black hole; prod is the stand-in, closed by a test below
    stack = await startStack({ config: (cfg) => void (cfg.environments.dev.upstream = hole.url) });
    const r = await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo');
    await r.response.arrayBuffer();
    cookie = r.cookieHeader;
  });
  after(async () => {
    await stack.close();
    await hole.close();
  });

  test('an upstream that never answers: 504 within the configured 3s timeout, for a browser and for /api', async () => {
    const page = await timed(() => fetch(`${stack.gatewayUrl}/dev/`, { headers: { cookie, accept: 'text/html' } }));
    assert.ok(page.ms < 5000, `answered after ${Math.round(page.ms)} ms`);
    assert.ok(page.value.status === 504 || page.value.status === 502, `status ${page.value.status}`);
    await assertErrorPage(page.value, page.value.status, 'AIRLOCK_PROXY_');
    const api = await timed(() => fetch(`${stack.gatewayUrl}/dev/api/v2/dags`, { headers: { cookie, accept: 'application/json' } }));
    assert.ok(api.ms < 5000, `answered after ${Math.round(api.ms)} ms`);
    assert.equal(api.value.status, page.value.status);
    assert.match(api.value.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await api.value.json()) as { error: string };
    assert.match(body.error, /^AIRLOCK_PROXY_/);
  });

  test('an upstream that is down: 502 at once, HTML for a browser and JSON for /api', async () => {
    await stack.prod.close();
    const page = await timed(() => fetch(`${stack.gatewayUrl}/home`, { headers: { cookie, accept: 'text/html' } }));
    assert.ok(page.ms < 2000, `answered after ${Math.round(page.ms)} ms`);
    const html = await assertErrorPage(page.value, 502, 'AIRLOCK_PROXY_');
    assert.match(html, /Airflow is not reachable/);
    const api = await timed(() => fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { cookie, accept: 'application/json' } }));
    assert.ok(api.ms < 2000, `answered after ${Math.round(api.ms)} ms`);
    const status = api.value.status;
    assert.equal(status, 502);
    const body = (await api.value.json()) as { error: string; request_id: string };
    assert.match(body.error, /^AIRLOCK_PROXY_/);
    assert.ok(body.request_id);
  });

  test('IdP down: live sessions keep working, new logins and readyz get a clear 503 naming the IdP', async () => {
    const before = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie } });
    assert.equal(before.status, 200);
    await before.arrayBuffer();
    await stack.idp.close();
    // a successful reachability probe of the IdP is trusted for 1s (src/identity/relying-party.ts)
    await sleep(1100);

    const who = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie } });
    assert.equal(who.status, 200, 'the live session still works');
    assert.equal(((await who.json()) as { username: string }).username, 'alice');

    const login = await fetch(`${stack.gatewayUrl}/.airlock/login?rd=/home`, { redirect: 'manual' });
    await assertErrorPage(login, 503, 'AIRLOCK_IDENTITY_IDP_UNAVAILABLE');

    const ready = await fetch(`${stack.gatewayUrl}/.airlock/readyz`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    assert.equal(body.status, 'not_ready');
    assert.notEqual(body.checks.idp, 'ok');
    assert.equal(body.checks.store, 'ok');
    const health = await fetch(`${stack.gatewayUrl}/.airlock/healthz`);
    assert.equal(health.status, 200, 'the process itself is alive');
    await health.arrayBuffer();
  });

  test('IdP down at gateway start: it still starts, live sessions work, new logins get 503', async () => {
    await stack.restart();
    const who = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie } });
    assert.equal(who.status, 200, 'the session lives in the store, not in the old process');
    await who.arrayBuffer();
    await assertErrorPage(await fetch(`${stack.gatewayUrl}/.airlock/login?rd=/`, { redirect: 'manual' }), 503, 'AIRLOCK_IDENTITY_IDP_UNAVAILABLE');
    const page = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { accept: 'application/json' } });
    await assertErrorJson(page, 401, 'AIRLOCK_SERVER_NOT_AUTHENTICATED');
  });
});
