import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { headerValues, startAirflowStandin, type AirflowStandin, type RecordedRequest } from '../../../demo/airflow-standin/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { tlsFixture } from '../../support/tls-fixtures.ts';
import { startStack, type TestStack } from './harness.ts';

const isDagListRead = (prefix: string) => (r: RecordedRequest) => r.method === 'GET' && r.url.startsWith(`${prefix}/api/v1/dags?`);

async function waitFor(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ok(), what);
}

/**
 * Tags/owners rules in the running gateway: each worker reads the environment's DAG list (policy.dag_metadata)
 * as the gateway's service principal, with an assertion the Airflow side verifies against the gateway's JWKS, through
 * the environment's upstream pool and `tls:` settings; decide() gets that snapshot. The stand-in's DAGs all carry tag
 * "example" and owner "airflow".
 *
 * Environments: prod (http, the harness's stand-in, verifying assertions); secure (https with a private CA and
 * mutual TLS, served under /secure, verifying assertions); misconfigured (a stand-in that trusts another audience,
 * so it refuses the reader: every tags/owners rule there fails closed).
 */
describe('per-DAG rules by tag and owner: the DAG list read with the gateway\'s service assertion', () => {
  let stack: TestStack;
  let secure: AirflowStandin;
  let misconfigured: AirflowStandin;
  let cookie: string;
  const post = (path: string) => fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: stack.publicUrl }, body: '{}' });

  before(async () => {
    stack = await startStack({
      prepare: async ({ dir, publicUrl }) => {
        const jwks = { jwksUrl: `${publicUrl}/.airlock/jwks.json`, issuer: publicUrl };
        secure = await startAirflowStandin({
          airflow: 2, basePath: '/secure', ...jwks, audience: 'secure',
          tls: { cert: tlsFixture('upstream.pem'), key: tlsFixture('upstream.key'), ca: tlsFixture('ca.pem'), requireClientCert: true },
        });
        misconfigured = await startAirflowStandin({ airflow: 2, basePath: '/misc', ...jwks, audience: 'some-other-environment' });
        await writeFile(join(dir, 'client.key'), tlsFixture('client.key'));
      },
      config: (cfg) => {
        cfg.environments.secure = {
          host: 'localhost', path_prefix: '/secure', upstream: secure.url, airflow: 2, timeout: '3s', connect_timeout: '1s',
          tls: { ca: tlsFixture('ca.pem'), client_cert: tlsFixture('client.pem'), client_key: '${file:./client.key}' },
        };
        cfg.environments.misc = { host: 'localhost', path_prefix: '/misc', upstream: misconfigured.url, airflow: 2, timeout: '3s', connect_timeout: '1s' };
        cfg.policy = { dag_metadata: { prod: { refresh: '1m' }, secure: { refresh: '1m' }, misc: { refresh: '1m' } } };
        cfg.dags = [
          { id: 'example-tag', env: 'prod', tags: ['example'], deny: { trigger: ['user:alice'] } },
          { id: 'owner-airflow', env: 'prod', owners: ['airflow'], allow: { read: ['*'] } },
          { id: 'secure-example-tag', env: 'secure', tags: ['example'], deny: { trigger: ['user:alice'] } },
          { id: 'misc-example-tag', env: 'misc', tags: ['example'], deny: { trigger: ['user:alice'] } },
        ];
      },
    });
    cookie = (await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
    // the first read happens once the gateway listens (the stand-ins fetch its JWKS to verify the reader)
    await waitFor('prod read', () => stack.prod.received.some(isDagListRead('')));
    await waitFor('secure read', () => secure.received.some(isDagListRead('/secure')));
    await waitFor('misconfigured read', () => misconfigured.received.some(isDagListRead('/misc')));
  });
  after(async () => {
    await stack?.close();
    await Promise.all([secure?.close(), misconfigured?.close()]);
  });

  test('the DAG list is read with the gateway\'s service assertion (airlock-dag-metadata, Viewer), no Authorization, nobody\'s identity', () => {
    const read = stack.prod.received.find(isDagListRead(''));
    assert.ok(read);
    assert.deepEqual(headerValues(read.headers, 'authorization'), []);
    assert.deepEqual(headerValues(read.headers, 'x-airlock-user'), [], 'no plain identity headers');
    const [token, ...more] = headerValues(read.headers, 'x-airlock-assertion');
    assert.ok(token && more.length === 0, 'exactly one assertion');
    const claims = decodeJwt(token);
    assert.equal(claims.kind, 'service');
    assert.equal(claims.preferred_username, 'airlock-dag-metadata');
    assert.deepEqual(claims.roles, ['Viewer']);
    assert.equal(claims.aud, 'prod');
    assert.equal(claims.iss, stack.publicUrl);
    assert.equal(claims.anonymous, undefined);
  });

  test('a deny rule selected by tag refuses the trigger and names the rule; the upstream never sees it', async () => {
    const before = stack.prod.received.length;
    const r = await post('/api/v1/dags/finance_daily/dagRuns');
    assert.equal(r.status, 403);
    const body = (await r.json()) as { reasons: { code: string; rule?: { id: string } }[] };
    assert.ok(body.reasons.some((x) => x.rule?.id === 'example-tag'), JSON.stringify(body));
    assert.equal(stack.prod.received.length, before);
  });

  test('an allow rule selected by owner lets the read through', async () => {
    const r = await fetch(`${stack.gatewayUrl}/api/v1/dags/finance_daily`, { headers: { cookie } });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
  });

  test('a DAG missing from the metadata fails closed', async () => {
    const r = await post('/api/v1/dags/deployed_after_the_last_read/dagRuns');
    assert.equal(r.status, 403);
    const body = (await r.json()) as { reasons: { code: string }[] };
    assert.ok(body.reasons.some((x) => x.code === 'dag_metadata_unavailable'), JSON.stringify(body));
  });

  test('https upstream with a private CA and mutual TLS, under a path prefix: the reader goes through the environment\'s tls settings', async () => {
    const read = secure.received.find(isDagListRead('/secure'));
    assert.ok(read, 'read at /secure/api/v1/dags over TLS with the gateway\'s client certificate');
    assert.equal(decodeJwt(headerValues(read.headers, 'x-airlock-assertion')[0]!).aud, 'secure');
    const r = await post('/secure/api/v1/dags/finance_daily/dagRuns');
    assert.equal(r.status, 403);
    const body = (await r.json()) as { reasons: { code: string; rule?: { id: string } }[] };
    assert.ok(body.reasons.some((x) => x.rule?.id === 'secure-example-tag'), `the tag rule applies, so the metadata was read: ${JSON.stringify(body)}`);
  });

  test('an Airflow that refuses the reader\'s assertion leaves no metadata: every tags/owners rule there denies (closed)', async () => {
    // the stand-in verified the reader against the gateway's JWKS and refused it (another audience)
    assert.ok(misconfigured.received.filter(isDagListRead('/misc')).every((r) => headerValues(r.headers, 'x-airlock-assertion').length === 1));
    const r = await post('/misc/api/v1/dags/finance_daily/dagRuns');
    assert.equal(r.status, 403);
    const body = (await r.json()) as { reasons: { code: string }[] };
    assert.ok(body.reasons.some((x) => x.code === 'dag_metadata_unavailable'), JSON.stringify(body));
  });
});

describe('policy.dag_metadata with a token (an Airflow without the integration)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({
      verifyAssertions: false, // this Airflow does not verify assertions; it takes the token
      prepare: async ({ dir }) => writeFile(join(dir, 'airflow-token'), 'service-token-for-dag-list\n'),
      config: (cfg) => {
        cfg.policy = { dag_metadata: { prod: { token: '${file:./airflow-token}', refresh: '1m' } } };
        cfg.dags = [{ id: 'example-tag', env: 'prod', tags: ['example'], deny: { trigger: ['user:alice'] } }];
      },
    });
    await waitFor('prod read', () => stack.prod.received.some(isDagListRead('')));
  });
  after(() => stack.close());

  test('sends the configured credential as Authorization and no assertion', () => {
    const read = stack.prod.received.find(isDagListRead(''))!;
    assert.deepEqual(headerValues(read.headers, 'authorization'), ['Bearer service-token-for-dag-list']);
    assert.deepEqual(headerValues(read.headers, 'x-airlock-assertion'), []);
  });
});
