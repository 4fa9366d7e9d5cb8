import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startStack, type TestStack } from './harness.ts';
import { assertNoLeak, rawRequest } from './flows.ts';
import { headerValues, type RecordedRequest } from '../../../demo/airflow-standin/index.ts';
import { subjectOf } from '../../../demo/idp/index.ts';
import { loginThroughGateway } from '../../support/login.ts';

const HOSTILE: Array<[string, string]> = [
  ['X-Airlock-User', 'mallory'],
  ['x_airlock_user', 'mallory'],
  ['X-AIRLOCK-USER', 'mallory'],
  ['X-Airlock-Roles', 'Admin'],
  ['X_Airlock_Roles', 'Admin'],
  ['X-Airlock-Email', 'mallory@evil.example'],
  ['X-AIRLOCK-ASSERTION', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5Iiwicm9sZXMiOlsiQWRtaW4iXX0.'],
  ['x_airlock_assertion', 'forged'],
  ['X-Forwarded-For', '6.6.6.6'],
  ['X_Forwarded_For', '6.6.6.6'],
  ['x-forwarded-for', '6.6.6.7'],
  ['X-Forwarded-Host', 'evil.example'],
  ['X-Forwarded-Proto', 'https'],
  ['Forwarded', 'for=6.6.6.6;host=evil.example;proto=https'],
  ['X-Original-URL', '/admin/mallory'],
  ['X-Rewrite-URL', '/admin/mallory'],
  ['X-Real-IP', '6.6.6.6'],
  ['X_Real_IP', '6.6.6.6'],
];

const EXPECTED_ROLES: Record<string, string> = { alice: 'Admin', bob: 'Op', carol: 'User', dave: 'Viewer' };

describe('identity headers, assertion and roles', () => {
  let stack: TestStack;
  const cookies = new Map<string, string>();
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  before(async () => {
    stack = await startStack();
    jwks = createRemoteJWKSet(new URL(`${stack.gatewayUrl}/.airlock/jwks.json`));
    for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) {
      const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`, { returnTo: '/.airlock/whoami' });
      await r.response.arrayBuffer();
      cookies.set(user, r.cookieHeader);
    }
  });
  after(() => stack.close());

  const lastReceived = (from: number): RecordedRequest => {
    const got = stack.prod.received.slice(from);
    assert.equal(got.length, 1, `exactly one request reached the upstream, got ${got.length}`);
    return got[0]!;
  };

  const verifyAssertion = async (rec: RecordedRequest) => {
    const values = headerValues(rec.headers, 'x-airlock-assertion');
    assert.equal(values.length, 1, 'exactly one assertion');
    const { payload, protectedHeader } = await jwtVerify(values[0]!, jwks, { issuer: stack.publicUrl, audience: 'prod', algorithms: ['ES256'] });
    assert.ok(protectedHeader.kid);
    return payload;
  };

  test('spoofed identity and forwarding headers, in every case and underscore variant, never reach the upstream', async () => {
    const before = stack.prod.received.length;
    const res = await rawRequest(`${stack.gatewayUrl}/home`, { headers: [['Cookie', cookies.get('carol')!], ...HOSTILE] });
    assert.equal(res.status, 200, res.body.slice(0, 300));
    const rec = lastReceived(before);
    const names = rec.headers.filter((_, i) => i % 2 === 0);
    assert.deepEqual(names.filter((n) => n.includes('_')), [], 'no underscore header names at all');
    for (const n of ['forwarded', 'x-original-url', 'x-rewrite-url', 'x-real-ip']) assert.deepEqual(headerValues(rec.headers, n), [], `${n} removed`);
    assert.deepEqual(headerValues(rec.headers, 'x-airlock-user'), ['carol']);
    assert.deepEqual(headerValues(rec.headers, 'x-airlock-roles'), ['User']);
    assert.deepEqual(headerValues(rec.headers, 'x-airlock-email'), ['carol@example.com']);
    assert.deepEqual(headerValues(rec.headers, 'x-forwarded-for'), ['127.0.0.1'], 'the real client address only');
    assert.deepEqual(headerValues(rec.headers, 'x-forwarded-host'), [new URL(stack.gatewayUrl).host]);
    assert.deepEqual(headerValues(rec.headers, 'x-forwarded-proto'), ['http']);
    const raw = rec.headers.join('\n');
    for (const bad of ['mallory', '6.6.6.6', '6.6.6.7', 'evil.example', 'forged']) assert.ok(!raw.includes(bad), `no trace of ${bad}`);
    assert.ok(!/(^|;\s*)airlock=/.test(headerValues(rec.headers, 'cookie').join(';')), 'the session cookie is not forwarded');
    const claims = await verifyAssertion(rec);
    assert.equal(claims.sub, subjectOf('carol'));
    assert.equal(claims.preferred_username, 'carol');
    assert.deepEqual(claims.roles, ['User']);
    assert.deepEqual(claims.groups, ['data-eng']);
    assert.ok((claims.exp as number) - (claims.iat as number) <= 300);
  });

  test('spoofed headers without a session get a login redirect; nothing is forwarded', async () => {
    const before = stack.prod.received.length;
    const res = await rawRequest(`${stack.gatewayUrl}/home`, { headers: [['Accept', 'text/html'], ...HOSTILE] });
    assert.equal(res.status, 302);
    assert.match(String(res.headers.location), /^\/\.airlock\/login/);
    const api = await rawRequest(`${stack.gatewayUrl}/api/v1/dags`, { headers: [['Accept', 'application/json'], ...HOSTILE] });
    assert.equal(api.status, 401);
    assertNoLeak(api.body);
    assert.equal(stack.prod.received.length, before);
  });

  for (const [user, role] of Object.entries(EXPECTED_ROLES)) {
    test(`${user} reaches Airflow as ${role}`, async () => {
      const before = stack.prod.received.length;
      const res = await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie: cookies.get(user)! } });
      assert.equal(res.status, 200);
      assert.match(await res.text(), new RegExp(user));
      const rec = lastReceived(before);
      assert.deepEqual(headerValues(rec.headers, 'x-airlock-roles'), [role]);
      assert.deepEqual(headerValues(rec.headers, 'x-airlock-user'), [user]);
      const claims = await verifyAssertion(rec);
      assert.deepEqual(claims.roles, [role]);
      assert.equal(claims.sub, subjectOf(user));
    });
  }

  test('erin (no mapped group) gets the 403 page naming the groups that would grant access; nothing forwarded', async () => {
    const before = stack.prod.received.length;
    const res = await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie: cookies.get('erin')!, accept: 'text/html' } });
    const page = await res.text();
    assert.equal(res.status, 403);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page, /would grant access/);
    const granting = ['airflow-admins', 'data-platform-ops', 'data-eng', 'analysts'].filter((g) => page.includes(`<code>${g}</code>`));
    assert.ok(granting.length >= 1, `names at least one granting group: ${page.slice(0, 2000)}`);
    assert.ok(page.includes('<code>marketing</code>'), 'shows erin her own groups');
    assertNoLeak(page);
    const api = await fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { cookie: cookies.get('erin')!, accept: 'application/json' } });
    assert.equal(api.status, 403);
    const body = (await api.json()) as { error: string; granting_groups: string[] };
    assert.equal(body.error, 'AIRLOCK_SERVER_NO_ROLE');
    assert.ok(body.granting_groups.length >= 1);
    assert.equal(stack.prod.received.length, before);
  });

  test('every response carries its own X-Request-Id: forwarded, refused, redirected, 401, gateway endpoint, bad target', async () => {
    const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const cases: Array<[string, Promise<Response>, number]> = [
      ['forwarded', fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { cookie: cookies.get('dave')! } }), 200],
      ['refused (403)', fetch(`${stack.gatewayUrl}/api/v1/dags/example_etl`, { method: 'PATCH', headers: { cookie: cookies.get('dave')!, 'content-type': 'application/json' }, body: '{"is_paused":true}' }), 403],
      ['login redirect', fetch(`${stack.gatewayUrl}/home`, { redirect: 'manual', headers: { accept: 'text/html' } }), 302],
      ['401 JSON', fetch(`${stack.gatewayUrl}/api/v1/dags`), 401],
      ['gateway endpoint', fetch(`${stack.gatewayUrl}/.airlock/healthz`), 200],
      ['ambiguous target', fetch(`${stack.gatewayUrl}/api/v1/dags/a%2Fb`, { headers: { cookie: cookies.get('dave')! } }), 400],
    ];
    const ids = new Set<string>();
    for (const [name, pending, status] of cases) {
      const res = await pending;
      await res.arrayBuffer();
      assert.equal(res.status, status, name);
      const id = res.headers.get('x-request-id');
      assert.match(id ?? '', UUID_V7, `${name}: X-Request-Id`);
      ids.add(id!);
    }
    assert.equal(ids.size, cases.length, 'one id per request');
  });

  test('a Viewer may GET /api/v1/dags but not PATCH /api/v1/dags/example_etl (403 JSON, upstream never sees it)', async () => {
    const cookie = cookies.get('dave')!;
    const before = stack.prod.received.length;
    const list = await fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { cookie, accept: 'application/json' } });
    assert.equal(list.status, 200);
    await list.arrayBuffer();
    assert.equal(lastReceived(before).method, 'GET');
    const mid = stack.prod.received.length;
    const patch = await fetch(`${stack.gatewayUrl}/api/v1/dags/example_etl`, {
      method: 'PATCH',
      headers: { cookie, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ is_paused: true }),
    });
    assert.equal(patch.status, 403);
    assert.match(patch.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await patch.json()) as { error: string; dag_ids: string[] };
    assert.equal(body.error, 'AIRLOCK_SERVER_FORBIDDEN');
    assert.deepEqual(body.dag_ids, ['example_etl']);
    assert.equal(stack.prod.received.length, mid, 'the PATCH never reached Airflow');
    // the same PATCH as an Op goes through
    const op = await fetch(`${stack.gatewayUrl}/api/v1/dags/example_etl`, {
      method: 'PATCH',
      headers: { cookie: cookies.get('bob')!, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ is_paused: true }),
    });
    assert.equal(op.status, 200, await op.clone().text());
    await op.arrayBuffer();
    assert.equal(lastReceived(mid).method, 'PATCH');
  });
});
