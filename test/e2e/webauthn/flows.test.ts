import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startStack, type TestStack } from '../../integration/gateway/harness.ts';
import { ceremonyBypassingOptions, launchChromium, Person, waResult, type VirtualCredential } from './browser.ts';

const STEP_UP_WITHIN_MS = 4000;

/**
 * Real Chromium with the CDP virtual authenticator against the whole stack (dev IdP, Airflow stand-ins,
 * gateway) on http://localhost. Admins and operators must use a key; prod triggers need a fresh assertion.
 */
describe('security keys in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  const people: Person[] = [];
  let aliceKeyA: VirtualCredential;
  let aliceKeyB: VirtualCredential;

  const open = async () => {
    const p = await Person.open(browser);
    people.push(p);
    return p;
  };
  const path = (p: Person) => new URL(p.page.url()).pathname;

  before(async () => {
    stack = await startStack({
      config: (cfg) => {
        cfg.webauthn = { required_for: ['Admin', 'Op'], passwordless: { enabled: true, max_idp_login_age: '1h' } };
        cfg.policy = { step_up: [{ env: 'prod', actions: ['trigger', 'clear', 'pause', 'delete'], within: `${STEP_UP_WITHIN_MS / 1000}s` }] };
      },
    });
    browser = await launchChromium();
  });
  after(async () => {
    for (const p of people) await p.close();
    await browser?.close();
    await stack?.close();
  });

  test('enroll: an admin without a key is sent to enrolment and cannot reach Airflow until enrolled', async () => {
    const alice = await open();
    await alice.useAuthenticator();
    await alice.idpLogin(stack.gatewayUrl, 'alice', 'alice-demo', '/home');
    assert.equal(path(alice), '/.airlock/webauthn/verify');
    assert.match(await alice.page.textContent('h1') ?? '', /Register your security key/);
    await alice.shot('01-enroll');

    const blocked = await alice.page.request.get(`${stack.gatewayUrl}/home`, { maxRedirects: 0, headers: { accept: 'text/html' } });
    assert.equal(blocked.status(), 302);
    assert.match(blocked.headers().location ?? '', /^\/\.airlock\/webauthn\/verify\?rd=/);

    await alice.page.fill('#wa-name', 'YubiKey A');
    await Promise.all([alice.page.waitForURL((u) => u.pathname === '/home'), alice.page.click('#wa-go')]);
    assert.match(await alice.page.content(), /alice/);
    await alice.shot('02-airflow-after-enroll');
    const creds = await alice.credentials();
    assert.equal(creds.length, 1);
    aliceKeyA = creds[0]!;
  });

  test('log in with the key: the session counts as verified only after the assertion', async () => {
    const alice = await open();
    await alice.useAuthenticator({}, [aliceKeyA]);
    await alice.idpLogin(stack.gatewayUrl, 'alice', 'alice-demo', '/home');
    assert.equal(path(alice), '/.airlock/webauthn/verify');
    assert.match(await alice.page.textContent('h1') ?? '', /Confirm it's you/);
    const me = await (await alice.page.request.get(`${stack.gatewayUrl}/.airlock/whoami`)).json();
    assert.equal(me.mfa.method, 'none');
    await alice.shot('03-verify-login');
    await Promise.all([alice.page.waitForURL((u) => u.pathname === '/home'), alice.page.click('#wa-go')]);
    aliceKeyA = (await alice.credentials())[0]!; // the signature counter moved: keep the authenticator's current state
    const after = await (await alice.page.request.get(`${stack.gatewayUrl}/.airlock/whoami`)).json();
    assert.equal(after.mfa.method, 'webauthn');
    assert.equal(after.mfa.credentialId, aliceKeyA.credentialId.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
  });

  test('step-up: a prod trigger with a stale assertion gets 401 + step_up_url; after the step-up page the trigger succeeds', async () => {
    const alice = people[1]!;
    await new Promise((r) => setTimeout(r, STEP_UP_WITHIN_MS + 500));
    // A string (not a function): tsx's name helpers must not leak into the page.
    const trigger = (): Promise<{ status: number; body: Record<string, unknown> }> =>
      alice.page.evaluate(`fetch('/api/v1/dags/example_etl/dagRuns', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{}' })
        .then(async (r) => ({ status: r.status, body: await r.json() }))`);
    const first = await trigger();
    assert.equal(first.status, 401);
    assert.equal(first.body.error, 'AIRLOCK_WEBAUTHN_STEP_UP_REQUIRED');
    const stepUpUrl = new URL(first.body.step_up_url as string);
    assert.equal(stepUpUrl.pathname, '/.airlock/webauthn/step-up');
    assert.equal(stepUpUrl.searchParams.get('rd'), '/api/v1/dags/example_etl/dagRuns');

    const before = stack.prod.received.length;
    await alice.page.goto(stepUpUrl.href);
    assert.match(await alice.page.textContent('h1') ?? '', /Confirm this action/);
    await alice.shot('04-step-up');
    await Promise.all([alice.page.waitForURL((u) => u.pathname === '/api/v1/dags/example_etl/dagRuns'), alice.page.click('#wa-go')]);
    const second = await trigger();
    assert.ok(second.status >= 200 && second.status < 300, `trigger forwarded after step-up: ${second.status} ${JSON.stringify(second.body)}`);
    assert.ok(stack.prod.received.slice(before).some((r) => r.method === 'POST' && r.url.endsWith('/dagRuns')), 'the trigger reached Airflow');
  });

  test('a browser (HTML) request that needs step-up is redirected to the step-up page with rd', async () => {
    const alice = people[1]!;
    await new Promise((r) => setTimeout(r, STEP_UP_WITHIN_MS + 500));
    const r = await alice.page.request.post(`${stack.gatewayUrl}/dags/example_etl/trigger`, { maxRedirects: 0, headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, data: 'conf=%7B%7D' });
    if (r.status() === 302) assert.match(r.headers().location ?? '', /^\/\.airlock\/webauthn\/step-up\?rd=/);
    else assert.fail(`expected a redirect to the step-up page, got ${r.status()}`);
  });

  test('an authenticator without user verification is refused when UV is required', async () => {
    const bob = await open();
    await bob.useAuthenticator({ hasUserVerification: false, isUserVerified: false });
    await bob.idpLogin(stack.gatewayUrl, 'bob', 'bob-demo', '/home');
    assert.equal(path(bob), '/.airlock/webauthn/verify');
    await bob.page.click('#wa-go');
    const res = await waResult(bob.page);
    assert.equal(res.result, 'error');
    await bob.shot('05-uv-refused');
    // Even when the page is bypassed and the browser is told UV is not needed, the server refuses.
    const forced = await ceremonyBypassingOptions(bob.page, 'register', 'uv_discouraged');
    assert.equal(forced.status, 400);
    assert.equal(forced.body.error, 'AIRLOCK_WEBAUTHN_USER_VERIFICATION_MISSING');
    const still = await bob.page.request.get(`${stack.gatewayUrl}/home`, { maxRedirects: 0, headers: { accept: 'text/html' } });
    assert.equal(still.status(), 302, 'bob still cannot reach Airflow');
  });

  test("another user's authenticator is refused", async () => {
    const carol = await open();
    await carol.useAuthenticator();
    await carol.idpLogin(stack.gatewayUrl, 'carol', 'carol-demo', '/home');
    assert.equal(path(carol), '/home', 'carol (User) needs no key');
    await carol.page.goto(`${stack.gatewayUrl}/.airlock/webauthn/enroll`);
    await carol.page.fill('#wa-name', "Carol's key");
    await Promise.all([carol.page.waitForURL((u) => u.pathname === '/'), carol.page.click('#wa-go')]);
    const carolsKey = (await carol.credentials())[0]!;

    const alice = await open();
    await alice.useAuthenticator({}, [carolsKey]);
    await alice.idpLogin(stack.gatewayUrl, 'alice', 'alice-demo', '/home');
    assert.equal(path(alice), '/.airlock/webauthn/verify');
    await alice.page.click('#wa-go');
    assert.equal((await waResult(alice.page)).result, 'error', 'the browser finds none of alice\'s keys');
    await alice.shot('06-other-users-key');
    const forced = await ceremonyBypassingOptions(alice.page, 'authenticate', 'empty_allow_list');
    assert.equal(forced.status, 401);
    assert.equal(forced.body.error, 'AIRLOCK_WEBAUTHN_CREDENTIAL_OTHER_USER');
    const me = await (await alice.page.request.get(`${stack.gatewayUrl}/.airlock/whoami`)).json();
    assert.equal(me.mfa.method, 'none');
  });

  test('two keys: add a second key on the key page, then either one works', async () => {
    const alice = people[1]!;
    aliceKeyA = (await alice.credentials())[0]!; // after the step-up
    await alice.useAuthenticator(); // a new, empty authenticator: key B
    await alice.page.goto(`${stack.gatewayUrl}/.airlock/webauthn/keys`);
    await alice.shot('07-keys-one');
    await Promise.all([alice.page.waitForURL((u) => u.pathname === '/.airlock/webauthn/enroll'), alice.page.click('#wa-add')]);
    assert.match(await alice.page.textContent('h1') ?? '', /Add a security key/);
    await alice.shot('08-add-key');
    await alice.page.fill('#wa-name', 'YubiKey B');
    // The session's last assertion is older than manage_within? No: it is minutes fresh (step-up above).
    await alice.page.click('#wa-go');
    const added = await waResult(alice.page);
    assert.equal(added.result, 'ok', `adding key B: ${added.status}`);
    await alice.page.waitForURL((u) => u.pathname === '/.airlock/webauthn/keys');
    aliceKeyB = (await alice.credentials())[0]!;
    assert.equal(await alice.page.locator('tbody tr').count(), 2);
    await alice.shot('09-keys-two');

    for (const label of ['A', 'B'] as const) {
      const p = await open();
      await p.useAuthenticator({}, [label === 'A' ? aliceKeyA : aliceKeyB]);
      await p.idpLogin(stack.gatewayUrl, 'alice', 'alice-demo', '/home');
      await p.page.click('#wa-go');
      const r = await waResult(p.page);
      assert.equal(r.result, 'ok', `key ${label} signs alice in: ${r.status}`);
      await p.page.waitForURL((u) => u.pathname === '/home');
      const now = (await p.credentials())[0]!;
      if (label === 'A') aliceKeyA = now;
      else aliceKeyB = now;
    }
  });

  test('a removed key is refused', async () => {
    const alice = people[1]!; // last verified with key B (the session that added it)
    await alice.page.goto(`${stack.gatewayUrl}/.airlock/webauthn/keys`);
    const rowA = alice.page.locator('tbody tr', { hasText: 'YubiKey A' });
    await Promise.all([alice.page.waitForFunction(() => document.body.getAttribute('data-wa-result') === 'ok'), rowA.locator('button[data-action=remove]').click()]);
    await alice.page.waitForLoadState('load');
    await alice.page.goto(`${stack.gatewayUrl}/.airlock/webauthn/keys`);
    assert.equal(await alice.page.locator('tbody tr').count(), 1);
    assert.equal(await alice.page.locator('tbody tr', { hasText: 'YubiKey A' }).count(), 0);
    await alice.shot('10-keys-after-remove');

    const p = await open();
    await p.useAuthenticator({}, [aliceKeyA]);
    await p.idpLogin(stack.gatewayUrl, 'alice', 'alice-demo', '/home');
    await p.page.click('#wa-go');
    assert.equal((await waResult(p.page)).result, 'error');
    const forced = await ceremonyBypassingOptions(p.page, 'authenticate', 'empty_allow_list');
    assert.equal(forced.status, 401);
    assert.equal(forced.body.error, 'AIRLOCK_WEBAUTHN_CREDENTIAL_UNKNOWN');
  });

  test('the last key of a person who must have one cannot be removed', async () => {
    const alice = people[1]!;
    await alice.page.goto(`${stack.gatewayUrl}/.airlock/webauthn/keys`);
    await alice.page.locator('tbody tr button[data-action=remove]').click();
    const r = await waResult(alice.page);
    assert.equal(r.result, 'error');
    assert.equal(r.code, 'AIRLOCK_WEBAUTHN_LAST_REQUIRED_KEY');
    await alice.shot('11-last-key-refused');
  });

  test('passwordless: a discoverable credential signs in without the IdP', async () => {
    const p = await open();
    await p.useAuthenticator({}, [aliceKeyB]);
    await p.page.goto(`${stack.gatewayUrl}/.airlock/webauthn/passwordless?rd=%2Fhome`);
    await p.shot('12-passwordless');
    await Promise.all([p.page.waitForURL((u) => u.pathname === '/home'), p.page.click('#wa-go')]);
    const me = await (await p.page.request.get(`${stack.gatewayUrl}/.airlock/whoami`)).json();
    assert.equal(me.username, 'alice');
    assert.equal(me.mfa.method, 'webauthn');
    assert.deepEqual(me.roles, ['Admin']);
  });

  test('a cloned authenticator (a stale copy whose counter does not increase) is refused and the key disabled', async () => {
    const stale = aliceKeyB; // state before the passwordless sign-in above moved the counter on
    const p = await open();
    await p.useAuthenticator({}, [stale]);
    await p.idpLogin(stack.gatewayUrl, 'alice', 'alice-demo', '/home');
    await p.page.click('#wa-go');
    const r = await waResult(p.page);
    assert.equal(r.result, 'error');
    assert.equal(r.code, 'AIRLOCK_WEBAUTHN_COUNTER_REGRESSION');
    await p.shot('13-clone-refused');
    const keys = await p.page.request.get(`${stack.gatewayUrl}/.airlock/webauthn/keys`);
    assert.match(await keys.text(), /disabled: counter regression/);
    // With only disabled keys left, self-service re-enrolment is refused until an administrator revokes them.
    await p.useAuthenticator();
    await p.page.goto(`${stack.gatewayUrl}/.airlock/webauthn/verify?rd=%2Fhome`);
    await p.page.evaluate('document.body.removeAttribute("data-wa-result")');
    await p.page.click('#wa-go');
    const again = await waResult(p.page);
    assert.equal(again.code, 'AIRLOCK_WEBAUTHN_KEYS_DISABLED');
    await p.shot('14-keys-disabled');
  });
});
