import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import { subjectOf } from '../../../demo/idp/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { CLIENT_ID, CLIENT_SECRET, startStack, type TestStack } from '../gateway/harness.ts';
import { idpSigningKey } from '../gateway/idp-keys.ts';
import { rawRequest, SESSION_COOKIE, type RawResponse } from '../gateway/flows.ts';
import { CookieJar, followRedirects, loginThroughGateway, parseForms } from '../../support/login.ts';
import { startIdpFront, PASS, type IdpFront } from '../identity/idp-front.ts';

/**
 * Issue #14 item 3: OIDC Back-Channel Logout 1.0 at /.airlock/backchannel-logout (the dev IdP's real logout tokens,
 * and hand-made hostile ones signed with the IdP's own key so that each fails exactly one check), and Front-Channel
 * Logout at /.airlock/frontchannel-logout. Two worker processes; the session cache trusts itself for 10 minutes,
 * so only the revocation bus can make the other worker refuse.
 */
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const BOUND_MS = 250;

let stack: TestStack;
let store: Store;

before(async () => {
  // verifyAssertions off: two workers starting on a fresh store may each mint a signing key, and the stand-in's
  // JWKS cache would refuse the other's assertions for a while (not what this file is about)
  stack = await startStack({ workers: 2, verifyAssertions: false, config: (c) => (c.session = { cache_ttl: '10m' }) });
  store = await openStore({ kind: 'sqlite', path: `${stack.dir}/airlock.db`, pool: 1 } as never);
});
after(async () => {
  await store?.close();
  await stack?.close();
});

