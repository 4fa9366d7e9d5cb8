/**
 * A DAG list forwarded because Airflow filters it (decision.upstreamFilter) must come back with the
 * integration's marker: a 2xx answer without `X-Airlock-Dag-Filter: applied` is withheld (502
 * AIRLOCK_PROXY_DAG_FILTER_MISSING, nothing of it relayed); non-2xx answers pass; answers of other requests never
 * need it. docs/assertion-contract.md "The DAG filter marker".
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DAG_FILTER_APPLIED, DAG_FILTER_HEADER } from '../../../src/proxy/index.ts';
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts';
import { startGateway, oneEnv, type Gateway } from './support/gateway.ts';

const SECRET_LIST = '{"dags":[{"dag_id":"hr_payroll"}],"total_entries":1}';

describe('the DAG filter marker', () => {
  let up: RecordingUpstream;
  let strict: Gateway;
  let plain: Gateway;
  before(async () => {
    up = await startRecordingUpstream((req, res) => {
      const marker = req.url === '/marked' ? { [DAG_FILTER_HEADER]: DAG_FILTER_APPLIED } : req.url === '/forged' ? { [DAG_FILTER_HEADER]: 'yes' } : {};
      const status = req.url === '/refused' ? 403 : 200;
      res.writeHead(status, { 'content-type': 'application/json', ...marker });
      res.end(SECRET_LIST);
    });
    strict = await startGateway({ environments: oneEnv(up.url), requireHeader: { name: DAG_FILTER_HEADER, value: DAG_FILTER_APPLIED } });
    plain = await startGateway({ environments: oneEnv(up.url) });
  });
  after(async () => {
    await strict.close();
    await plain.close();
    await up.close();
  });
  const get = (gw: Gateway, path: string) => fetch(`http://127.0.0.1:${gw.port}${path}`);

  test('a marked 2xx answer is relayed, marker included', async () => {
    const r = await get(strict, '/marked');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get(DAG_FILTER_HEADER), DAG_FILTER_APPLIED);
    assert.equal(await r.text(), SECRET_LIST);
  });

  test('a 2xx answer without the marker, or with another value, is withheld as 502 with its own code', async () => {
    for (const path of ['/missing', '/forged']) {
      const r = await get(strict, path);
      assert.equal(r.status, 502, path);
      const body = await r.text();
      assert.equal(JSON.parse(body).error, 'AIRLOCK_PROXY_DAG_FILTER_MISSING', path);
      assert.ok(!body.includes('hr_payroll'), path);
    }
    assert.ok(strict.errors.some((e) => (e as { code?: string }).code === 'AIRLOCK_PROXY_DAG_FILTER_MISSING'));
  });

  test('a non-2xx answer (Airflow\'s own refusal) passes as it is', async () => {
    const r = await get(strict, '/refused');
    assert.equal(r.status, 403);
    await r.arrayBuffer();
  });

  test('requests that do not rely on the filter never need the marker', async () => {
    const r = await get(plain, '/missing');
    assert.equal(r.status, 200);
    assert.equal(await r.text(), SECRET_LIST);
  });
});
