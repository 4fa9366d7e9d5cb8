import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { createDevIdp, DEMO_USERS, type DevIdp } from '../../../demo/idp/index.ts';
import { CookieJar, followRedirects, loginThroughGateway, LoginFailed, parseForms } from '../../support/login.ts';
import { startTestRp, type TestRp } from '../../support/test-rp.ts';

let rp: TestRp;
let idp: DevIdp;

before(async () => {
  rp = await startTestRp();
  idp = await createDevIdp({
    clients: [{ client_id: 'test-rp', client_secret: 'test-secret', redirect_uris: [rp.redirectUri], post_logout_redirect_uris: [`${rp.url}/bye`] }],
    amr: ['pwd', 'otp'],
    acr: 'urn:airlock:dev:mfa',
  });
  await rp.use({ issuer: idp.issuer, clientId: 'test-rp', clientSecret: 'test-secret' });
});
after(async () => {
  await idp.close();
  await rp.close();
});

test('discovery describes an issuer on localhost with PKCE S256 and logout', async () => {
  const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  const meta = (await res.json()) as Record<string, unknown>;
  assert.match(idp.issuer, /^http:\/\/localhost:\d+$/);
  assert.equal(meta.issuer, idp.issuer);
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  assert.equal(meta.end_session_endpoint, `${idp.issuer}/session/end`);
  assert.ok((meta.claims_supported as string[]).includes('groups'));
});

test('a full code + PKCE login through the login form yields the user claims', async () => {
  const dave = DEMO_USERS.find((u) => u.username === 'dave')!;
  const result = await loginThroughGateway(rp.url, dave.username, dave.password, { returnTo: '/dags?x=1' });
  assert.equal(result.response.status, 200);
  assert.equal(result.finalUrl, `${rp.url}/dags?x=1`);
  assert.match(result.cookieHeader, /^rp_session=[0-9a-f]{24}$/);
  const login = rp.logins.at(-1)!;
  assert.equal(login.claims.preferred_username, 'dave');
  assert.equal(login.claims.email, dave.email);
  assert.equal(login.claims.name, dave.name);
  assert.deepEqual(login.claims.groups, ['analysts']);
  assert.deepEqual(login.claims.amr, ['pwd', 'otp']);
  assert.equal(login.claims.acr, 'urn:airlock:dev:mfa');
  assert.equal(typeof login.claims.auth_time, 'number');
  assert.equal(login.userinfo.sub, login.claims.sub);
  assert.deepEqual(login.userinfo.groups, ['analysts']);
  assert.equal(login.userinfo.preferred_username, 'dave');
});

test('the subject is stable per user and differs between users', async () => {
  const a1 = await loginThroughGateway(rp.url, 'alice', 'alice-demo');
  const subA1 = rp.logins.at(-1)!.claims.sub;
  await a1.response.arrayBuffer();
  await (await loginThroughGateway(rp.url, 'bob', 'bob-demo')).response.arrayBuffer();
  const subB = rp.logins.at(-1)!.claims.sub;
  await (await loginThroughGateway(rp.url, 'alice', 'alice-demo')).response.arrayBuffer();
  assert.equal(rp.logins.at(-1)!.claims.sub, subA1);
  assert.notEqual(subA1, subB);
});

test('a wrong password shows the form again with an error and issues no code', async () => {
  const before = rp.logins.length;
  await assert.rejects(loginThroughGateway(rp.url, 'carol', 'not-her-password'), (err: unknown) => {
    assert.ok(err instanceof LoginFailed);
    assert.equal(err.step, 'credentials-refused');
    assert.equal(err.response.status, 401);
    return true;
  });
  await assert.rejects(loginThroughGateway(rp.url, 'mallory', 'mallory-demo'), (err: unknown) => err instanceof LoginFailed && err.step === 'credentials-refused');
  assert.equal(rp.logins.length, before);
});

