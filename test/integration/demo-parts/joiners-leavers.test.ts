import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { startDemo, type RunningDemo } from '../../../demo/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { freePort } from '../gateway/harness.ts';

/**
 * Issue #14 item 6, through the demo exactly as a person would do it: dave signs in, an administrator removes him
 * from "analysts" on the dev IdP's admin page (/admin), and his next request after session.claims_max_age is
 * refused; "Sign out everywhere" on the same page ends his session at once (back-channel logout). The demo runs
 * with claims_max_age 2s here instead of its 30s.
 */
let demo: RunningDemo;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-demo-jl-'));
  demo = await startDemo({ port: await freePort(), idpPort: 0, quiet: true, dir, claimsMaxAge: '2s' });
});
after(async () => {
  await demo.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A form post on the admin page, as the browser sends it (same origin). */
async function admin(path: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${demo.idp.issuer}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: demo.idp.issuer },
    body: new URLSearchParams(fields),
  });
}

const page = async (cookie: string) => {
  const r = await fetch(`${demo.gatewayUrl}/home`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
  await r.arrayBuffer();
  return r.status;
};

test('the admin page lists dave with his group', async () => {
  const r = await fetch(`${demo.idp.issuer}/admin`);
  const html = await r.text();
  assert.equal(r.status, 200);
  assert.match(html, /<strong>dave<\/strong>/);
  assert.match(html, /value="analysts"/);
});

test('dave removed from "analysts" on the dev IdP: his next request after claims_max_age is refused', async () => {
  const login = await loginThroughGateway(demo.gatewayUrl, 'dave', 'dave-demo', { returnTo: '/home' });
  await login.response.arrayBuffer();
  assert.equal(login.response.status, 200, 'dave sees Airflow (Viewer)');
  const cookie = login.jar.header(demo.gatewayUrl);
  const saved = await admin('/admin/groups', { username: 'dave', groups: '' });
  assert.equal(saved.status, 303);
  assert.match(saved.headers.get('location') ?? '', /^\/admin\?done=/);
  await sleep(2_300);
  assert.equal(await page(cookie), 403, 'no role any more: the 403 page');
  const api = await fetch(`${demo.gatewayUrl}/api/v1/dags`, { headers: { cookie, accept: 'application/json' } });
  assert.equal(api.status, 403);
  assert.equal(((await api.json()) as { error: string }).error, 'AIRLOCK_SERVER_NO_ROLE');
  // back in the group: the next refresh gives the role back
  assert.equal((await admin('/admin/groups', { username: 'dave', groups: 'analysts' })).status, 303);
  await sleep(2_300);
  assert.equal(await page(cookie), 200);
});

test('"Sign out everywhere" ends dave\'s session at once (back-channel logout)', async () => {
  const login = await loginThroughGateway(demo.gatewayUrl, 'dave', 'dave-demo', { returnTo: '/home' });
  await login.response.arrayBuffer();
  const cookie = login.jar.header(demo.gatewayUrl);
  assert.equal(await page(cookie), 200);
  const r = await admin('/admin/logout', { username: 'dave' });
  assert.equal(r.status, 303);
  assert.match(decodeURIComponent(r.headers.get('location') ?? ''), /back-channel logout\(s\) delivered/);
  assert.equal(await page(cookie), 302, 'signed out: on to the sign-in');
});

test('the admin page refuses a cross-origin post', async () => {
  const r = await fetch(`${demo.idp.issuer}/admin/groups`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
    body: new URLSearchParams({ username: 'dave', groups: 'airflow-admins' }),
  });
  assert.equal(r.status, 403);
  assert.deepEqual(demo.users.find((u) => u.username === 'dave')!.groups, ['analysts']);
});

test('the admin endpoints answer JSON to Accept: application/json', async () => {
  const r = await fetch(`${demo.idp.issuer}/admin/groups`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ username: 'erin', groups: 'marketing, data-eng' }),
  });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { username: 'erin', groups: ['marketing', 'data-eng'] });
  const out = await fetch(`${demo.idp.issuer}/admin/logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams({ username: 'erin' }) });
  assert.deepEqual(await out.json(), { username: 'erin', backchannel_logouts: 0 });
  const unknown = await fetch(`${demo.idp.issuer}/admin/logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams({ username: 'mallory' }) });
  assert.equal(unknown.status, 404);
});