async function login(user: string): Promise<{ cookie: string; jar: CookieJar; sid: string }> {
  const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`);
  await r.response.arrayBuffer();
  const id = r.jar.get(stack.gatewayUrl, SESSION_COOKIE)!;
  const rows = await store.db.selectFrom('sessions').select(['idp_sid', 'created_at']).where('sub', '=', subjectOf(user)).where('revoked_at', 'is', null).orderBy('created_at', 'desc').execute();
  assert.ok(rows[0]?.idp_sid, 'the session recorded the IdP sid at login');
  return { cookie: `${SESSION_COOKIE}=${id}`, jar: r.jar, sid: rows[0]!.idp_sid! };
}

/** n requests at once, each on a fresh connection (spread over both workers). */
const burst = (cookie: string, n = 8) => Promise.all(Array.from({ length: n }, () => rawRequest(`${stack.gatewayUrl}/api/v1/dags`, { headers: [['Cookie', cookie], ['Accept', 'application/json']] })));

/** Every request refused within BOUND_MS, and every later one too. */
async function assertEndedEverywhere(cookie: string): Promise<void> {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const statuses = (await burst(cookie)).map((r) => r.status);
    if (statuses.every((s) => s === 401)) break;
    assert.ok(Date.now() < deadline, `still served ${BOUND_MS} ms after the logout: ${statuses}`);
  }
  for (const r of await burst(cookie, 10)) assert.equal(r.status, 401, r.body.slice(0, 200));
}

async function sign(payload: JWTPayload, opts: { alg?: string; typ?: string | null; key?: 'idp' | 'other' } = {}): Promise<string> {
  const jwk = idpSigningKey(stack.idp);
  const key = await importJWK(jwk, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  const body = { iss: stack.idp.issuer, aud: CLIENT_ID, iat: now, exp: now + 120, jti: randomBytes(12).toString('base64url'), events: { [EVENT]: {} }, ...payload };
  for (const k of Object.keys(body)) if ((body as Record<string, unknown>)[k] === undefined) delete (body as Record<string, unknown>)[k];
  const header = { alg: opts.alg ?? 'RS256', kid: jwk.kid, ...(opts.typ === null ? {} : { typ: opts.typ ?? 'logout+jwt' }) };
  return new SignJWT(body).setProtectedHeader(header).sign(key);
}

function post(body: string, contentType = 'application/x-www-form-urlencoded'): Promise<RawResponse> {
  return rawRequest(`${stack.gatewayUrl}/.airlock/backchannel-logout`, { method: 'POST', headers: [['Content-Type', contentType]], body });
}
const postToken = (token: string) => post(new URLSearchParams({ logout_token: token }).toString());

function assertRefused(r: RawResponse, check: string): void {
  assert.equal(r.status, 400, r.body);
  assert.equal(r.headers['cache-control'], 'no-store');
  const body = JSON.parse(r.body);
  assert.equal(body.error, 'invalid_request');
  assert.equal(body.code, check === 'request' ? 'AIRLOCK_IDENTITY_LOGOUT_REQUEST_INVALID' : 'AIRLOCK_IDENTITY_LOGOUT_TOKEN_INVALID');
  if (check !== 'request') assert.ok(String(body.error_description).includes(`"${check}"`), `${check}: ${r.body}`);
}

describe('back-channel logout: the dev IdP ends the session', () => {
  test('signing out at the IdP (end_session) ends the gateway session in every worker', async () => {
    const { cookie, jar } = await login('alice');
    for (const r of await burst(cookie)) assert.equal(r.status, 200, r.body.slice(0, 300));
    // the person signs out at the IdP itself (its end_session page and confirmation), not through the gateway
    const endSession = await followRedirects(`${stack.idp.issuer}/session/end`, { jar });
    const page = await endSession.response.text();
    const form = parseForms(page, endSession.url).find((f) => f.id === 'op.logoutForm');
    assert.ok(form, 'the IdP logout confirmation');
    const body = new URLSearchParams({ ...Object.fromEntries(form.fields.map((f) => [f.name, f.value])), logout: 'yes' });
    const done = await followRedirects(form.action, { jar, method: 'POST', body });
    await done.response.arrayBuffer();
    await assertEndedEverywhere(cookie);
    const rows = await store.db.selectFrom('audit_events').select('body').where('type', '=', 'session').where('username', '=', 'alice').execute();
    assert.ok(rows.some((r) => JSON.parse(r.body).detail?.action === 'backchannel_logout'), 'audited');
  });

  test('a real logout token naming only sub ends every session of the person; one for an unknown sid answers 200', async () => {
    const a = await login('bob');
    const b = await login('bob');
    // the dev IdP's "sign out everywhere" sends oidc-provider's own logout tokens (sid + sub)
    assert.equal(await stack.idp.endSessions('bob'), 2);
    await assertEndedEverywhere(a.cookie);
    await assertEndedEverywhere(b.cookie);
    const c = await login('carol');
    const r = await postToken(await sign({ sub: subjectOf('carol') }));
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['cache-control'], 'no-store');
    await assertEndedEverywhere(c.cookie);
    const unknown = await postToken(await sign({ sid: 'no-such-idp-session' }));
    assert.equal(unknown.status, 200, 'valid token, nothing to end: the logout succeeded (spec 2.8)');
    assert.deepEqual(JSON.parse(unknown.body), { ended: 0 });
  });
});

describe('back-channel logout: hostile tokens are refused, each with its check', () => {
  let victim: { cookie: string; sid: string };
  before(async () => {
    victim = await login('dave');
  });

  const cases: Array<[string, string, () => Promise<string>]> = [
    ['alg none', 'alg', async () => `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'logout+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: stack.idp.issuer, aud: CLIENT_ID, iat: Math.floor(Date.now() / 1000), jti: 'x1', sid: victim.sid, events: { [EVENT]: {} } })).toString('base64url')}.`],
    ['HS256 with the client secret', 'alg', async () => new SignJWT({ iss: stack.idp.issuer, aud: CLIENT_ID, iat: Math.floor(Date.now() / 1000), jti: 'x2', sid: victim.sid, events: { [EVENT]: {} } }).setProtectedHeader({ alg: 'HS256', typ: 'logout+jwt' }).sign(new TextEncoder().encode(CLIENT_SECRET))],
    ['wrong aud', 'aud', () => sign({ sid: victim.sid, aud: 'another-client' })],
    ['wrong iss', 'iss', () => sign({ sid: victim.sid, iss: 'http://evil.example' })],
    ['missing events', 'events', () => sign({ sid: victim.sid, events: undefined })],
    ['events without the back-channel member', 'events', () => sign({ sid: victim.sid, events: { 'http://schemas.openid.net/event/other': {} } })],
    ['nonce present (an ID token, not a logout token)', 'nonce', () => sign({ sid: victim.sid, nonce: 'n-123' })],
    ['missing iat', 'iat', () => sign({ sid: victim.sid, iat: undefined })],
    ['iat far in the past', 'iat_too_old', () => sign({ sid: victim.sid, iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) + 60 })],
    ['iat in the future', 'iat_future', () => sign({ sid: victim.sid, iat: Math.floor(Date.now() / 1000) + 3600, exp: Math.floor(Date.now() / 1000) + 7200 })],
    ['expired', 'exp', () => sign({ sid: victim.sid, iat: Math.floor(Date.now() / 1000) - 200, exp: Math.floor(Date.now() / 1000) - 100 })],
    ['neither sub nor sid', 'sub_sid', () => sign({})],
    ['missing jti', 'jti', () => sign({ sid: victim.sid, jti: undefined })],
    ['another token type (at+jwt)', 'typ', () => sign({ sid: victim.sid }, { typ: 'at+jwt' })],
    ['bad signature', 'signature', async () => {
      const t = await sign({ sid: victim.sid });
      const [h, , s] = t.split('.');
      const forged = Buffer.from(JSON.stringify({ iss: stack.idp.issuer, aud: CLIENT_ID, iat: Math.floor(Date.now() / 1000), jti: 'x3', sub: subjectOf('alice'), events: { [EVENT]: {} } })).toString('base64url');
      return `${h}.${forged}.${s}`;
    }],
  ];
  for (const [name, check, make] of cases) {
    test(`${name}: 400 (${check}), the session lives`, async () => {
      assertRefused(await postToken(await make()), check);
      for (const r of await burst(victim.cookie, 4)) assert.equal(r.status, 200, 'the session lives');
    });
  }

  test('typ JWT, or no typ, is accepted like logout+jwt', async () => {
    for (const typ of ['JWT', null] as const) {
      const other = await login('dave');
      const r = await postToken(await sign({ sid: other.sid }, { typ }));
      assert.equal(r.status, 200, r.body);
      await assertEndedEverywhere(other.cookie);
    }
  });

  test('a replayed jti is refused on any worker, and the first delivery worked', async () => {
    const other = await login('dave');
    const token = await sign({ sid: other.sid });
    const first = await postToken(token);
    assert.equal(first.status, 200, first.body);
    await assertEndedEverywhere(other.cookie);
    for (let i = 0; i < 4; i++) assertRefused(await postToken(token), 'jti_replayed'); // fresh connections: both workers
  });

  test('malformed requests: no token, two tokens, not a form, not a JWT', async () => {
    assertRefused(await post(''), 'request');
    const t = await sign({ sid: victim.sid });
    assertRefused(await post(`logout_token=${t}&logout_token=${t}`), 'request');
    assertRefused(await post(JSON.stringify({ logout_token: t }), 'application/json'), 'request');
    assertRefused(await postToken('not.a.jwt.at.all'), 'format');
    for (const r of await burst(victim.cookie, 4)) assert.equal(r.status, 200, 'the session lives');
  });
});