test('the refused form shows the error text and keeps the username, escaped', async () => {
  const jar = new CookieJar();
  const first = await followRedirects(`${rp.url}/.airlock/login?rd=/`, { jar });
  const form = parseForms(await first.response.text(), first.url)[0]!;
  const body = new URLSearchParams({ username: '<script>x</script>', password: 'nope' });
  const res = await followRedirects(form.action, { jar, method: 'POST', body });
  const html = await res.response.text();
  assert.equal(res.response.status, 401);
  assert.match(html, /Unknown user or wrong password/);
  assert.ok(!html.includes('<script>x</script>'));
  assert.ok(html.includes('&lt;script&gt;x&lt;/script&gt;'));
});

test('the IdP refuses an authorization request without PKCE', async () => {
  const u = new URL(`${idp.issuer}/auth`);
  u.search = new URLSearchParams({ client_id: 'test-rp', response_type: 'code', scope: 'openid', redirect_uri: rp.redirectUri, state: 's1' }).toString();
  const res = await followRedirects(u, { jar: new CookieJar(), stopBefore: (next) => next.href.startsWith(rp.redirectUri) });
  assert.ok(res.stoppedAt, 'expected an error redirect to the RP');
  const back = new URL(res.stoppedAt!);
  assert.equal(back.searchParams.get('error'), 'invalid_request');
  assert.equal(back.searchParams.get('code'), null);
});

test('the callback URL can be captured without calling it', async () => {
  const jar = new CookieJar();
  const first = await followRedirects(`${rp.url}/.airlock/login?rd=/`, { jar });
  const form = parseForms(await first.response.text(), first.url)[0]!;
  const body = new URLSearchParams({ username: 'erin', password: 'erin-demo' });
  const res = await followRedirects(form.action, { jar, method: 'POST', body, stopBefore: (next) => next.pathname === '/.airlock/callback' });
  const cb = new URL(res.stoppedAt!);
  assert.equal(cb.origin, rp.url);
  assert.match(cb.searchParams.get('code') ?? '', /^[A-Za-z0-9_-]{20,}$/);
  assert.equal(cb.searchParams.get('iss'), idp.issuer);
  assert.ok(cb.searchParams.get('state'));
});

test('rotateSigningKey makes new ID tokens carry a new kid that the published JWKS verifies', async () => {
  await (await loginThroughGateway(rp.url, 'alice', 'alice-demo')).response.arrayBuffer();
  const oldToken = rp.logins.at(-1)!.idToken;
  const oldKid = decodeProtectedHeader(oldToken).kid;
  await idp.rotateSigningKey();
  await (await loginThroughGateway(rp.url, 'alice', 'alice-demo')).response.arrayBuffer();
  const newToken = rp.logins.at(-1)!.idToken;
  const newKid = decodeProtectedHeader(newToken).kid;
  assert.ok(oldKid && newKid);
  assert.notEqual(newKid, oldKid);
  const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Array<{ kid: string; d?: string }> };
  const published = jwks.keys.map((k) => k.kid);
  assert.equal(published[0], newKid, 'the new key is listed first');
  assert.ok(published.includes(oldKid!), 'the old key stays published');
  assert.ok(jwks.keys.every((k) => k.d === undefined), 'JWKS must not publish private parts');
  const keySet = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
  for (const t of [oldToken, newToken]) {
    const { payload } = await jwtVerify(t, keySet, { issuer: idp.issuer, audience: 'test-rp' });
    assert.equal(payload.preferred_username, 'alice');
  }
});

test('the IdP session survives a key rotation (single sign-on without the form again)', async () => {
  const jar = new CookieJar();
  await (await loginThroughGateway(rp.url, 'carol', 'carol-demo', { jar })).response.arrayBuffer();
  const kidBefore = decodeProtectedHeader(rp.logins.at(-1)!.idToken).kid;
  await idp.rotateSigningKey();
  const count = rp.logins.length;
  const again = await followRedirects(`${rp.url}/.airlock/login?rd=/again`, { jar });
  assert.equal(again.url, `${rp.url}/again`, 'no login form on the second visit');
  assert.equal(again.response.status, 200);
  await again.response.arrayBuffer();
  assert.equal(rp.logins.length, count + 1);
  const last = rp.logins.at(-1)!;
  assert.equal(last.claims.preferred_username, 'carol');
  assert.notEqual(decodeProtectedHeader(last.idToken).kid, kidBefore);
});

