import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, expectedRoles, type RunningDemo } from '../../../demo/index.ts';
import { headerValues } from '../../../demo/airflow-standin/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { freePort } from '../gateway/harness.ts';

let demo: RunningDemo;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-demo-test-'));
  demo = await startDemo({ port: await freePort(), idpPort: 0, quiet: true, dir });
});
after(async () => {
  await demo.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the demo writes a config that references the client secret file instead of containing it', () => {
  const yaml = readFileSync(demo.configPath, 'utf8');
  const secret = readFileSync(join(dir, 'client-secret'), 'utf8').trim();
  assert.ok(secret.length >= 24);
  assert.ok(!yaml.includes(secret));
  assert.match(yaml, /client_secret: \$\{file:\.\/client-secret\}/);
  assert.match(yaml, /store: sqlite:\.\/airlock\.db/);
  assert.equal(statSync(join(dir, 'client-secret')).mode & 0o077, 0, 'secret file is private');
});

test('each demo user logs in and Airflow 2 sees the expected role', async () => {
  for (const user of demo.users) {
    const res = await loginThroughGateway(demo.gatewayUrl, user.username, user.password, { returnTo: '/home' });
    assert.equal(res.finalUrl, `${demo.gatewayUrl}/home`, user.username);
    const html = await res.response.text();
    const roles = expectedRoles(user);
    if (roles.length === 0) {
      assert.equal(res.response.status, 403, `${user.username} has no role`);
      continue;
    }
    assert.equal(res.response.status, 200, user.username);
    assert.match(html, new RegExp(`<th>Username</th><td>${user.username}</td>`));
    for (const r of roles) assert.match(html, new RegExp(`<span class="role">${r}</span>`), `${user.username} sees ${r}`);
    assert.match(html, /verified \(ES256/);
  }
});

test('the dev environment (Airflow 3 under /dev) gets its own assertion audience', async () => {
  const res = await loginThroughGateway(demo.gatewayUrl, 'carol', 'carol-demo', { returnTo: '/dev/' });
  assert.equal(res.response.status, 200);
  const html = await res.response.text();
  assert.match(html, /Airflow 3 \(Airlock demo stand-in\)/);
  assert.match(html, /&quot;aud&quot;: &quot;dev&quot;/);
  const api = await fetch(`${demo.gatewayUrl}/dev/api/v2/dags`, { headers: { cookie: res.cookieHeader } });
  assert.equal(api.status, 200);
  const body = (await api.json()) as { dags: Array<{ dag_id: string }> };
  assert.equal(body.dags.length, 4);
  const rec = demo.standins.dev.received.at(-1)!;
  assert.equal(headerValues(rec.headers, 'x-airlock-assertion').length, 1);
});

test('a user without a role never reaches Airflow', async () => {
  const res = await loginThroughGateway(demo.gatewayUrl, 'erin', 'erin-demo', { returnTo: '/home' });
  await res.response.arrayBuffer();
  const before = demo.standins.prod.received.length;
  const api = await fetch(`${demo.gatewayUrl}/api/v1/dags`, { headers: { cookie: res.cookieHeader } });
  assert.equal(api.status, 403);
  await api.arrayBuffer();
  assert.equal(demo.standins.prod.received.length, before);
});

test('per-DAG rules in the demo: dave sees only the reporting DAGs, inside Airflow 2 and 3 lists too; finance triggers are for ops', async () => {
  const dave = await loginThroughGateway(demo.gatewayUrl, 'dave', 'dave-demo', { returnTo: '/api/v1/dags' });
  assert.equal(dave.response.status, 200);
  const v1 = (await dave.response.json()) as { dags: Array<{ dag_id: string }>; total_entries: number };
  assert.deepEqual(v1.dags.map((d) => d.dag_id), ['reporting_hourly']);
  assert.equal(v1.total_entries, 1);
  const home = await fetch(`${demo.gatewayUrl}/home`, { headers: { cookie: dave.cookieHeader } });
  const html = await home.text();
  assert.equal(home.status, 200);
  assert.deepEqual([...html.matchAll(/data-dag-id="([^"]+)"/g)].map((m) => m[1]), ['reporting_hourly'], "/home's DAG list");
  assert.match(html, /id="dag-count">All 1</);
  const v2 = await fetch(`${demo.gatewayUrl}/dev/api/v2/dags`, { headers: { cookie: dave.cookieHeader } });
  assert.equal(v2.status, 200);
  assert.deepEqual(((await v2.json()) as { dags: Array<{ dag_id: string }> }).dags.map((d) => d.dag_id), ['reporting_hourly']);
  const other = await fetch(`${demo.gatewayUrl}/api/v1/dags/finance_daily`, { headers: { cookie: dave.cookieHeader } });
  assert.equal(other.status, 403, 'a DAG outside his rules is refused by Airlock');
  await other.arrayBuffer();

  const trigger = (cookie: string) => fetch(`${demo.gatewayUrl}/api/v1/dags/finance_daily/dagRuns`, {
    method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: demo.gatewayUrl }, body: '{}',
  });
  const carol = await loginThroughGateway(demo.gatewayUrl, 'carol', 'carol-demo', { returnTo: '/.airlock/whoami' });
  await carol.response.arrayBuffer();
  const refused = await trigger(carol.cookieHeader);
  assert.equal(refused.status, 403, 'carol (User) may not trigger finance DAGs');
  assert.match(await refused.text(), /finance-trigger/);
  const bob = await loginThroughGateway(demo.gatewayUrl, 'bob', 'bob-demo', { returnTo: '/.airlock/whoami' });
  await bob.response.arrayBuffer();
  const allowed = await trigger(bob.cookieHeader);
  assert.ok(allowed.status < 300, `bob (Op) may: ${allowed.status}`);
  await allowed.arrayBuffer();
});
