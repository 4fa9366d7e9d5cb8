import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from '../gateway/harness.ts';
import { CookieJar, loginThroughGateway } from '../../support/login.ts';
import { CraftedAuthenticator } from '../../unit/webauthn/crafted.ts';

const TRIGGER = '/api/v1/dags/example_etl/dagRuns';
const HOUR = 3600;

/**
 * Issue #12 item 7: a person without a key must not satisfy a step-up by enrolling a first key on an old IdP
 * sign-in. The dev IdP reports every sign-in as an hour old (an older single sign-on session), except a forced
 * one (prompt=login / max_age=0), which it dates now, as a real IdP does.
 */
describe('a first security key and step-up', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({
      idp: { authTimeAgeSeconds: HOUR },
      config: (cfg) => void (cfg.policy = { step_up: [{ env: 'prod', actions: ['trigger'], within: '5m' }] }),
    });
  });
  after(() => stack.close());

  const call = (cookie: string, path: string, body: unknown) =>
    fetch(`${stack.gatewayUrl}/.airlock/webauthn/${path}`, { method: 'POST', headers: { cookie, origin: stack.publicUrl, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as Record<string, any> });
  const trigger = async (cookie: string) => {
    const r = await fetch(`${stack.gatewayUrl}${TRIGGER}`, { method: 'POST', headers: { cookie, origin: stack.publicUrl, 'content-type': 'application/json', accept: 'application/json' }, body: '{}' });
    const text = await r.text();
    return { status: r.status, error: r.status === 401 ? (JSON.parse(text) as { error: string }).error : undefined };
  };
  const page = async (cookie: string, path: string) => {
    const r = await fetch(`${stack.gatewayUrl}${path}`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
    return { status: r.status, html: await r.text() };
  };
  const whoami = async (cookie: string) => ((await (await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie } })).json()) as { mfa: { method: string; at?: number } }).mfa;
  const login = async (user: string, jar = new CookieJar()) => {
    const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`, { returnTo: '/home', jar });
    await r.response.arrayBuffer();
    return { cookie: r.cookieHeader, jar };
  };
  const register = async (cookie: string) => {
    const key = new CraftedAuthenticator('localhost', stack.publicUrl);
    const options = await json(await call(cookie, 'register/options', {}));
    if (options.status !== 200) return { options, key };
    return { options, key, verify: await json(await call(cookie, 'register/verify', { response: key.register(options.body.challenge), name: 'First key' })) };
  };

  test('an IdP sign-in older than manage_within: a first key is refused (FRESH_LOGIN_REQUIRED), the step-up stays unsatisfied, the pages offer a forced sign-in', async () => {
    const { cookie } = await login('bob');
    assert.deepEqual(await trigger(cookie), { status: 401, error: 'AIRLOCK_WEBAUTHN_STEP_UP_REQUIRED' });

    const { options } = await register(cookie);
    assert.equal(options.status, 401);
    assert.equal(options.body.error, 'AIRLOCK_WEBAUTHN_FRESH_LOGIN_REQUIRED');
    assert.match(String(options.body.login_url), /^http:\/\/localhost:\d+\/\.airlock\/login\?reauth=enroll&rd=/);
    // a response to no challenge is refused for the same reason before anything is read
    const verify = await json(await call(cookie, 'register/verify', { response: new CraftedAuthenticator('localhost', stack.publicUrl).register('A'.repeat(43)) }));
    assert.equal(verify.body.error, 'AIRLOCK_WEBAUTHN_FRESH_LOGIN_REQUIRED');
    assert.deepEqual(await trigger(cookie), { status: 401, error: 'AIRLOCK_WEBAUTHN_STEP_UP_REQUIRED' }, 'still not satisfied');
    assert.equal((await whoami(cookie)).method, 'none');

    const expectedLink = `/.airlock/login?reauth=enroll&amp;rd=${encodeURIComponent(TRIGGER)}`;
    for (const path of [`/.airlock/webauthn/step-up?rd=${encodeURIComponent(TRIGGER)}`, `/.airlock/webauthn/enroll?rd=${encodeURIComponent(TRIGGER)}`]) {
      const p = await page(cookie, path);
      assert.equal(p.status, 200, path);
      assert.ok(p.html.includes(`id="wa-reauth" href="${expectedLink}"`), `${path} links to the forced sign-in:\n${p.html}`);
      assert.ok(!p.html.includes('id="wa-go"'), `${path} has no register button`);
    }

    const start = await fetch(`${stack.gatewayUrl}/.airlock/login?reauth=enroll&rd=${encodeURIComponent(TRIGGER)}`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    const authorize = new URL(start.headers.get('location')!);
    assert.equal(authorize.origin, new URL(stack.idp.issuer).origin);
    assert.equal(authorize.searchParams.get('prompt'), 'login');
    assert.equal(authorize.searchParams.get('max_age'), '0');
  });

  test('a forced sign-in comes back to the enrol page; the first key registered then satisfies the step-up', async () => {
    const { cookie: stale, jar } = await login('bob');
    assert.equal((await register(stale)).options.body.error, 'AIRLOCK_WEBAUTHN_FRESH_LOGIN_REQUIRED');

    const again = await loginThroughGateway(stack.gatewayUrl, 'bob', 'bob-demo', { jar, loginPath: `/.airlock/login?reauth=enroll&rd=${encodeURIComponent('/home')}` });
    const html = await again.response.text();
    const back = new URL(again.finalUrl);
    assert.equal(back.pathname, '/.airlock/webauthn/enroll');
    assert.equal(back.searchParams.get('rd'), '/home');
    assert.ok(html.includes('id="wa-go"') && !html.includes('id="wa-reauth"'), 'the enrol page now offers to register');

    const cookie = again.cookieHeader;
    const { verify } = await register(cookie);
    assert.equal(verify?.status, 200, JSON.stringify(verify?.body));
    const mfa = await whoami(cookie);
    assert.equal(mfa.method, 'webauthn');
    assert.ok(Date.now() - mfa.at! < 5 * 60_000, 'the enrolment counts as of the fresh sign-in');
    assert.deepEqual(await trigger(cookie), { status: 200, error: undefined }, 'the step-up is satisfied');
  });

  test('a sign-in within manage_within but older than the step-up window: the first key is registered, yet only an assertion with it satisfies the step-up', async () => {
    await stack.writeConfig((cfg) => void (cfg.webauthn = { manage_within: '2h' }));
    const reloaded = await stack.gateway.worker!.services.holder.reload();
    assert.equal(reloaded.ok, true, JSON.stringify(reloaded));

    const { cookie } = await login('carol');
    const { key, verify } = await register(cookie);
    assert.equal(verify?.status, 200, JSON.stringify(verify?.body));
    assert.deepEqual(await trigger(cookie), { status: 401, error: 'AIRLOCK_WEBAUTHN_STEP_UP_REQUIRED' }, 'enrolling on an hour-old sign-in does not satisfy a 5m step-up');
    const mfa = await whoami(cookie);
    assert.equal(mfa.method, 'webauthn', 'the session is verified with the new key (the required_for gate would pass)');
    assert.ok(Date.now() - mfa.at! >= (HOUR - 60) * 1000, `the enrolment counts as of the hour-old IdP sign-in (at ${mfa.at})`);

    const options = await json(await call(cookie, 'authenticate/options', { purpose: 'step_up' }));
    assert.equal(options.status, 200, JSON.stringify(options.body));
    const asserted = await json(await call(cookie, 'authenticate/verify', { purpose: 'step_up', response: key.assert(options.body.challenge) }));
    assert.equal(asserted.status, 200, JSON.stringify(asserted.body));
    assert.deepEqual(await trigger(cookie), { status: 200, error: undefined });
  });
});
