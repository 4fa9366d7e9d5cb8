import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from './harness.ts';
import { assertErrorPage, loginUntilCallback, requestCallback, SESSION_COOKIE, sessionCookieSet } from './flows.ts';
import { CookieJar, loginThroughGateway } from '../../support/login.ts';

const whoamiStatus = async (gatewayUrl: string, cookie: string): Promise<number> => {
  const r = await fetch(`${gatewayUrl}/.airlock/whoami`, { headers: { cookie } });
  await r.arrayBuffer();
  return r.status;
};

/** A page view (browser) and an API call with `cookie`: both must be treated as signed out, and nothing forwarded. */
async function assertSignedOut(stack: TestStack, cookie: string): Promise<void> {
  const before = stack.prod.received.length;
  const page = await fetch(`${stack.gatewayUrl}/home`, { redirect: 'manual', headers: { cookie, accept: 'text/html' } });
  await page.arrayBuffer();
  assert.equal(page.status, 302);
  assert.match(page.headers.get('location') ?? '', /^\/\.airlock\/login\?rd=/);
  const api = await fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { cookie, accept: 'application/json' } });
  assert.equal(api.status, 401);
  assert.equal(((await api.json()) as { error: string }).error, 'AIRLOCK_SERVER_NOT_AUTHENTICATED');
  assert.equal(await whoamiStatus(stack.gatewayUrl, cookie), 401);
  assert.equal(stack.prod.received.length, before, 'nothing reached the upstream');
}

describe('session cookies: forged, fixed, bound', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  test('a forged session cookie (well-formed random id, or garbage) is no session', async () => {
    await assertSignedOut(stack, `${SESSION_COOKIE}=${randomBytes(32).toString('base64url')}`);
    await assertSignedOut(stack, `${SESSION_COOKIE}=not-a-session`);
    await assertSignedOut(stack, `${SESSION_COOKIE}=${'A'.repeat(43)}`);
  });

  test('a real session id with one character changed is no session', async () => {
    const r = await loginThroughGateway(stack.gatewayUrl, 'carol', 'carol-demo');
    await r.response.arrayBuffer();
    const id = r.jar.get(stack.gatewayUrl, SESSION_COOKIE)!;
    assert.equal(await whoamiStatus(stack.gatewayUrl, `${SESSION_COOKIE}=${id}`), 200);
    const flipped = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    await assertSignedOut(stack, `${SESSION_COOKIE}=${flipped}`);
  });

  test('session fixation: a cookie planted before login is replaced, and the planted value is useless afterwards', async () => {
    // the attacker's own, valid session id (the strongest fixation), and a made-up one
    const attacker = await loginThroughGateway(stack.gatewayUrl, 'erin', 'erin-demo');
    await attacker.response.arrayBuffer();
    const planted = attacker.jar.get(stack.gatewayUrl, SESSION_COOKIE)!;
    for (const value of [planted, randomBytes(32).toString('base64url')]) {
      const victim = new CookieJar();
      victim.set(stack.gatewayUrl, SESSION_COOKIE, value);
      const r = await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo', { jar: victim });
      await r.response.arrayBuffer();
      const after = victim.get(stack.gatewayUrl, SESSION_COOKIE);
      assert.ok(after && after !== value, 'a new session id was issued');
      const who = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie: `${SESSION_COOKIE}=${after}` } });
      assert.equal(((await who.json()) as { username: string }).username, 'alice');
      await assertSignedOut(stack, `${SESSION_COOKIE}=${value}`);
    }
  });

  test('login state is bound to the browser: a callback URL replayed from another cookie jar is refused', async () => {
    const victim = await loginUntilCallback(stack.gatewayUrl, 'alice', 'alice-demo');
    // another browser that has started a login of its own (so it has a binding cookie, just not this one)
    const other = new CookieJar();
    const start = await fetch(`${stack.gatewayUrl}/.airlock/login?rd=/`, { redirect: 'manual' });
    other.store(stack.gatewayUrl, start);
    await start.arrayBuffer();
    assert.ok(other.get(stack.gatewayUrl, 'airlock-login'));
    await assertErrorPage(await requestCallback(victim.callbackUrl, other), 400, 'AIRLOCK_IDENTITY_LOGIN_STATE_INVALID');
    assert.equal(await whoamiStatus(stack.gatewayUrl, other.header(stack.gatewayUrl)), 401);
    // and a jar with no cookies at all
    const fresh = await loginUntilCallback(stack.gatewayUrl, 'alice', 'alice-demo');
    await assertErrorPage(await requestCallback(fresh.callbackUrl, new CookieJar()), 400, 'AIRLOCK_IDENTITY_LOGIN_STATE_INVALID');
  });

  test('the session cookie is HttpOnly, SameSite, Path=/ and its value is not the one from the IdP', async () => {
    const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, 'bob', 'bob-demo');
    const res = await requestCallback(callbackUrl, jar);
    const line = res.headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`))!;
    assert.ok(sessionCookieSet(res));
    assert.match(line, /HttpOnly/i);
    assert.match(line, /SameSite=(Lax|Strict)/i);
    assert.match(line, /Path=\//);
    assert.ok(!line.includes(callbackUrl.searchParams.get('code')!));
  });
});

describe('session timeouts (idle 2s, absolute 5s)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({
      config: (cfg) => {
        cfg.session = { idle_timeout: '2s', absolute_timeout: '5s' };
      },
    });
  });
  after(() => stack.close());

  test('a session unused for longer than idle_timeout ends', async () => {
    const r = await loginThroughGateway(stack.gatewayUrl, 'carol', 'carol-demo');
    await r.response.arrayBuffer();
    assert.equal(await whoamiStatus(stack.gatewayUrl, r.cookieHeader), 200);
    await sleep(2600);
    await assertSignedOut(stack, r.cookieHeader);
  });

  test('a session in constant use still ends at absolute_timeout', async () => {
    const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, 'carol', 'carol-demo');
    const res = await requestCallback(callbackUrl, jar);
    const issued = Date.now();
    assert.match(res.headers.getSetCookie().join('\n'), /airlock=[^;]+;[^\n]*Max-Age=5\b/i, 'the cookie lives as long as the session');
    const cookie = jar.header(stack.gatewayUrl);
    while (Date.now() - issued < 4000) {
      assert.equal(await whoamiStatus(stack.gatewayUrl, cookie), 200, `still valid after ${Date.now() - issued} ms`);
      await sleep(800);
    }
    await sleep(Math.max(0, 5400 - (Date.now() - issued)));
    await assertSignedOut(stack, cookie);
  });
});
