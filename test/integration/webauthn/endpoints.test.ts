import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queryEvents } from '../../../src/audit/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { startStack, type TestStack } from '../gateway/harness.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { CraftedAuthenticator } from '../../unit/webauthn/crafted.ts';

/** The /.airlock/webauthn/ endpoints over HTTP with crafted (node:crypto) authenticators. */
describe('webauthn endpoints over HTTP', () => {
  let stack: TestStack;
  const call = (cookie: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.gatewayUrl}/.airlock/webauthn/${path}`, {
      method: 'POST',
      headers: { cookie, origin: stack.publicUrl, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as Record<string, any> });
  const login = async (user: string) => {
    const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`, { returnTo: '/home' });
    await r.response.arrayBuffer();
    return { cookie: r.cookieHeader, finalUrl: r.finalUrl };
  };
  const home = async (cookie: string) => (await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' })).status;

  before(async () => {
    stack = await startStack({ config: (cfg) => void (cfg.webauthn = { required_for: ['Admin'] }) });
  });
  after(() => stack.close());

  test('a WebSocket upgrade is gated like any request until the session is verified', async () => {
    const { cookie } = await login('alice');
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.gatewayUrl}/api/v1/dags`, {
        headers: { cookie, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('upgrade', () => reject(new Error('tunnel opened for an unverified session')));
      req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 401);
    assert.equal(stack.prod.received.filter((r) => r.headers.some((h) => /^websocket$/i.test(h))).length, 0, 'the upstream never saw the upgrade');
  });

  test('state-changing calls are same-origin JSON only', async () => {
    const { cookie } = await login('alice');
    const cross = await json(await call(cookie, 'register/options', {}, { origin: 'http://evil.example' }));
    assert.equal(cross.status, 403);
    assert.equal(cross.body.error, 'AIRLOCK_SERVER_CROSS_ORIGIN');
    const form = await json(await call(cookie, 'register/options', {}, { 'content-type': 'text/plain' }));
    assert.equal(form.body.error, 'AIRLOCK_WEBAUTHN_REQUEST_INVALID');
    const anon = await json(await call('', 'register/options', {}));
    assert.equal(anon.status, 401);
    assert.equal(anon.body.error, 'AIRLOCK_SERVER_NOT_AUTHENTICATED');
  });

  test('enrolment with a crafted key: wrong origin refused and still gated; then a good response opens Airflow', async () => {
    const { cookie, finalUrl } = await login('alice');
    assert.equal(new URL(finalUrl).pathname, '/.airlock/webauthn/verify');
    assert.equal(await home(cookie), 302);
    const key = new CraftedAuthenticator('localhost', stack.publicUrl);
    const o1 = await json(await call(cookie, 'register/options', {}));
    assert.equal(o1.status, 200);
    assert.equal(o1.body.rp.id, 'localhost');
    const bad = await json(await call(cookie, 'register/verify', { response: key.register(o1.body.challenge, { origin: 'http://localhost:1' }) }));
    assert.equal(bad.body.error, 'AIRLOCK_WEBAUTHN_ORIGIN_MISMATCH');
    assert.equal(await home(cookie), 302, 'still gated');
    const o2 = await json(await call(cookie, 'register/options', {}));
    const good = await json(await call(cookie, 'register/verify', { response: key.register(o2.body.challenge), name: 'Crafted', rd: '/home' }));
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal(good.body.redirect, '/home');
    assert.equal(await home(cookie), 200, 'Airflow opens once enrolled');

    // A new login must assert; a challenge from one session cannot be answered from another.
    const s2 = await login('alice');
    const s3 = await login('alice');
    assert.equal(await home(s2.cookie), 302);
    const opts = await json(await call(s2.cookie, 'authenticate/options', { purpose: 'login' }));
    assert.deepEqual(opts.body.allowCredentials.map((c: { id: string }) => c.id), [key.id]);
    const stolen = key.assert(opts.body.challenge);
    const wrongSession = await json(await call(s3.cookie, 'authenticate/verify', { purpose: 'login', response: stolen }));
    assert.equal(wrongSession.body.error, 'AIRLOCK_WEBAUTHN_CHALLENGE_MISMATCH');
    const burned = await json(await call(s2.cookie, 'authenticate/verify', { purpose: 'login', response: stolen }));
    assert.equal(burned.body.error, 'AIRLOCK_WEBAUTHN_CHALLENGE_UNKNOWN', 'the failed attempt used the challenge up');
    assert.equal(await home(s3.cookie), 302);
    const opts3 = await json(await call(s2.cookie, 'authenticate/options', { purpose: 'login' }));
    const response = key.assert(opts3.body.challenge);
    const ok = await json(await call(s2.cookie, 'authenticate/verify', { purpose: 'login', response }));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(await home(s2.cookie), 200);
    const replay = await json(await call(s2.cookie, 'authenticate/verify', { purpose: 'login', response }));
    assert.equal(replay.body.error, 'AIRLOCK_WEBAUTHN_CHALLENGE_UNKNOWN');

    // Adding a second key from a session that only has a (fresh) IdP login is refused.
    const s4 = await login('alice');
    const add = await json(await call(s4.cookie, 'register/options', {}));
    assert.equal(add.status, 401);
    assert.equal(add.body.error, 'AIRLOCK_WEBAUTHN_MANAGE_VERIFICATION_REQUIRED');
  });

  test('every WebAuthn event is in the audit trail (type webauthn): enrolled, failed, used', async () => {
    const store = await openStore({ kind: 'sqlite', path: join(stack.dir, 'airlock.db'), pool: 1 });
    try {
      let events: Array<{ detail?: Record<string, unknown>; reasons?: string[]; actor?: { username: string } }> = [];
      for (let i = 0; i < 50; i++) {
        events = (await queryEvents(store, { type: 'webauthn' })).map((r) => r.event as never);
        if (events.some((e) => e.detail?.event === 'used')) break;
        await new Promise((r) => setTimeout(r, 100)); // uses and failures are written in the next batch
      }
      const kinds = new Set(events.map((e) => e.detail?.event));
      for (const k of ['enrolled', 'failed', 'used']) assert.ok(kinds.has(k), `a ${k} event (got ${[...kinds].join(', ')})`);
      assert.ok(events.some((e) => e.detail?.event === 'failed' && e.reasons?.includes('AIRLOCK_WEBAUTHN_ORIGIN_MISMATCH')));
      assert.ok(events.every((e) => e.actor?.username === 'alice'));
    } finally {
      await store.close();
    }
  });
});
