import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../../src/store/index.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLIENT_ID, startStack, type TestStack } from '../gateway/harness.ts';
import { SESSION_COOKIE } from '../gateway/flows.ts';
import { CookieJar, followRedirects, loginThroughGateway } from '../../support/login.ts';
import { startWsUpstream, type WsUpstream } from '../proxy/support/ws-upstream.ts';
import net from 'node:net';
import { idpSigningKey } from '../gateway/idp-keys.ts';
import { resignIdToken, startIdpMitm, type IdpMitm } from '../gateway/idp-mitm.ts';
import { captureLog } from '../identity/log-capture.ts';

/**
 * Issue #14 item 1: a session's claims are re-read from the IdP once they are older than session.claims_max_age,
 * with the real dev IdP (oidc-provider, rotating refresh tokens). Times are short here (2 s); the waits are there
 * to let claims age, nothing is asserted about how long anything took.
 */
const MAX_AGE_MS = 2_000;

async function login(stack: TestStack, user: string): Promise<{ cookie: string; jar: CookieJar }> {
  const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`);
  await r.response.arrayBuffer();
  const id = r.jar.get(stack.gatewayUrl, SESSION_COOKIE);
  assert.ok(id, 'logged in');
  return { cookie: `${SESSION_COOKIE}=${id}`, jar: r.jar };
}

async function api(stack: TestStack, cookie: string, path = '/api/v1/dags'): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(`${stack.gatewayUrl}${path}`, { headers: { cookie, accept: 'application/json' } });
  const text = await r.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, body, headers: r.headers };
}

async function whoami(stack: TestStack, cookie: string) {
  return api(stack, cookie, '/.airlock/whoami');
}

const aged = () => sleep(MAX_AGE_MS + 300);

describe('session refresh: groups follow the IdP (SQLite, one worker)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ config: (c) => (c.session = { claims_max_age: '2s', claims_max_stale: '1h', cache_ttl: '10m' }) });
  });
  after(() => stack.close());

  test('a group removed at the IdP takes effect at the first request after claims_max_age', async () => {
    const { cookie } = await login(stack, 'dave');
    assert.equal((await api(stack, cookie)).status, 200, 'dave (analysts -> Viewer) reads DAGs');
    stack.idp.setGroups('dave', []);
    const before = stack.idp.refreshGrants();
    // claims still fresh: nothing is asked of the IdP, dave keeps his role until they age
    assert.equal((await api(stack, cookie)).status, 200);
    assert.equal(stack.idp.refreshGrants(), before);
    await aged();
    const refused = await api(stack, cookie);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, 'AIRLOCK_SERVER_NO_ROLE');
    assert.equal(stack.idp.refreshGrants(), before + 1, 'one refresh at the IdP');
    const me = await whoami(stack, cookie);
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.groups, []);
    assert.deepEqual(me.body.roles, []);
    // and back: a group added at the IdP is granted at the next refresh
    stack.idp.setGroups('dave', ['analysts']);
    await aged();
    assert.equal((await api(stack, cookie)).status, 200);
    assert.deepEqual((await whoami(stack, cookie)).body.roles, ['Viewer']);
    assert.equal(stack.idp.refreshGrants(), before + 2, 'the rotated refresh token was kept and used');
    // the refreshes are in the audit chain, with the groups removed
    const store = await openStore({ kind: 'sqlite', path: `${stack.dir}/airlock.db`, pool: 1 } as never);
    try {
      const rows = await store.db.selectFrom('audit_events').select(['body']).where('type', '=', 'session').where('username', '=', 'dave').execute();
      const details = rows.map((r) => JSON.parse(r.body).detail);
      assert.ok(details.some((d) => d.action === 'refresh' && d.removed === 'analysts' && d.groups === ''), JSON.stringify(details));
    } finally {
      await store.close();
    }
  });

  test('the IdP refusing the refresh token (invalid_grant) ends the session with a clear code', async () => {
    const { cookie } = await login(stack, 'carol');
    assert.equal((await api(stack, cookie)).status, 200);
    // the grant (and its refresh token) is gone at the IdP; no back-channel logout is sent
    await stack.idp.endSessions('carol', { backchannel: false });
    assert.equal((await api(stack, cookie)).status, 200, 'fresh claims: still served');
    await aged();
    const refused = await api(stack, cookie);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'AIRLOCK_SESSION_REFRESH_REFUSED');
    assert.ok(typeof refused.body.login_url === 'string');
    // the session is over: the next request is simply not signed in
    const next = await api(stack, cookie);
    assert.equal(next.status, 401);
    assert.equal(next.body.error, 'AIRLOCK_SERVER_NOT_AUTHENTICATED');
    // a page view gets a page that says what happened, with a way to sign in again
    const page = await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
    await page.arrayBuffer();
    assert.equal(page.status, 302, 'a revoked session is no session: to the sign-in');
  });
});

describe('session refresh: IdP unavailable', () => {
  let stack: TestStack;
  const log = captureLog('warn');
  before(async () => {
    stack = await startStack({ logger: log.logger, config: (c) => (c.session = { claims_max_age: '1s', claims_max_stale: '4s', cache_ttl: '10m' }) });
  });
  after(() => stack.close());

  test('claims are served while younger than claims_max_stale, then a retryable 503; the IdP is asked once per 5 s', async () => {
    const { cookie } = await login(stack, 'bob');
    await stack.idp.close(); // the IdP is down from now on
    await sleep(1_300);
    const stale = await api(stack, cookie);
    assert.equal(stale.status, 200, 'stale claims still served within claims_max_stale');
    for (let i = 0; i < 10; i++) {
      await sleep(200);
      assert.equal((await api(stack, cookie)).status, 200);
    }
    const attempts = (await log.entries()).filter((e) => String(e.msg).startsWith('session: claims not refreshed')).length;
    assert.equal(attempts, 1, 'one attempt at the IdP, then the back-off');
    await sleep(1_200);
    const refused = await api(stack, cookie);
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error, 'AIRLOCK_SESSION_REFRESH_UNAVAILABLE');
    assert.match(refused.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    assert.equal(String(refused.body.retry_after_s), refused.headers.get('retry-after'));
    const page = await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie, accept: 'text/html' } });
    const html = await page.text();
    assert.equal(page.status, 503);
    assert.ok(html.includes('AIRLOCK_SESSION_REFRESH_UNAVAILABLE'));
  });
});

describe('session refresh: no refresh token (silent re-authentication)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ idp: { refreshTokens: false }, config: (c) => (c.session = { claims_max_age: '2s', cache_ttl: '10m' }) });
  });
  after(() => stack.close());

  test('API requests get AIRLOCK_SESSION_REAUTH_REQUIRED; a page view signs in again at the IdP without a form', async () => {
    const { cookie, jar } = await login(stack, 'alice');
    assert.equal((await api(stack, cookie)).status, 200);
    stack.idp.setGroups('alice', ['data-eng']);
    await aged();
    const refused = await api(stack, cookie);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'AIRLOCK_SESSION_REAUTH_REQUIRED');
    assert.equal(stack.idp.refreshGrants(), 0);
    // a page view: to the silent sign-in, which comes back with a new session (the IdP session lives in the jar)
    const page = await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
    await page.arrayBuffer();
    assert.equal(page.status, 302);
    const location = page.headers.get('location') ?? '';
    assert.match(location, /^\/\.airlock\/login\?silent=1&rd=%2Fhome$/);
    const back = await followRedirects(`${stack.gatewayUrl}${location}`, { jar });
    await back.response.arrayBuffer();
    assert.equal(new URL(back.url).origin, stack.gatewayUrl, `no IdP page on the way (ended at ${back.url})`);
    assert.equal(new URL(back.url).pathname, '/home');
    const renewed = jar.get(stack.gatewayUrl, SESSION_COOKIE)!;
    assert.notEqual(`${SESSION_COOKIE}=${renewed}`, cookie, 'a new session');
    const me = await whoami(stack, `${SESSION_COOKIE}=${renewed}`);
    assert.deepEqual(me.body.groups, ['data-eng'], 'the claims the IdP has now');
    assert.equal((await api(stack, cookie)).body.error, 'AIRLOCK_SERVER_NOT_AUTHENTICATED', 'the old session was replaced');
  });

  test('without an IdP session the silent sign-in continues with the normal sign-in form', async () => {
    const { cookie } = await login(stack, 'erin');
    await aged();
    const browser = new CookieJar(); // the gateway cookie only: no IdP session in this browser
    browser.set(stack.gatewayUrl, SESSION_COOKIE, cookie.slice(SESSION_COOKIE.length + 1));
    const r = await followRedirects(`${stack.gatewayUrl}/home`, { jar: browser, headers: { accept: 'text/html' } });
    const html = await r.response.text();
    assert.equal(new URL(r.url).origin, stack.idp.issuer, `ends at the IdP (${r.url})`);
    assert.ok(/type="password"/.test(html), 'the IdP login form');
  });
});

describe('session refresh: an open WebSocket follows the refreshed groups', () => {
  let stack: TestStack;
  let ws: WsUpstream;
  before(async () => {
    ws = await startWsUpstream();
    stack = await startStack({
      config: (c) => {
        c.session = { claims_max_age: '2s', cache_ttl: '10m' };
        c.environments.live = { host: 'localhost', path_prefix: '/live', upstream: ws.url, airflow: 2, timeout: '3s', connect_timeout: '1s' };
      },
    });
  });
  after(async () => {
    await stack.close();
    await ws.close();
  });

  test('the refresh that removes the role closes the tunnel; a refresh that keeps it does not', async () => {
    const { cookie } = await login(stack, 'dave');
    const sock = net.connect(Number(new URL(stack.gatewayUrl).port), '127.0.0.1');
    sock.on('error', () => undefined);
    let closed = false;
    sock.once('close', () => (closed = true));
    const head = await new Promise<string>((resolve) => {
      let buf = '';
      sock.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        if (buf.includes('\r\n\r\n')) resolve(buf);
      });
      sock.write(['GET /live/api/v1/dags HTTP/1.1', `Host: ${new URL(stack.gatewayUrl).host}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', `Cookie: ${cookie}`, '', ''].join('\r\n'));
    });
    assert.match(head, /^HTTP\/1\.1 101/);
    await aged();
    assert.equal((await api(stack, cookie)).status, 200, 'refreshed, groups unchanged');
    await sleep(100);
    assert.equal(closed, false, 'the tunnel stays while the session may use it');
    stack.idp.setGroups('dave', []);
    await aged();
    assert.equal((await api(stack, cookie)).status, 403, 'the refresh removed the role');
    const deadline = Date.now() + 250;
    while (!closed && Date.now() < deadline) await sleep(10);
    assert.equal(closed, true, 'the tunnel was closed within 250 ms of the refresh');
  });
});

