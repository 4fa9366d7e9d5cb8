import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from './harness.ts';
import { idpSigningKey } from './idp-keys.ts';
import { foreignSignedIdToken, resignIdToken, startIdpMitm, unsignedIdToken, type IdpMitm } from './idp-mitm.ts';
import { assertErrorPage, loginUntilCallback, requestCallback, sessionCookieSet } from './flows.ts';
import { CookieJar } from '../../support/login.ts';

/**
 * Hostile and faulty ID tokens, nonces, states and codes. The gateway's idp.discovery_url points at a
 * man-in-the-middle that forwards to the real dev IdP and rewrites its answers; every forged token except
 * "bad signature" and "alg none" is signed with the IdP's OWN key, so only the named fault is wrong.
 */
describe('OIDC callback refuses bad tokens, states and codes', () => {
  let stack: TestStack;
  let mitm: IdpMitm;

  before(async () => {
    stack = await startStack({
      prepare: async ({ idp }) => {
        mitm = await startIdpMitm(idp.issuer);
      },
      config: (cfg) => {
        cfg.idp.discovery_url = mitm.discoveryUrl;
      },
    });
  });
  after(async () => {
    await stack.close();
    await mitm.close();
  });

  const rewriteIdToken = (fn: (idToken: string) => Promise<string> | string) => {
    mitm.onToken = async (body) => ({ ...body, id_token: await fn(String(body.id_token)) });
  };

  /** Logs in as carol up to the callback, requests it, and asserts a refusal page and that no session exists. */
  async function refused(status: number, code: string, opts: { tamperCallback?: (u: URL) => void } = {}): Promise<string> {
    try {
      const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, 'carol', 'carol-demo');
      opts.tamperCallback?.(callbackUrl);
      const res = await requestCallback(callbackUrl, jar);
      const page = await assertErrorPage(res, status, code);
      await assertNoSession(jar);
      return page;
    } finally {
      mitm.onToken = undefined;
      mitm.onUserinfo = undefined;
    }
  }

  async function assertNoSession(jar: CookieJar): Promise<void> {
    const who = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie: jar.header(stack.gatewayUrl) } });
    assert.equal(who.status, 401, 'no session after a refused login');
    await who.arrayBuffer();
  }

  test('the man-in-the-middle is transparent: an untouched login works', async () => {
    const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, 'carol', 'carol-demo', { returnTo: '/home' });
    const res = await requestCallback(callbackUrl, jar);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/home');
    assert.ok(sessionCookieSet(res));
    assert.ok(mitm.idTokens.length >= 1, 'the token response went through the MITM');
    const who = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie: jar.header(stack.gatewayUrl) } });
    assert.equal(who.status, 200);
    assert.equal(((await who.json()) as { username: string }).username, 'carol');
  });

  test('an ID token signed by a foreign key (same kid) is refused', async () => {
    rewriteIdToken((t) => foreignSignedIdToken(t));
    await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
  });

  test('an unsigned ID token (alg: none) is refused', async () => {
    rewriteIdToken((t) => unsignedIdToken(t));
    await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
  });

  test('an ID token with a wrong iss (signed by the IdP key) is refused', async () => {
    rewriteIdToken((t) => resignIdToken(t, idpSigningKey(stack.idp), (c) => void (c.iss = 'https://evil.example')));
    await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
  });

  test('an ID token for another audience (signed by the IdP key) is refused', async () => {
    rewriteIdToken((t) => resignIdToken(t, idpSigningKey(stack.idp), (c) => {
      c.aud = 'some-other-client';
      c.azp = 'some-other-client';
    }));
    await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
  });

  test('an ID token without iat (signed by the IdP key) is refused', async () => {
    rewriteIdToken((t) => resignIdToken(t, idpSigningKey(stack.idp), (c) => void delete c.iat));
    await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
  });

  test('an expired ID token (signed by the IdP key, beyond the clock tolerance) is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    rewriteIdToken((t) => resignIdToken(t, idpSigningKey(stack.idp), (c) => {
      c.iat = now - 7200;
      c.auth_time = now - 7200;
      c.exp = now - 3600;
    }));
    await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
  });

  test('an ID token issued in the future beyond clock_tolerance (30 s; signed by the IdP key) is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    rewriteIdToken((t) => resignIdToken(t, idpSigningKey(stack.idp), (c) => {
      c.iat = now + 120;
      c.exp = now + 3720;
    }));
    await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
  });

  test('an ID token issued absurdly long ago (a day; exp still ahead; signed by the IdP key) is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    rewriteIdToken((t) => resignIdToken(t, idpSigningKey(stack.idp), (c) => {
      c.iat = now - 86_400;
      c.auth_time = now - 86_400;
      c.exp = now + 3600;
    }));
    await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
  });

  test('an iat a little ahead (within clock_tolerance) or a few minutes old is accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const iat of [now + 20, now - 300]) {
      try {
        rewriteIdToken((t) => resignIdToken(t, idpSigningKey(stack.idp), (c) => void (c.iat = iat)));
        const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, 'carol', 'carol-demo');
        const res = await requestCallback(callbackUrl, jar);
        assert.equal(res.status, 302, `iat ${iat - now} s: ${await res.clone().text()}`);
        assert.ok(sessionCookieSet(res));
      } finally {
        mitm.onToken = undefined;
      }
    }
  });

  test('an ID token without the nonce (signed by the IdP key) is refused', async () => {
    rewriteIdToken((t) => resignIdToken(t, idpSigningKey(stack.idp), (c) => void delete c.nonce));
    await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
  });

  test('a replayed ID token (a genuine one from an earlier login, so an old nonce) is refused', async () => {
    const earlier = mitm.idTokens[0];
    assert.ok(earlier, 'an earlier login left a genuine ID token');
    rewriteIdToken(() => earlier);
    await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
  });

  test('userinfo whose sub differs from the ID token sub is refused', async () => {
    mitm.onUserinfo = (body) => ({ ...body, sub: 'user-someone-else', preferred_username: 'alice', groups: ['airflow-admins'] });
    await refused(401, 'AIRLOCK_IDENTITY_USERINFO_MISMATCH');
  });

  test('RFC 9207: a callback whose iss parameter names another issuer is refused', async () => {
    await refused(400, 'AIRLOCK_IDENTITY_RESPONSE_ISSUER_INVALID', { tamperCallback: (u) => u.searchParams.set('iss', 'https://evil.example') });
  });

  test('RFC 9207: a callback without the iss parameter (the IdP advertises it) is refused', async () => {
    await refused(400, 'AIRLOCK_IDENTITY_RESPONSE_ISSUER_INVALID', { tamperCallback: (u) => u.searchParams.delete('iss') });
  });

  test('a callback without state is refused', async () => {
    await refused(400, 'AIRLOCK_IDENTITY_LOGIN_STATE_INVALID', { tamperCallback: (u) => u.searchParams.delete('state') });
  });

  test('a callback without a code (and without an error) is refused before any token request', async () => {
    await refused(400, 'AIRLOCK_IDENTITY_LOGIN_STATE_INVALID', { tamperCallback: (u) => u.searchParams.delete('code') });
  });

  test('a callback with an unknown state is refused', async () => {
    await refused(400, 'AIRLOCK_IDENTITY_LOGIN_STATE_INVALID', { tamperCallback: (u) => u.searchParams.set('state', 'forged-state-value-0123456789') });
  });

  test('a replayed callback (state already used) is refused, even with the binding cookie restored', async () => {
    const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, 'carol', 'carol-demo');
    const binding = jar.get(stack.gatewayUrl, 'airlock-login');
    assert.ok(binding, 'the login set a browser-binding cookie');
    const first = await requestCallback(callbackUrl, jar);
    assert.equal(first.status, 302);
    await first.arrayBuffer();
    const attacker = new CookieJar();
    attacker.set(stack.gatewayUrl, 'airlock-login', binding);
    await assertErrorPage(await requestCallback(callbackUrl, attacker), 400, 'AIRLOCK_IDENTITY_LOGIN_STATE_INVALID');
    await assertNoSession(attacker);
  });

  test('a replayed authorization code (redeemed once, sent again with a fresh state) is refused: the IdP says invalid_grant', async () => {
    const one = await loginUntilCallback(stack.gatewayUrl, 'carol', 'carol-demo');
    const ok = await requestCallback(one.callbackUrl, one.jar);
    assert.equal(ok.status, 302);
    await ok.arrayBuffer();
    // the same browser starts a new login; the attacker's code (already redeemed) is spliced into its callback
    const page = await refused(401, 'AIRLOCK_IDENTITY_IDP_ERROR', { tamperCallback: (u) => u.searchParams.set('code', one.callbackUrl.searchParams.get('code')!) });
    assert.match(page, /invalid_grant/);
  });

  test('IdP key rotation: an ID token with an unknown kid makes the gateway refetch the JWKS once, then verify it', async () => {
    // the gateway has verified tokens before (JWKS cached); the IdP now signs with a new key
    const before = mitm.jwksFetches;
    assert.ok(before >= 1, 'the JWKS was fetched for the earlier logins');
    await stack.idp.rotateSigningKey();
    const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, 'dave', 'dave-demo');
    const res = await requestCallback(callbackUrl, jar);
    assert.equal(res.status, 302, await res.clone().text());
    assert.ok(sessionCookieSet(res));
    assert.equal(mitm.jwksFetches, before + 1, 'exactly one JWKS refetch');
    // and the next login needs no fetch at all
    const again = await loginUntilCallback(stack.gatewayUrl, 'dave', 'dave-demo');
    assert.equal((await requestCallback(again.callbackUrl, again.jar)).status, 302);
    assert.equal(mitm.jwksFetches, before + 1);
  });
});