describe('front-channel logout', () => {
  const front = (query: string, cookie?: string) => rawRequest(`${stack.gatewayUrl}/.airlock/frontchannel-logout?${query}`, { headers: cookie ? [['Cookie', cookie]] : [] });

  test('iss + sid end that IdP session everywhere; an empty, uncached page the IdP may frame', async () => {
    const { cookie, sid } = await login('erin');
    for (const r of await burst(cookie)) assert.equal(r.status, 403); // erin has no role, but is signed in
    const r = await front(new URLSearchParams({ iss: stack.idp.issuer, sid }).toString());
    assert.equal(r.status, 200);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers['content-security-policy'], `default-src 'none'; frame-ancestors ${new URL(stack.idp.issuer).origin}`);
    assert.equal(r.headers['x-frame-options'], undefined);
    assert.equal(r.headers['set-cookie'], undefined, 'no cookie is touched');
    await assertEndedEverywhere(cookie);
    const rows = await store.db.selectFrom('audit_events').select('body').where('type', '=', 'session').where('username', '=', 'erin').execute();
    assert.ok(rows.some((r) => JSON.parse(r.body).detail?.action === 'frontchannel_logout'), 'audited');
  });

  test('wrong or missing iss / sid are refused; the browser\'s own session is not a target (no CSRF beyond the named sid)', async () => {
    const { cookie, sid } = await login('alice');
    for (const q of [`sid=${sid}`, `iss=${encodeURIComponent('http://evil.example')}&sid=${sid}`, `iss=${encodeURIComponent(stack.idp.issuer)}`, `iss=${encodeURIComponent(stack.idp.issuer)}&sid=`, `iss=${encodeURIComponent(stack.idp.issuer)}&iss=${encodeURIComponent(stack.idp.issuer)}&sid=${sid}`]) {
      const r = await front(q, cookie);
      assert.equal(r.status, 400, q);
      assert.ok(r.body.includes('AIRLOCK_IDENTITY_LOGOUT_REQUEST_INVALID'), q);
    }
    // a cross-site page making the browser load the URL with some other sid: the browser's session stays
    const r = await front(new URLSearchParams({ iss: stack.idp.issuer, sid: 'guessed-sid' }).toString(), cookie);
    assert.equal(r.status, 200);
    await sleep(50);
    for (const x of await burst(cookie, 4)) assert.equal(x.status, 200, 'the browser\'s session lives');
  });
});