describe('session refresh: the IdP answer is verified like a login, and no token is ever logged', () => {
  let stack: TestStack;
  let mitm: IdpMitm;
  const log = captureLog('debug');
  const seen: string[] = [];
  before(async () => {
    stack = await startStack({
      logger: log.logger,
      prepare: async ({ idp }) => {
        mitm = await startIdpMitm(idp.issuer);
      },
      config: (c) => {
        c.idp.discovery_url = mitm.discoveryUrl;
        c.session = { claims_max_age: '2s', cache_ttl: '10m' };
      },
    });
  });
  after(async () => {
    await stack.close();
    await mitm.close();
  });

  test('refresh tokens are sealed in the store and appear in no log line', async () => {
    mitm.onToken = (body) => {
      for (const k of ['access_token', 'refresh_token', 'id_token']) if (typeof body[k] === 'string') seen.push(body[k] as string);
      return body;
    };
    const { cookie } = await login(stack, 'bob');
    await aged();
    assert.equal((await api(stack, cookie)).status, 200);
    mitm.onToken = undefined;
    assert.ok(seen.filter((t) => t.length > 0).length >= 4, 'the login and the refresh each returned tokens');
    const store = await openStore({ kind: 'sqlite', path: `${stack.dir}/airlock.db`, pool: 1 } as never);
    try {
      const rows = await store.db.selectFrom('sessions').select('refresh_token').where('refresh_token', 'is not', null).execute();
      assert.ok(rows.length > 0);
      for (const r of rows) {
        assert.match(r.refresh_token!, /^v1\./);
        for (const t of seen) assert.ok(!r.refresh_token!.includes(t), 'not the plain token');
      }
    } finally {
      await store.close();
    }
    const text = await log.text();
    assert.ok(text.includes('claims refreshed'), 'the refresh was logged');
    for (const t of seen) assert.ok(!text.includes(t), 'no token in the log');
  });

  test('a refreshed ID token naming another subject ends the session', async () => {
    const { cookie } = await login(stack, 'carol');
    const key = idpSigningKey(stack.idp);
    mitm.onToken = async (body) => ({ ...body, id_token: await resignIdToken(body.id_token as string, key, (c) => (c.sub = 'someone-else')) });
    await aged();
    try {
      const r = await api(stack, cookie);
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'AIRLOCK_SESSION_REFRESH_REFUSED');
    } finally {
      mitm.onToken = undefined;
    }
    assert.match(await log.text(), /"check":"sub"/);
  });

  test('userinfo naming another subject at refresh ends the session', async () => {
    const { cookie } = await login(stack, 'alice');
    mitm.onUserinfo = (body) => ({ ...body, sub: 'someone-else' });
    await aged();
    try {
      const r = await api(stack, cookie);
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'AIRLOCK_SESSION_REFRESH_REFUSED');
    } finally {
      mitm.onUserinfo = undefined;
    }
    assert.match(await log.text(), /AIRLOCK_IDENTITY_USERINFO_MISMATCH/);
  });
});

