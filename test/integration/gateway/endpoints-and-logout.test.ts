import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from './harness.ts';
import { assertErrorPage, assertErrorJson, SESSION_COOKIE } from './flows.ts';
import { subjectOf } from '../../../demo/idp/index.ts';
import { loginThroughGateway } from '../../support/login.ts';

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

describe('gateway endpoints', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  const login = async (user: string) => {
    const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`);
    await r.response.arrayBuffer();
    return r.cookieHeader;
  };
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${stack.gatewayUrl}${path}`, { redirect: 'manual', headers });

  test('/.airlock/whoami: the identity as JSON with a session, 401 JSON without', async () => {
    const cookie = await login('bob');
    const res = await get('/.airlock/whoami', { cookie });
    assert.equal(res.status, 200);
    const me = (await res.json()) as Record<string, any>;
    assert.equal(me.sub, subjectOf('bob'));
    assert.equal(me.username, 'bob');
    assert.equal(me.email, 'bob@example.com');
    assert.deepEqual(me.groups, ['data-platform-ops']);
    assert.deepEqual(me.roles, ['Op']);
    assert.equal(me.kind, 'person');
    assert.ok(Date.parse(me.session.expires_at) > Date.now());
    assert.ok(!JSON.stringify(me).includes(cookie.split('=')[1]!), 'the session id itself is not echoed');
    await assertErrorJson(await get('/.airlock/whoami'), 401, 'AIRLOCK_SERVER_NOT_AUTHENTICATED');
  });

  test('/.airlock/healthz and /.airlock/readyz answer 200 while everything is up', async () => {
    const h = await get('/.airlock/healthz');
    assert.equal(h.status, 200);
    assert.equal(((await h.json()) as { status: string }).status, 'ok');
    const r = await get('/.airlock/readyz');
    const body = (await r.json()) as { status: string; checks: Record<string, string> };
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.deepEqual(body.checks, { idp: 'ok', store: 'ok' });
  });

  test('/.airlock/jwks.json: public ES256 keys with kids, no private members', async () => {
    const res = await get('/.airlock/jwks.json');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /json/);
    const { keys } = (await res.json()) as { keys: Array<Record<string, unknown>> };
    assert.ok(keys.length >= 1);
    for (const k of keys) {
      assert.equal(k.kty, 'EC');
      assert.equal(k.crv, 'P-256');
      assert.equal(typeof k.kid, 'string');
      for (const m of PRIVATE_JWK_MEMBERS) assert.equal(k[m], undefined, `no "${m}" in the published key`);
    }
  });

  test('/.airlock/metrics: airlock_requests_total with decision labels and airlock_logins_total', async () => {
    const cookie = await login('dave');
    await (await get('/home', { cookie })).arrayBuffer();
    await (await get('/home', { accept: 'text/html' })).arrayBuffer();
    await (await fetch(`${stack.gatewayUrl}/api/v1/dags/example_etl`, { method: 'PATCH', headers: { cookie, 'content-type': 'application/json' }, body: '{"is_paused":true}' })).arrayBuffer();
    const res = await get('/.airlock/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^airlock_requests_total\{[^}]*decision="allow"[^}]*\} \d+/m);
    assert.match(text, /^airlock_requests_total\{[^}]*decision="deny"[^}]*\} \d+/m);
    assert.match(text, /^airlock_requests_total\{[^}]*decision="unauthenticated"[^}]*\} \d+/m);
    assert.match(text, /^airlock_logins_total\{result="ok"\} [1-9]\d*/m);
  });

  test('an unknown gateway page is a 404 with a code, a wrong method a 405', async () => {
    const nf = await get('/.airlock/nope');
    assert.equal(nf.status, 404);
    assert.ok((await nf.text()).includes('AIRLOCK_SERVER_NOT_FOUND'));
    const m = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { method: 'DELETE' });
    assert.equal(m.status, 405);
    assert.ok((await m.text()).includes('AIRLOCK_SERVER_METHOD_NOT_ALLOWED'));
  });

  describe('logout', () => {
    const whoami = async (cookie: string) => {
      const r = await get('/.airlock/whoami', { cookie });
      await r.arrayBuffer();
      return r.status;
    };

    test('GET shows a sign-out form and does not log out', async () => {
      const cookie = await login('carol');
      const res = await get('/.airlock/logout', { cookie });
      assert.equal(res.status, 200);
      const page = await res.text();
      assert.match(page, /<form method="post" action="\/\.airlock\/logout">/);
      assert.equal(res.headers.getSetCookie().length, 0, 'no cookie change');
      assert.equal(await whoami(cookie), 200, 'still signed in');
    });

    test('POST ends the session (the cookie no longer works) and redirects to the IdP end_session_endpoint', async () => {
      const cookie = await login('carol');
      assert.equal(await whoami(cookie), 200);
      const res = await fetch(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: stack.publicUrl } });
      assert.equal(res.status, 303);
      const loc = new URL(res.headers.get('location')!);
      const discovery = (await (await fetch(`${stack.idp.issuer}/.well-known/openid-configuration`)).json()) as { end_session_endpoint: string };
      assert.equal(`${loc.origin}${loc.pathname}`, discovery.end_session_endpoint);
      assert.equal(loc.searchParams.get('post_logout_redirect_uri'), `${stack.publicUrl}/.airlock/logged-out`);
      assert.ok(loc.searchParams.get('id_token_hint'), 'id_token_hint lets the IdP end its session too');
      assert.ok(res.headers.getSetCookie().some((l) => l.startsWith(`${SESSION_COOKIE}=`) && /Max-Age=0/i.test(l)), 'the cookie is cleared');
      // the old cookie value, replayed, is dead everywhere
      assert.equal(await whoami(cookie), 401);
      const page = await get('/home', { cookie, accept: 'text/html' });
      await page.arrayBuffer();
      assert.equal(page.status, 302);
      assert.match(page.headers.get('location') ?? '', /^\/\.airlock\/login/);
    });

    test('a cross-origin POST (Origin: http://evil.example) is refused and the session survives', async () => {
      const cookie = await login('carol');
      const res = await fetch(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: 'http://evil.example' } });
      await assertErrorPage(res, 403, 'AIRLOCK_SERVER_CROSS_ORIGIN');
      const site = await fetch(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'sec-fetch-site': 'cross-site' } });
      await assertErrorPage(site, 403, 'AIRLOCK_SERVER_CROSS_ORIGIN');
      assert.equal(await whoami(cookie), 200, 'not logged out');
    });
  });
});