describe('back-channel logout while the IdP keys cannot be read', () => {
  let own: TestStack;
  let front: IdpFront;
  before(async () => {
    own = await startStack({
      prepare: async ({ idp }) => {
        front = await startIdpFront(idp.issuer);
      },
      config: (c) => (c.idp.discovery_url = front.discoveryUrl),
    });
  });
  after(async () => {
    await own.close();
    await front.close();
  });

  test('503 AIRLOCK_IDENTITY_IDP_UNAVAILABLE (retryable), then 200 once the JWKS answers again', async () => {
    const r = await loginThroughGateway(own.gatewayUrl, 'carol', 'carol-demo');
    await r.response.arrayBuffer();
    const cookie = r.jar.header(own.gatewayUrl);
    front.jwks = { kind: 'status', status: 500, body: 'down', type: 'text/plain' };
    const jwk = idpSigningKey(own.idp);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ iss: own.idp.issuer, aud: CLIENT_ID, iat: now, exp: now + 120, jti: randomBytes(9).toString('base64url'), sub: subjectOf('carol'), events: { [EVENT]: {} } })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'logout+jwt' })
      .sign(await importJWK(jwk, 'RS256'));
    const send = () => rawRequest(`${own.gatewayUrl}/.airlock/backchannel-logout`, { method: 'POST', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: new URLSearchParams({ logout_token: token }).toString() });
    const down = await send();
    assert.equal(down.status, 503, down.body);
    assert.equal(JSON.parse(down.body).error, 'AIRLOCK_IDENTITY_IDP_UNAVAILABLE');
    const still = await fetch(`${own.gatewayUrl}/.airlock/whoami`, { headers: { cookie } });
    assert.equal(still.status, 200, 'nothing ended');
    front.jwks = PASS;
    const up = await send();
    assert.equal(up.status, 200, up.body);
    assert.equal((await fetch(`${own.gatewayUrl}/.airlock/whoami`, { headers: { cookie } })).status, 401);
  });
});