describe('session refresh: the IdP client credential changes', () => {
  const ROTATED = 'rotated-client-secret-0123456789ab';
  let stack: TestStack;
  const log = captureLog('warn');
  before(async () => {
    stack = await startStack({ logger: log.logger, config: (c) => (c.session = { claims_max_age: '1s', cache_ttl: '10m' }) });
  });
  after(() => stack.close());

  test('the IdP refusing the gateway itself keeps serving; the rotated credential makes the old refresh tokens unreadable', async () => {
    const { cookie } = await login(stack, 'carol');
    await stack.idp.setClientSecret(CLIENT_ID, ROTATED);
    await sleep(1_300);
    // invalid_client is the gateway's problem, not the person's: the session keeps its claims for now
    assert.equal((await api(stack, cookie)).status, 200);
    assert.match(await log.text(), /"idp_error":"invalid_client"/);
    await writeFile(join(stack.dir, 'client-secret'), `${ROTATED}\n`);
    const holder = stack.gateway.worker!.services.holder;
    const version = holder.current.version;
    process.kill(process.pid, 'SIGHUP');
    for (let i = 0; i < 200 && holder.current.version === version; i++) await sleep(25);
    assert.equal(holder.current.version, version + 1, 'reloaded');
    await sleep(5_200); // the back-off after the failed attempt
    const r = await api(stack, cookie);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'AIRLOCK_SESSION_REAUTH_REQUIRED', 'the token sealed under the old secret cannot be opened');
    // a new sign-in gets a refresh token sealed under the new credential, and refreshes again
    const fresh = await login(stack, 'carol');
    await sleep(1_300);
    const before = stack.idp.refreshGrants();
    assert.equal((await api(stack, fresh.cookie)).status, 200);
    assert.equal(stack.idp.refreshGrants(), before + 1);
  });
});
