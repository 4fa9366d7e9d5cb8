import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLIENT_SECRET, startStack, type TestStack } from '../gateway/harness.ts';
import { idpSigningKey } from '../gateway/idp-keys.ts';
import { resignIdToken } from '../gateway/idp-mitm.ts';
import { assertErrorPage, loginUntilCallback, requestCallback, sessionCookieSet } from '../gateway/flows.ts';
import { PASS, startIdpFront, type IdpFront } from './idp-front.ts';
import { captureLog } from './log-capture.ts';
import { expectRefusal } from './refusal.ts';

const WRONG_SECRET = 'wrong-client-secret-fedcba9876543210';

/**
 * Back-channel failures each get their own code: a real HTTP server stands in front of (or instead of) the dev
 * IdP's token and userinfo endpoints and answers 5xx, hangs, or returns an OAuth error; a wrong client secret is
 * refused by the real IdP (oidc-provider: invalid_client); a discovery document naming another issuer is a
 * configuration error. Every refusal is a page with its code and request id, and a log line naming the check,
 * the OAuth error and its description, never a token or a secret.
 */
describe('OIDC back channel: IdP unavailable vs IdP refused vs token invalid vs config error', () => {
  let stack: TestStack;
  let front: IdpFront;
  const log = captureLog();

  before(async () => {
    stack = await startStack({
      logger: log.logger,
      prepare: async ({ idp, dir }) => {
        front = await startIdpFront(idp.issuer);
        await writeFile(join(dir, 'wrong-secret'), `${WRONG_SECRET}\n`);
      },
      config: (cfg) => {
        cfg.idp.discovery_url = front.discoveryUrl;
        cfg.idp.timeout = '2s';
      },
    });
  });
  after(async () => {
    await stack?.close();
    await front?.close();
  });

  const refused = async (status: number, code: string, username = 'carol') => {
    try {
      return await expectRefusal(stack.gatewayUrl, log, username, status, code);
    } finally {
      front.token = PASS;
      front.userinfo = PASS;
      front.rewriteIdToken = undefined;
    }
  };
  const json = (status: number, body: unknown, headers?: Record<string, string>) =>
    ({ kind: 'status', status, body: JSON.stringify(body), type: 'application/json', ...(headers ? { headers } : {}) }) as const;

  test('through the front, an untouched sign-in works', async () => {
    const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, 'carol', 'carol-demo');
    const res = await requestCallback(callbackUrl, jar);
    assert.equal(res.status, 302, await res.clone().text());
    assert.ok(sessionCookieSet(res));
    assert.ok(front.secrets.length >= 3, 'the client secret and the tokens went through the front');
  });

  test('token endpoint 500 (even with an OAuth-looking body) -> 503 AIRLOCK_IDENTITY_IDP_UNAVAILABLE', async () => {
    front.token = json(500, { error: 'server_error', error_description: 'database down' });
    const { entry } = await refused(503, 'AIRLOCK_IDENTITY_IDP_UNAVAILABLE');
    assert.equal(entry.reason, 'status');
    assert.equal(entry.idp_status, 500);
    assert.match(String(entry.why), /token endpoint answered HTTP 500/);
  });

  test('token endpoint 502 with an HTML page -> 503', async () => {
    front.token = { kind: 'status', status: 502, body: '<html><h1>Bad Gateway</h1></html>', type: 'text/html' };
    assert.equal((await refused(503, 'AIRLOCK_IDENTITY_IDP_UNAVAILABLE')).entry.idp_status, 502);
  });

  test('token endpoint that never answers -> 503 within idp.timeout (2 s), reason timeout', async () => {
    front.token = { kind: 'hang' };
    const { entry, ms } = await refused(503, 'AIRLOCK_IDENTITY_IDP_UNAVAILABLE');
    assert.equal(entry.reason, 'timeout');
    assert.ok(ms < 6000, `answered after ${Math.round(ms)} ms`);
  });

  test('a token response that is not JSON (200 text/html) -> 503, reason not_json', async () => {
    front.token = { kind: 'status', status: 200, body: '<html>maintenance</html>', type: 'text/html' };
    assert.equal((await refused(503, 'AIRLOCK_IDENTITY_IDP_UNAVAILABLE')).entry.reason, 'not_json');
  });

  test('the IdP JWKS answering 500 (nothing cached yet) -> 503, reason jwks, not a token failure', async () => {
    await stack.restart(); // a new gateway process has no JWKS cached
    front.jwks = json(500, { error: 'server_error' });
    try {
      assert.equal((await refused(503, 'AIRLOCK_IDENTITY_IDP_UNAVAILABLE')).entry.reason, 'jwks');
    } finally {
      front.jwks = PASS;
    }
  });

  test('userinfo 500 -> 503; userinfo refusing the token (WWW-Authenticate invalid_token) -> IdP refused', async () => {
    front.userinfo = json(500, { error: 'server_error' });
    const down = await refused(503, 'AIRLOCK_IDENTITY_IDP_UNAVAILABLE');
    assert.match(String(down.entry.why), /userinfo endpoint answered HTTP 500/);
    front.userinfo = json(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token", error_description="access token expired"' });
    const { entry, page } = await refused(401, 'AIRLOCK_IDENTITY_IDP_ERROR');
    assert.equal(entry.idp_error, 'invalid_token');
    assert.match(String(entry.why), /access token expired/);
    assert.match(page, /invalid_token/);
  });

  test('an OAuth error from the token endpoint (invalid_grant) -> 401 AIRLOCK_IDENTITY_IDP_ERROR naming it, description in the log only', async () => {
    front.token = json(400, { error: 'invalid_grant', error_description: 'grant request is invalid' });
    const { entry, page } = await refused(401, 'AIRLOCK_IDENTITY_IDP_ERROR');
    assert.equal(entry.idp_error, 'invalid_grant');
    assert.match(String(entry.why), /grant request is invalid/);
    assert.match(page, /invalid_grant/);
    assert.doesNotMatch(page, /grant request is invalid/, 'the description is for the log');
  });

  test('an ID token issued in the future (beyond clock_tolerance) -> AIRLOCK_IDENTITY_ID_TOKEN_INVALID, the log names the check', async () => {
    const now = Math.floor(Date.now() / 1000);
    front.rewriteIdToken = (t) => resignIdToken(t, idpSigningKey(stack.idp), (c) => {
      c.iat = now + 600;
      c.exp = now + 4200;
    });
    const { entry } = await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
    assert.equal(entry.check, 'iat_future');
    front.rewriteIdToken = (t) => resignIdToken(t, idpSigningKey(stack.idp), (c) => void (c.aud = 'another-client'));
    assert.equal((await refused(401, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID')).entry.check, 'aud');
  });

  test('a wrong client secret: the real IdP answers invalid_client -> 401 AIRLOCK_IDENTITY_IDP_ERROR (invalid_client)', async () => {
    await stack.writeConfig((cfg) => {
      cfg.idp.discovery_url = front.discoveryUrl;
      cfg.idp.timeout = '2s';
      cfg.idp.client_secret = '${file:./wrong-secret}';
    });
    await stack.restart();
    try {
      const { entry, page } = await refused(401, 'AIRLOCK_IDENTITY_IDP_ERROR');
      assert.equal(entry.idp_error, 'invalid_client');
      assert.match(String(entry.why), /client_secret/, 'the log says what to check');
      assert.match(page, /invalid_client/);
    } finally {
      await stack.writeConfig((cfg) => {
        cfg.idp.discovery_url = front.discoveryUrl;
        cfg.idp.timeout = '2s';
      });
      await stack.restart();
    }
  });

  for (const variant of ['discovery_url', 'issuer'] as const) {
    test(`a discovery document naming another issuer (${variant === 'discovery_url' ? 'idp.discovery_url set' : 'discovered from idp.issuer'}) is a config error in readyz, the login and the log`, async () => {
      const realIssuer = stack.idp.issuer;
      await stack.writeConfig((cfg) => {
        cfg.idp.timeout = '2s';
        if (variant === 'discovery_url') cfg.idp.discovery_url = front.discoveryUrl;
        else cfg.idp.issuer = front.url; // the front serves the real document: its issuer is the real IdP's
      });
      if (variant === 'discovery_url') front.issuerOverride = 'https://evil.example';
      await stack.restart();
      try {
        const ready = await fetch(`${stack.gatewayUrl}/.airlock/readyz`);
        assert.equal(ready.status, 503);
        const body = (await ready.json()) as { checks: Record<string, string> };
        assert.equal(body.checks.idp, 'issuer_mismatch');
        const login = await fetch(`${stack.gatewayUrl}/.airlock/login?rd=/`, { redirect: 'manual' });
        const reqId = login.headers.get('x-request-id');
        const page = await assertErrorPage(login, 500, 'AIRLOCK_IDENTITY_ISSUER_MISMATCH');
        assert.ok(reqId && page.includes(reqId));
        const lines = (await log.entries()).filter((e) => e.code === 'AIRLOCK_IDENTITY_ISSUER_MISMATCH' && e.reqId === reqId);
        assert.ok(lines.length > 0, 'the refused login is logged with the code');
        const text = JSON.stringify(lines);
        assert.match(text, /IdP configuration error/);
        assert.ok(text.includes(variant === 'discovery_url' ? 'https://evil.example' : realIssuer), 'the log names the discovered issuer');
        assert.doesNotMatch(text, /unreachable/i);
      } finally {
        front.issuerOverride = undefined;
        await stack.writeConfig((cfg) => {
          cfg.idp.discovery_url = front.discoveryUrl;
          cfg.idp.timeout = '2s';
        });
        await stack.restart();
      }
      const ready = await fetch(`${stack.gatewayUrl}/.airlock/readyz`);
      assert.equal(ready.status, 200, 'fixed config: ready again');
      await ready.arrayBuffer();
    });
  }

  test('no token, client secret or Authorization value ever reaches the log', async () => {
    const text = await log.text();
    assert.ok(text.includes('sign-in refused'));
    assert.ok(front.secrets.length >= 10, `tokens and credentials went through the front (${front.secrets.length})`);
    for (const s of front.secrets) {
      // an ID token is checked by its signature part (its claims are not secret)
      const needle = s.split('.').length === 3 ? s.split('.')[2]! : s;
      assert.ok(!text.includes(needle), `a token or credential is in the log: ${needle.slice(0, 12)}…`);
    }
    assert.ok(!text.includes(CLIENT_SECRET) && !text.includes(WRONG_SECRET), 'no client secret in the log');
    assert.ok(!text.includes(Buffer.from(`airlock-test:${WRONG_SECRET}`).toString('base64')), 'no Basic credentials in the log');
  });
});