test('RP-initiated logout ends the IdP session', async () => {
  const jar = new CookieJar();
  const login = await loginThroughGateway(rp.url, 'bob', 'bob-demo', { jar });
  await login.response.arrayBuffer();
  const idToken = rp.logins.at(-1)!.idToken;
  assert.ok(jar.get(idp.issuer, '_session'));
  const end = new URL(`${idp.issuer}/session/end`);
  end.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: `${rp.url}/bye` }).toString();
  const confirm = await followRedirects(end, { jar });
  const form = parseForms(await confirm.response.text(), confirm.url).find((f) => f.id === 'op.logoutForm')!;
  const body = new URLSearchParams(form.fields.map((f) => [f.name, f.value]));
  body.set('logout', 'yes');
  const done = await followRedirects(form.action, { jar, method: 'POST', body });
  assert.equal(done.url, `${rp.url}/bye`);
  assert.equal(jar.get(idp.issuer, '_session'), undefined);
  // A new login must show the form again (no silent SSO).
  const again = await followRedirects(`${rp.url}/.airlock/login?rd=/`, { jar });
  assert.ok(parseForms(await again.response.text(), again.url).some((f) => f.fields.some((x) => x.type === 'password')));
});

test('groups can be sent under a URL-named claim (Auth0 style) and ID tokens carry no amr/acr unless configured', async () => {
  const rp2 = await startTestRp();
  const idp2 = await createDevIdp({
    clients: [{ client_id: 'rp2', client_secret: 's2', redirect_uris: [rp2.redirectUri], token_endpoint_auth_method: 'client_secret_post' }],
    groupsClaim: 'https://example.com/groups',
    idTokenTtlSeconds: 120,
  });
  try {
    await rp2.use({ issuer: idp2.issuer, clientId: 'rp2', clientSecret: 's2' });
    await (await loginThroughGateway(rp2.url, 'bob', 'bob-demo')).response.arrayBuffer();
    const { claims, userinfo, idToken } = rp2.logins.at(-1)!;
    assert.deepEqual(claims['https://example.com/groups'], ['data-platform-ops']);
    assert.equal(claims.groups, undefined);
    assert.deepEqual(userinfo['https://example.com/groups'], ['data-platform-ops']);
    assert.equal(claims.amr, undefined);
    assert.equal(claims.acr, undefined);
    const p = decodeJwt(idToken);
    assert.equal((p.exp ?? 0) - (p.iat ?? 0), 120);
  } finally {
    await idp2.close();
    await rp2.close();
  }
});

test('a private_key_jwt client authenticates with its registered key', async () => {
  const rp3 = await startTestRp();
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = 'rp3-key';
  const idp3 = await createDevIdp({
    clients: [{ client_id: 'rp3', redirect_uris: [rp3.redirectUri], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' }] } }],
  });
  try {
    await rp3.use({ issuer: idp3.issuer, clientId: 'rp3', privateKey: { key: privateKey, kid } });
    const res = await loginThroughGateway(rp3.url, 'alice', 'alice-demo');
    assert.equal(res.response.status, 200);
    await res.response.arrayBuffer();
    assert.deepEqual(rp3.logins.at(-1)!.claims.groups, ['airflow-admins']);
  } finally {
    await idp3.close();
    await rp3.close();
  }
});

test('bad options are TypeErrors', async () => {
  await assert.rejects(createDevIdp({ clients: [] }), TypeError);
  await assert.rejects(createDevIdp({ clients: [{ client_id: 'x', redirect_uris: ['http://localhost/cb'] }] }), TypeError);
  await assert.rejects(createDevIdp({ clients: [{ client_id: 'x', redirect_uris: ['http://localhost/cb'], token_endpoint_auth_method: 'private_key_jwt' }] }), TypeError);
});
