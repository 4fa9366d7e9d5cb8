import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loginThroughGateway } from '../../support/login.ts';
import { startStack, type TestStack } from './harness.ts';

/**
 * Tags/owners rules in the running gateway: each worker reads the environment's DAG list (policy.dag_metadata)
 * and decide() gets that snapshot. The stand-in's DAGs all carry tag "example" and owner "airflow".
 */
describe('per-DAG rules by tag and owner, with the DAG metadata source wired in', () => {
  let stack: TestStack;
  let cookie: string;
  const trigger = (dag: string) =>
    fetch(`${stack.gatewayUrl}/api/v1/dags/${dag}/dagRuns`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: stack.publicUrl }, body: '{}' });

  before(async () => {
    stack = await startStack({
      verifyAssertions: false, // the metadata source calls the stand-in directly with its service token
      prepare: async ({ dir }) => writeFile(join(dir, 'airflow-token'), 'service-token-for-dag-list\n'),
      config: (cfg) => {
        cfg.policy = { dag_metadata: { prod: { token: '${file:./airflow-token}', refresh: '1m' } } };
        cfg.dags = [
          { id: 'example-tag', env: 'prod', tags: ['example'], deny: { trigger: ['user:alice'] } },
          { id: 'owner-airflow', env: 'prod', owners: ['airflow'], allow: { read: ['*'] } },
        ];
      },
    });
    cookie = (await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
    // the first read of the DAG list happens at start; wait until the gateway has it
    for (let i = 0; i < 50 && !stack.prod.received.some((r) => r.url.startsWith('/api/v1/dags?')); i++) await new Promise((r) => setTimeout(r, 100));
  });
  after(() => stack.close());

  test('the DAG list is read from Airflow with the service credential, not with anyone\'s identity', () => {
    const read = stack.prod.received.find((r) => r.url.startsWith('/api/v1/dags?'));
    assert.ok(read, 'the metadata source read /api/v1/dags');
    const auth = read.headers.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization');
    assert.equal(read.headers[auth + 1], 'Bearer service-token-for-dag-list');
    assert.ok(!read.headers.some((h) => /^x-airlock-/i.test(h)));
  });

  test('a deny rule selected by tag refuses the trigger and names the rule; the upstream never sees it', async () => {
    const before = stack.prod.received.length;
    const r = await trigger('finance_daily');
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
    const r = await trigger('deployed_after_the_last_read');
    assert.equal(r.status, 403);
    const body = (await r.json()) as { reasons: { code: string }[] };
    assert.ok(body.reasons.some((x) => x.code === 'dag_metadata_unavailable'), JSON.stringify(body));
  });
});
