import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { generateKeyPair, SignJWT } from 'jose';
import { loadRoutesFile, RouteTable, startAirflowStandin, headerValues, DEMO_DAGS, type AirflowStandin, type StandinRoute } from '../../../demo/airflow-standin/index.ts';
import { startTestAssertionSigner, type TestAssertionSigner } from '../../support/assertion-signer.ts';

const routes = loadRoutesFile().routes;

const SAMPLE: Record<string, string> = {
  dag_id: 'finance_daily', dag_run_id: 'manual__2025-01-02T03:04:05+00:00', task_id: 'load', map_index: '3', try_number: '2',
  connection_id: 'warehouse', variable_key: 'region', pool_name: 'etl_pool', role_name: 'Auditor', username: 'zoe',
};

function concrete(route: StandinRoute): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const path = route.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    params[name] = SAMPLE[name] ?? (/(_id|index|number)$/.test(name) ? '7' : `sample_${name}`);
    return encodeURIComponent(params[name]);
  });
  return { path, params };
}

async function checkEveryRoute(standin: AirflowStandin, apis: string[]): Promise<number> {
  let n = 0;
  for (const route of routes.filter((r) => apis.includes(r.api))) {
    const { path, params } = concrete(route);
    const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
    const res = await fetch(standin.url + path, { method: route.method, ...(hasBody ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
    assert.equal(res.status, route.status, `${route.method} ${route.path}`);
    const text = await res.text();
    if (route.contentType === 'application/json') {
      const body = JSON.parse(text) as Record<string, unknown> | null;
      if (params.dag_id && body && typeof body === 'object' && 'dag_id' in body && typeof body.dag_id === 'string') {
        assert.equal(body.dag_id, params.dag_id, `${route.method} ${route.path} echoes dag_id`);
      }
    } else {
      assert.equal(text, '', `${route.method} ${route.path} has no body`);
    }
    n++;
  }
  return n;
}

describe('Airflow 2 stand-in', () => {
  let standin: AirflowStandin;
  before(async () => { standin = await startAirflowStandin({ airflow: 2 }); });
  after(() => standin.close());

  test('answers every /api/v1 route of 2.10.5 and the FAB provider routes with the spec status', async () => {
    const n = await checkEveryRoute(standin, ['v1', 'fab']);
    assert.equal(n, 100);
    assert.equal(routes.filter((r) => r.api === 'v1').length, 89);
  });

  test('lists the demo DAGs and echoes path parameters', async () => {
    const list = (await (await fetch(`${standin.url}/api/v1/dags?limit=10`)).json()) as { dags: Array<{ dag_id: string; fileloc: string }>; total_entries: number };
    assert.deepEqual(list.dags.map((d) => d.dag_id), [...DEMO_DAGS]);
    assert.equal(list.total_entries, DEMO_DAGS.length);
    assert.equal(list.dags[1]!.fileloc, '/opt/airflow/dags/finance_daily.py');
    const run = (await (await fetch(`${standin.url}/api/v1/dags/ml_training/dagRuns`, { method: 'POST', body: JSON.stringify({ dag_run_id: 'my_run', conf: { a: 1 } }), headers: { 'content-type': 'application/json' } })).json()) as Record<string, unknown>;
    assert.equal(run.dag_id, 'ml_training');
    assert.equal(run.dag_run_id, 'my_run');
    assert.deepEqual(run.conf, { a: 1 });
  });

  test('unknown routes get a 404 problem, a wrong method 405', async () => {
    const res = await fetch(`${standin.url}/api/v1/nope`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    const p = (await res.json()) as Record<string, unknown>;
    assert.equal(p.status, 404);
    assert.equal(p.title, 'Not Found');
    const v2 = await fetch(`${standin.url}/api/v2/dags`);
    assert.equal(v2.status, 404, 'Airflow 2 serves no /api/v2');
    await v2.arrayBuffer();
    const wrong = await fetch(`${standin.url}/api/v1/dags`, { method: 'PUT' });
    assert.equal(wrong.status, 405);
    assert.match(wrong.headers.get('allow') ?? '', /GET/);
    await wrong.arrayBuffer();
    const extra = await fetch(`${standin.url}/api/v1/dags/a/b/c/d/e/f`);
    assert.equal(extra.status, 404);
    await extra.arrayBuffer();
  });

  test('records requests raw, as received', async () => {
    const before = standin.received.length;
    const res = await fetch(`${standin.url}/api/v1/pools?x=1`, { method: 'POST', headers: { 'X-Weird-Case': 'A', 'content-type': 'application/json' }, body: '{"name":"p"}' });
    await res.arrayBuffer();
    const rec = standin.received[before]!;
    assert.equal(rec.method, 'POST');
    assert.equal(rec.url, '/api/v1/pools?x=1');
    assert.ok(rec.headers.includes('X-Weird-Case'), 'header name case kept');
    assert.deepEqual(headerValues(rec.headers, 'x-weird-case'), ['A']);
    assert.equal(rec.body.toString(), '{"name":"p"}');
  });

  test('without jwksUrl, the home page shows the plain identity headers', async () => {
    const res = await fetch(`${standin.url}/home`, { headers: { 'X-Airlock-User': 'carol', 'X-Airlock-Roles': 'User,Viewer' } });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<td>carol<\/td>/);
    assert.match(html, /<span class="role">User<\/span><span class="role">Viewer<\/span>/);
    assert.match(html, /api\/v1\/dags/);
  });
});

describe('Airflow 3 stand-in', () => {
  let standin: AirflowStandin;
  before(async () => { standin = await startAirflowStandin({ airflow: 3 }); });
  after(() => standin.close());

  test('answers every /api/v2 and /ui route with the spec status', async () => {
    const n = await checkEveryRoute(standin, ['v2', 'ui']);
    assert.equal(n, 132);
    assert.equal(routes.filter((r) => r.api === 'v2').length, 110);
  });

  test('literal segments win over parameters and errors use the FastAPI shape', async () => {
    const table = RouteTable.forVersion(loadRoutesFile(), 3);
    const m = table.match('GET', '/api/v2/dags/~/dagRuns/~/taskInstances');
    assert.equal(m.kind, 'route');
    const res = await fetch(`${standin.url}/api/v1/dags`);
    assert.equal(res.status, 404);
    assert.deepEqual(Object.keys((await res.json()) as object), ['detail']);
  });
});

describe('assertion verification', () => {
  let signer: TestAssertionSigner;
  let standin: AirflowStandin;
  const issuer = 'http://localhost:8080';
  const claims = { sub: 'user-1', preferred_username: 'alice', email: 'alice@example.com', name: 'Alice Admin', groups: ['airflow-admins'], roles: ['Admin'], sid: 's1', amr: ['pwd'], ver: 1 };

  before(async () => {
    signer = await startTestAssertionSigner({ issuer, audience: 'prod' });
    standin = await startAirflowStandin({ airflow: 2, jwksUrl: signer.jwksUrl, issuer, audience: 'prod' });
  });
  after(async () => {
    await standin.close();
    await signer.close();
  });

  async function get(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(standin.url + path, { headers });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  test('a valid assertion is accepted on the API and the page shows the person', async () => {
    const token = await signer.sign(claims);
    const api = await get('/api/v1/dags', { 'X-Airlock-Assertion': token });
    assert.equal(api.status, 200);
    const page = await get('/', { 'X-Airlock-Assertion': token, 'X-Airlock-User': 'alice', 'X-Airlock-Roles': 'Admin' });
    assert.equal(page.status, 200);
    assert.match(page.text, /<td>alice@example.com<\/td>/);
    assert.match(page.text, /<span class="role">Admin<\/span>/);
    assert.match(page.text, /verified \(ES256/);
    assert.match(page.text, /&quot;sid&quot;: &quot;s1&quot;/);
  });

  test('a missing assertion is refused: 401 JSON on the API, a 401 page elsewhere', async () => {
    const api = await get('/api/v1/dags');
    assert.equal(api.status, 401);
    assert.equal(api.type, 'application/problem+json');
    assert.equal((JSON.parse(api.text) as { status: number }).status, 401);
    const page = await get('/home');
    assert.equal(page.status, 401);
    assert.match(page.type, /^text\/html/);
    assert.match(page.text, /none was sent/);
  });

  test('invalid assertions are refused', async () => {
    const other = await generateKeyPair('ES256');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: signer.kid }).setIssuer(issuer).setAudience('prod').setIssuedAt(now).setExpirationTime(now + 60).sign(other.privateKey);
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: signer.kid }).setIssuer(issuer).setAudience('prod').setIssuedAt(now).setExpirationTime(now + 60).sign(new TextEncoder().encode('x'.repeat(32)));
    const good = await signer.sign(claims);
    const [h, p] = good.split('.');
    const cases: Record<string, string> = {
      'wrong audience (another environment)': await signer.sign(claims, { audience: 'dev' }),
      'wrong issuer': await signer.sign(claims, { issuer: 'http://evil.example' }),
      expired: await signer.sign(claims, { iatOffsetSeconds: -400, ttlSeconds: 300 }),
      'lifetime over 5 minutes': await signer.sign(claims, { ttlSeconds: 3600 }),
      'unknown kid': await signer.sign(claims, { kid: 'nope' }),
      'signed by another key': forged,
      'HS256 with the kid': hs,
      'alg none': `${Buffer.from(JSON.stringify({ alg: 'none', kid: signer.kid })).toString('base64url')}.${p}.`,
      'tampered payload': `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['Admin', 'Op'] })).toString('base64url')}.${good.split('.')[2]}`,
      garbage: 'not-a-jwt',
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await get('/api/v1/dags', { 'X-Airlock-Assertion': token });
      assert.equal(res.status, 401, name);
      assert.match(JSON.parse(res.text).detail as string, /Invalid X-Airlock-Assertion/, name);
    }
  });

  test('a repeated assertion header is refused even when one copy is valid', async () => {
    const good = await signer.sign(claims);
    // fetch would join repeats with ", "; node:http sends two header lines.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${standin.url}/api/v1/dags`, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.setHeader('X-Airlock-Assertion', [good, good]);
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 401);
    const rec = standin.received.at(-1)!;
    assert.equal(headerValues(rec.headers, 'x-airlock-assertion').length, 2);
  });
});

test('bad stand-in options are TypeErrors', async () => {
  await assert.rejects(startAirflowStandin({ airflow: 4 as 2 }), TypeError);
  await assert.rejects(startAirflowStandin({ airflow: 2, jwksUrl: 'http://localhost:1/jwks' }), TypeError);
  await assert.rejects(startAirflowStandin({ airflow: 2, audience: 'prod' }), TypeError);
});
