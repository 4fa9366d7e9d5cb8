import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from '../gateway/harness.ts';
import { loginThroughGateway } from '../../support/login.ts';

/** Admins must use a security key, unless the IdP already did MFA (amr / acr) recently enough. */
function webauthnConfig(idpMfa: Record<string, unknown>) {
  return (cfg: Record<string, any>) => {
    cfg.webauthn = { required_for: ['Admin'], idp_mfa: { accept: true, ...idpMfa } };
    cfg.policy = { step_up: [{ env: 'prod', actions: ['trigger'], within: '5m' }] };
  };
}

async function whoami(stack: TestStack, cookie: string) {
  const r = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie } });
  assert.equal(r.status, 200);
  return (await r.json()) as { mfa: { method: string; at?: number } };
}

const trigger = (stack: TestStack, cookie: string) =>
  fetch(`${stack.gatewayUrl}/api/v1/dags/example_etl/dagRuns`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', accept: 'application/json' }, body: '{}' });

describe('IdP MFA accepted: amr contains a configured value', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ idp: { amr: ['pwd', 'hwk'] }, config: webauthnConfig({ amr: ['hwk', 'webauthn'] }) });
  });
  after(() => stack.close());

  test('an admin goes straight to Airflow; the session counts as verified by the IdP at auth_time', async () => {
    const before = Date.now();
    const r = await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo', { returnTo: '/home' });
    await r.response.arrayBuffer();
    assert.equal(new URL(r.finalUrl).pathname, '/home');
    const me = await whoami(stack, r.cookieHeader);
    assert.equal(me.mfa.method, 'idp');
    assert.ok(me.mfa.at !== undefined && me.mfa.at >= before - 2000 && me.mfa.at <= Date.now(), `mfa.at ${me.mfa.at} is the IdP's auth_time`);
  });

  test('the fresh IdP MFA satisfies policy.step_up for a prod trigger', async () => {
    const r = await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo', { returnTo: '/.airlock/whoami' });
    await r.response.arrayBuffer();
    const t = await trigger(stack, r.cookieHeader);
    await t.arrayBuffer();
    assert.notEqual(t.status, 401);
    assert.ok(t.status < 300, `trigger forwarded, got ${t.status}`);
  });
});

describe('IdP MFA accepted: acr in the configured list', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ idp: { acr: 'urn:example:loa:hardware' }, config: webauthnConfig({ acr: ['urn:example:loa:hardware'] }) });
  });
  after(() => stack.close());

  test('an admin is verified by the acr', async () => {
    const r = await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo', { returnTo: '/home' });
    await r.response.arrayBuffer();
    assert.equal(new URL(r.finalUrl).pathname, '/home');
    assert.equal((await whoami(stack, r.cookieHeader)).mfa.method, 'idp');
  });
});

describe('IdP MFA refused', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ idp: { amr: ['pwd'], acr: 'urn:example:loa:password' }, config: webauthnConfig({ amr: ['hwk'], acr: ['urn:example:loa:hardware'] }) });
  });
  after(() => stack.close());

  test('amr [pwd] and an unlisted acr do not count: the admin is sent to the security-key page', async () => {
    const r = await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo', { returnTo: '/home' });
    const html = await r.response.text();
    const u = new URL(r.finalUrl);
    assert.equal(u.pathname, '/.airlock/webauthn/verify');
    assert.equal(u.searchParams.get('rd'), '/home');
    assert.match(html, /Register your security key/);
    assert.equal((await whoami(stack, r.cookieHeader)).mfa.method, 'none');
  });

  test('until enrolled, Airflow is not reachable: browsers are redirected, API clients get 401 with verify_url', async () => {
    const r = await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo', { returnTo: '/.airlock/whoami' });
    await r.response.arrayBuffer();
    const page = await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie: r.cookieHeader, accept: 'text/html' }, redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), `/.airlock/webauthn/verify?rd=${encodeURIComponent('/home')}`);
    const before = stack.prod.received.length;
    const api = await fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { cookie: r.cookieHeader, accept: 'application/json' } });
    assert.equal(api.status, 401);
    const body = (await api.json()) as { error: string; verify_url: string };
    assert.equal(body.error, 'AIRLOCK_WEBAUTHN_VERIFICATION_REQUIRED');
    assert.equal(body.verify_url, `${stack.publicUrl}/.airlock/webauthn/verify?rd=${encodeURIComponent('/api/v1/dags')}`);
    assert.equal(stack.prod.received.length, before, 'nothing reached Airflow');
  });

  test('a user whose role does not require a key reaches Airflow, and a prod trigger asks for step-up (401 JSON with step_up_url)', async () => {
    const r = await loginThroughGateway(stack.gatewayUrl, 'bob', 'bob-demo', { returnTo: '/home' });
    await r.response.arrayBuffer();
    assert.equal(new URL(r.finalUrl).pathname, '/home');
    const t = await trigger(stack, r.cookieHeader);
    assert.equal(t.status, 401);
    const body = (await t.json()) as { error: string; step_up_url: string };
    assert.equal(body.error, 'AIRLOCK_WEBAUTHN_STEP_UP_REQUIRED');
    assert.match(body.step_up_url, /\/\.airlock\/webauthn\/step-up\?rd=/);
  });
});

describe('IdP MFA too old (max_age) is refused', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ idp: { amr: ['hwk'] }, config: webauthnConfig({ amr: ['hwk'], max_age: '1ms' }) });
  });
  after(() => stack.close());

  test('amr matches but auth_time is older than max_age: not verified', async () => {
    const r = await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo', { returnTo: '/home' });
    await r.response.arrayBuffer();
    assert.equal(new URL(r.finalUrl).pathname, '/.airlock/webauthn/verify');
    assert.equal((await whoami(stack, r.cookieHeader)).mfa.method, 'none');
  });
});
