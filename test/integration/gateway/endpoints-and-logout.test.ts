import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from './harness.ts';
import { assertErrorPage, assertErrorJson, rawRequest, SESSION_COOKIE } from './flows.ts';
import { subjectOf } from '../../../demo/idp/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { hashSessionId } from '../../../src/session/index.ts';

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

describe('gateway endpoints', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ config: (cfg) => (cfg.internal_listen = '127.0.0.1:0') });
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

  test('/.airlock/metrics (on internal_listen): airlock_requests_total with decision labels and airlock_logins_total; not on the public listener', async () => {
    const cookie = await login('dave');
    await (await get('/home', { cookie })).arrayBuffer();
    await (await get('/home', { accept: 'text/html' })).arrayBuffer();
    await (await fetch(`${stack.gatewayUrl}/api/v1/dags/example_etl`, { method: 'PATCH', headers: { cookie, 'content-type': 'application/json' }, body: '{"is_paused":true}' })).arrayBuffer();
    const onPublic = await get('/.airlock/metrics');
    assert.equal(onPublic.status, 404, 'public_metrics is off by default');
    assert.ok((await onPublic.text()).includes('AIRLOCK_SERVER_NOT_FOUND'));
    assert.ok(stack.gateway.internalUrl, 'internal_listen is serving');
    const res = await fetch(`${stack.gateway.internalUrl}/.airlock/metrics`);
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

    test("id_token_hint is the session's ID token as the store holds it: the worker's memory copy keeps none", async () => {
      const cookie = await login('carol');
      assert.equal(await whoami(cookie), 200); // in this worker's session cache now
      const id = cookie.split('=')[1]!;
      const svc = stack.gateway.worker!.services;
      const cached = svc.sessions.getCached(id);
      assert.ok(cached && cached !== 'miss', 'the session is cached');
      assert.equal(cached.hasIdToken, true);
      assert.ok(!('idToken' in cached), 'no ID token in the cached record');
      const stored = (await svc.store.sessions.findByHash(hashSessionId(id)))?.idToken;
      assert.ok(stored, 'the store holds the ID token of the login');
      const res = await fetch(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: stack.publicUrl } });
      assert.equal(res.status, 303);
      assert.equal(new URL(res.headers.get('location')!).searchParams.get('id_token_hint'), stored);
      assert.equal(await whoami(cookie), 401);
    });

    test('a cross-origin POST (Origin: http://evil.example) is refused and the session survives', async () => {
      const cookie = await login('carol');
      const res = await fetch(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: 'http://evil.example' } });
      await assertErrorPage(res, 403, 'AIRLOCK_SERVER_CROSS_ORIGIN');
      const site = await fetch(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'sec-fetch-site': 'cross-site' } });
      await assertErrorPage(site, 403, 'AIRLOCK_SERVER_CROSS_ORIGIN');
      assert.equal(await whoami(cookie), 200, 'not logged out');
    });

    test('a same-origin form post with "Origin: null" (a no-referrer page) and Sec-Fetch-Site: same-origin ends the session', async () => {
      const cookie = await login('carol');
      const res = await fetch(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: 'null', 'sec-fetch-site': 'same-origin' } });
      assert.equal(res.status, 303);
      assert.equal(await whoami(cookie), 401);
    });

    test('refused, the session surviving: Origin null without fetch metadata, a sandboxed frame (null + cross-site), no Origin and no Sec-Fetch-Site, same-site, a foreign Origin claiming same-origin', async () => {
      const cookie = await login('carol');
      const cases: Array<[string, Record<string, string>]> = [
        ['Origin null alone', { origin: 'null' }],
        ['sandboxed frame: Origin null, Sec-Fetch-Site cross-site', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
        ['neither Origin nor Sec-Fetch-Site', {}],
        ['a sibling subdomain: Sec-Fetch-Site same-site', { origin: 'http://other.localhost', 'sec-fetch-site': 'same-site' }],
        ['a foreign Origin with Sec-Fetch-Site same-origin', { origin: 'http://evil.example', 'sec-fetch-site': 'same-origin' }],
        ['the origin with another port', { origin: 'http://localhost:1' }],
      ];
      for (const [what, headers] of cases) {
        const res = await fetch(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, ...headers } });
        assert.equal(res.status, 403, what);
        await assertErrorPage(res, 403, 'AIRLOCK_SERVER_CROSS_ORIGIN');
        assert.equal(res.headers.getSetCookie().length, 0, `${what}: no cookie change`);
      }
      // repeated headers are not one origin
      const twice = await rawRequest(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', headers: [['Cookie', cookie], ['Origin', stack.publicUrl], ['Origin', 'http://evil.example']] });
      assert.equal(twice.status, 403, 'two Origin headers');
      assert.equal(await whoami(cookie), 200, 'not logged out');
    });

    test('gateway pages send Referrer-Policy: same-origin, so their own forms post their real Origin', async () => {
      const res = await get('/.airlock/logout');
      assert.equal(res.headers.get('referrer-policy'), 'same-origin');
      await res.arrayBuffer();
    });

    test("the sign-out page's CSP admits the IdP's end_session_endpoint as a form target (the POST redirects there), and no other page's does", async () => {
      const discovery = (await (await fetch(`${stack.idp.issuer}/.well-known/openid-configuration`)).json()) as { end_session_endpoint: string };
      const idpOrigin = new URL(discovery.end_session_endpoint).origin;
      const page = await get('/.airlock/logout');
      await page.arrayBuffer();
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, new RegExp(`form-action 'self' ${idpOrigin.replace(/[.:/]/g, '\\$&')};`));
      assert.match(csp, /frame-ancestors 'none'/);
      const other = await get('/.airlock/logged-out');
      await other.arrayBuffer();
      assert.match(other.headers.get('content-security-policy') ?? '', /form-action 'self';/);
      // the "not allowed" page has the sign-out button too
      const viewer = await login('dave');
      const denied = await fetch(`${stack.gatewayUrl}/dags/example_etl/trigger`, {
        method: 'POST', redirect: 'manual',
        headers: { cookie: viewer, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: stack.publicUrl },
        body: 'conf=%7B%7D',
      });
      assert.equal(denied.status, 403);
      assert.match(await denied.text(), /<form method="post" action="\/\.airlock\/logout">/);
      assert.equal(denied.headers.get('content-security-policy'), csp);
    });
  });

  describe("Airflow's own Log Out", () => {
    const whoami = async (cookie: string) => {
      const r = await get('/.airlock/whoami', { cookie });
      await r.arrayBuffer();
      return r.status;
    };

    test('Airflow 2: POST /logout/ (the navbar form) is answered by the gateway with 303 to its sign-out confirmation; nothing reaches Airflow', async () => {
      const cookie = await login('carol');
      const before = stack.prod.received.length;
      const res = await fetch(`${stack.gatewayUrl}/logout/`, {
        method: 'POST', redirect: 'manual',
        headers: { cookie, origin: stack.publicUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: 'csrf_token=whatever-airflow-put-in-the-page',
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `${stack.publicUrl}/.airlock/logout`);
      assert.ok(!stack.prod.received.slice(before).some((r) => r.url.startsWith('/logout')), 'Airflow never saw it');
      // the confirmation page it leads to offers the gateway's sign-out form
      const page = await get('/.airlock/logout', { cookie });
      assert.match(await page.text(), /<form method="post" action="\/\.airlock\/logout">/);
      // the redirect alone signs nobody out (a cross-site post here gains nothing); the confirmation does
      assert.equal(await whoami(cookie), 200);
      const done = await fetch(`${stack.gatewayUrl}/.airlock/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: stack.publicUrl } });
      assert.equal(done.status, 303);
      assert.equal(await whoami(cookie), 401);
    });

    test('Airflow 2: GET /logout/ and /logout, and without a session, get the same redirect', async () => {
      for (const path of ['/logout/', '/logout', '/logout/?next=%2Fhome']) {
        const res = await get(path, { accept: 'text/html' });
        assert.equal(res.status, 303, path);
        assert.equal(res.headers.get('location'), `${stack.publicUrl}/.airlock/logout`, path);
      }
      const cross = await fetch(`${stack.gatewayUrl}/logout/`, { method: 'POST', redirect: 'manual', headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      assert.equal(cross.status, 303, 'a cross-site post only leads to the confirmation page');
    });

    test('Airflow 3: GET /api/v2/auth/logout (under the environment prefix) leads to the same confirmation', async () => {
      const cookie = await login('carol');
      const before = stack.dev.received.length;
      const res = await get('/dev/api/v2/auth/logout', { cookie });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `${stack.publicUrl}/.airlock/logout`);
      assert.equal(stack.dev.received.length, before, 'Airflow never saw it');
      // not Airflow 3's route on an Airflow 2 environment, nor Airflow 2's on an Airflow 3 one
      const other = await get('/api/v2/auth/logout', { cookie, accept: 'application/json' });
      assert.notEqual(other.status, 303);
      await other.arrayBuffer();
      const other3 = await fetch(`${stack.gatewayUrl}/dev/logout/`, { method: 'POST', redirect: 'manual', headers: { cookie, accept: 'application/json' } });
      assert.notEqual(other3.status, 303);
      await other3.arrayBuffer();
    });
  });
});
