import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { headerValues, type AirflowStandin, type RecordedRequest } from '../../../demo/airflow-standin/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { startStack, type TestStack } from './harness.ts';

/** The last request the stand-in received for `path` (path and query as forwarded). */
function lastFor(standin: AirflowStandin, path: string): RecordedRequest {
  const r = [...standin.received].reverse().find((x) => x.url === path);
  assert.ok(r, `the stand-in received ${path}`);
  return r;
}

/**
 * Requests the gateway forwards without a signed-in caller (allow-listed routes) carry its anonymous assertion, so an
 * Airflow that refuses everything without an assertion still answers them; Airflow logs nobody in for them. The
 * stand-ins verify assertions against the gateway's JWKS, as Airflow with the integration does.
 */
describe('allow-listed requests without a session: the anonymous assertion', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({
      config: (cfg) => {
        // the default list plus one route that needs a person in Airflow
        cfg.policy = {
          allow_list: [
            { path: '/static/**', methods: ['GET', 'HEAD'] },
            { path: '/api/v1/health', methods: ['GET', 'HEAD'], airflow: 2 },
            { path: '/api/v1/version', methods: ['GET', 'HEAD'], airflow: 2 },
            { path: '/api/v2/version', methods: ['GET', 'HEAD'], airflow: 3 },
            { path: '/api/v1/dags', methods: ['GET'], airflow: 2 },
          ],
        };
      },
    });
  });
  after(() => stack.close());

  test('health and version of Airflow 2 and 3 answer 200 through the gateway, each with an anonymous assertion', async () => {
    for (const [path, standin, within, aud] of [
      ['/api/v1/health', stack.prod, '/api/v1/health', 'prod'],
      ['/api/v1/version', stack.prod, '/api/v1/version', 'prod'],
      ['/dev/api/v2/version', stack.dev, '/dev/api/v2/version', 'dev'],
    ] as const) {
      const res = await fetch(`${stack.gatewayUrl}${path}`, { redirect: 'manual' });
      assert.equal(res.status, 200, `${path}: ${await res.text()}`);
      const seen = lastFor(standin, within);
      const tokens = headerValues(seen.headers, 'x-airlock-assertion');
      assert.equal(tokens.length, 1, path);
      const claims = decodeJwt(tokens[0]!);
      assert.equal(claims.anonymous, true, path);
      assert.equal(claims.aud, aud);
      assert.deepEqual([claims.kind, claims.roles, claims.groups], ['service', [], []]);
      assert.deepEqual(headerValues(seen.headers, 'x-airlock-user'), [], 'no plain identity headers');
      assert.deepEqual(headerValues(seen.headers, 'x-airlock-roles'), []);
    }
  });

  test('an allow-listed route that needs a person in Airflow: forwarded, and Airflow answers 401 (nobody is logged in)', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 401);
    await res.arrayBuffer();
    assert.equal(decodeJwt(headerValues(lastFor(stack.prod, '/api/v1/dags').headers, 'x-airlock-assertion')[0]!).anonymous, true);
  });

  test('a signed-in person on an allow-listed route gets their own assertion, not the anonymous one', async () => {
    const { cookieHeader } = await loginThroughGateway(stack.gatewayUrl, 'carol', 'carol-demo');
    const res = await fetch(`${stack.gatewayUrl}/api/v1/version`, { headers: { cookie: cookieHeader } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const claims = decodeJwt(headerValues(lastFor(stack.prod, '/api/v1/version').headers, 'x-airlock-assertion')[0]!);
    assert.equal(claims.preferred_username, 'carol');
    assert.equal(claims.anonymous, undefined);
  });

  test('the stand-in, like the integration, answers its health endpoint with no assertion at all, and nothing else', async () => {
    const health = await fetch(`${stack.prod.url}/api/v1/health`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
    const version = await fetch(`${stack.prod.url}/api/v1/version`);
    assert.equal(version.status, 401, 'version is not a public path by default');
    await version.arrayBuffer();
  });
});
