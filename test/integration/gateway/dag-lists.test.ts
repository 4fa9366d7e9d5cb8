/**
 * DAG lists through the gateway with the real dev IdP and the Airflow stand-ins (which filter like Airflow with
 * the airflow-airlock integration): a person whose rules grant one DAG sees exactly that DAG in every list; without
 * airflow_filters_dags those lists stay refused; with it but an integration that does not confirm its filter, the
 * list is withheld (502). docs/policy.md "What lists do", docs/assertion-contract.md "dag_rules".
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { headerValues } from '../../../demo/airflow-standin/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { captureLog, type LogCapture } from '../identity/log-capture.ts';
import { startStack, type TestStack } from './harness.ts';

const RULES = [
  { id: 'admins-read-all', match: '*', allow: { read: ['group:airflow-admins'] } },
  { id: 'dave-one-dag', dag_ids: ['example_etl'], allow: { read: ['user:dave', 'group:airflow-admins'] } },
];
const flag = (on: boolean) => (cfg: Record<string, any>) => {
  cfg.dags = RULES;
  if (on) for (const env of Object.values(cfg.environments as Record<string, Record<string, unknown>>)) env.airflow_filters_dags = true;
};

type Json = Record<string, any>;

async function get(stack: TestStack, cookie: string, path: string): Promise<{ status: number; json: Json; headers: Headers }> {
  const r = await fetch(`${stack.gatewayUrl}${path}`, { headers: { cookie, accept: 'application/json' } });
  const text = await r.text();
  return { status: r.status, json: text.startsWith('{') ? (JSON.parse(text) as Json) : { text }, headers: r.headers };
}
const ids = (rows: Json[]) => rows.map((r) => r.dag_id as string);

describe('with airflow_filters_dags: lists are forwarded and Airflow answers only the permitted DAG', () => {
  let stack: TestStack;
  let dave: string;
  let alice: string;
  before(async () => {
    stack = await startStack({ config: flag(true) });
    dave = (await loginThroughGateway(stack.gatewayUrl, 'dave', 'dave-demo')).cookieHeader;
    alice = (await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
  });
  after(() => stack.close());

  test('Airflow 2 /home lists exactly the one DAG', async () => {
    const r = await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie: dave } });
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.deepEqual([...html.matchAll(/data-dag-id="([^"]+)"/g)].map((m) => m[1]), ['example_etl']);
    assert.match(html, /id="dag-count">All 1</);
    const admin = await (await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie: alice } })).text();
    assert.equal([...admin.matchAll(/data-dag-id="/g)].length, 4);
  });

  test('GET /api/v1/dags: one DAG, total_entries 1, paging after filtering; the integration marker is relayed', async () => {
    const r = await get(stack, dave, '/api/v1/dags');
    assert.equal(r.status, 200);
    assert.deepEqual(ids(r.json.dags), ['example_etl']);
    assert.equal(r.json.total_entries, 1);
    assert.equal(r.headers.get('x-airlock-dag-filter'), 'applied');
    const page2 = await get(stack, dave, '/api/v1/dags?limit=1&offset=1');
    assert.deepEqual(page2.json.dags, []);
    assert.equal(page2.json.total_entries, 1);
    const all = await get(stack, alice, '/api/v1/dags?limit=2&offset=2');
    assert.deepEqual(ids(all.json.dags), ['ml_training', 'reporting_hourly']);
    assert.equal(all.json.total_entries, 4);
  });

  test('the assertion carried dave\'s rules as the dag_rules claim', async () => {
    await get(stack, dave, '/api/v1/dags');
    const last = stack.prod.received.at(-1)!;
    const claims = decodeJwt(headerValues(last.headers, 'x-airlock-assertion')[0]!);
    assert.equal(claims.preferred_username, 'dave');
    assert.deepEqual(claims.dag_rules, [{ o: 'r--------', match: '*' }, { o: 'a--------', dag_ids: ['example_etl'] }]);
  });

  test('Airflow 3 /api/v2/dags and /ui/dags list exactly the one DAG', async () => {
    for (const path of ['/dev/api/v2/dags', '/dev/ui/dags', '/dev/ui/dags?dag_ids=example_etl']) {
      const r = await get(stack, dave, path);
      assert.equal(r.status, 200, path);
      assert.deepEqual(ids(r.json.dags), ['example_etl'], path);
      assert.equal(r.json.total_entries, 1, path);
    }
    const mixed = await get(stack, dave, '/dev/ui/dags?dag_ids=example_etl&dag_ids=finance_daily');
    assert.equal(mixed.status, 403);
    assert.ok(mixed.json.reasons.some((x: Json) => x.code === 'rule_not_allowed'), JSON.stringify(mixed.json));
  });

  test('dag stats, import errors and "~" lists answer the one DAG', async () => {
    const v1 = await get(stack, dave, '/api/v1/dagStats?dag_ids=example_etl');
    assert.equal(v1.status, 200);
    assert.deepEqual(ids(v1.json.dags), ['example_etl']);
    assert.equal((await get(stack, dave, '/api/v1/dagStats?dag_ids=example_etl,finance_daily')).status, 403);
    const v2 = await get(stack, dave, '/dev/api/v2/dagStats');
    assert.equal(v2.status, 200);
    assert.deepEqual(ids(v2.json.dags), ['example_etl']);
    const errors = await get(stack, dave, '/api/v1/importErrors');
    assert.equal(errors.status, 200);
    assert.deepEqual(errors.json.import_errors.map((e: Json) => e.filename), ['/opt/airflow/dags/example_etl.py']);
    assert.equal(errors.json.total_entries, 1);
    const runs = await get(stack, dave, '/api/v1/dags/~/dagRuns');
    assert.equal(runs.status, 200);
    assert.deepEqual([...new Set(ids(runs.json.dag_runs))], ['example_etl']);
  });

  test('datasets/assets and their events: named by dag_ids / source_dag_id they answer the one DAG; unnamed they stay refused', async () => {
    const datasets = await get(stack, dave, '/api/v1/datasets?dag_ids=example_etl');
    assert.equal(datasets.status, 200);
    assert.deepEqual(datasets.json.datasets.map((d: Json) => d.uri), ['s3://warehouse/example_etl/output']);
    const events = await get(stack, dave, '/api/v1/datasets/events?source_dag_id=example_etl');
    assert.equal(events.status, 200);
    assert.deepEqual(events.json.dataset_events.map((e: Json) => e.source_dag_id), ['example_etl']);
    const assets = await get(stack, dave, '/dev/api/v2/assets?dag_ids=example_etl');
    assert.equal(assets.status, 200);
    assert.deepEqual(assets.json.assets.map((a: Json) => a.uri), ['s3://warehouse/example_etl/output']);
    const assetEvents = await get(stack, dave, '/dev/api/v2/assets/events?source_dag_id=example_etl');
    assert.equal(assetEvents.status, 200);
    assert.deepEqual(assetEvents.json.asset_events.map((e: Json) => e.source_dag_id), ['example_etl']);
    for (const path of ['/api/v1/datasets', '/api/v1/datasets/events', '/dev/api/v2/assets', '/dev/api/v2/assets/events?source_dag_id=finance_daily', '/api/v1/datasets?dag_ids=example_etl,finance_daily']) {
      const r = await get(stack, dave, path);
      assert.equal(r.status, 403, path);
    }
  });
});

describe('without airflow_filters_dags: the same lists stay refused for the rule-restricted person', () => {
  let stack: TestStack;
  let dave: string;
  before(async () => {
    stack = await startStack({ config: flag(false) });
    dave = (await loginThroughGateway(stack.gatewayUrl, 'dave', 'dave-demo')).cookieHeader;
  });
  after(() => stack.close());

  test('every unfiltered list answers 403 all_dags_required and never reaches Airflow', async () => {
    const before = stack.prod.received.length + stack.dev.received.length;
    for (const path of ['/home', '/api/v1/dags', '/api/v1/importErrors', '/dev/api/v2/dags', '/dev/ui/dags', '/dev/api/v2/dagStats']) {
      const r = await get(stack, dave, path);
      assert.equal(r.status, 403, path);
      assert.ok(r.json.reasons.some((x: Json) => x.code === 'all_dags_required'), `${path}: ${JSON.stringify(r.json)}`);
    }
    assert.equal(stack.prod.received.length + stack.dev.received.length, before);
  });

  test('lists that name only the permitted DAG still work, and the assertion carries no dag_rules', async () => {
    const r = await get(stack, dave, '/dev/ui/dags?dag_ids=example_etl');
    assert.equal(r.status, 200);
    assert.deepEqual(ids(r.json.dags), ['example_etl']);
    const claims = decodeJwt(headerValues(stack.dev.received.at(-1)!.headers, 'x-airlock-assertion')[0]!);
    assert.equal(claims.dag_rules, undefined);
  });
});

describe('with airflow_filters_dags but an integration that does not confirm its DAG filter', () => {
  let stack: TestStack;
  let dave: string;
  let log: LogCapture;
  before(async () => {
    log = captureLog('info');
    stack = await startStack({ config: flag(true), dagFilter: false, logger: log.logger });
    dave = (await loginThroughGateway(stack.gatewayUrl, 'dave', 'dave-demo')).cookieHeader;
  });
  after(() => stack.close());

  test('a list forwarded on the strength of the filter is withheld: 502 AIRLOCK_PROXY_DAG_FILTER_MISSING, nothing of it relayed', async () => {
    for (const path of ['/api/v1/dags', '/dev/api/v2/dags', '/dev/ui/dags']) {
      const r = await get(stack, dave, path);
      assert.equal(r.status, 502, path);
      assert.equal(r.json.error, 'AIRLOCK_PROXY_DAG_FILTER_MISSING', path);
      assert.equal(r.json.dags, undefined);
    }
    const html = await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie: dave } });
    assert.equal(html.status, 502);
    assert.doesNotMatch(await html.text(), /data-dag-id/);
    // logged with the cause, for the operator
    const logged = (await log.entries()).filter((e) => e.code === 'AIRLOCK_PROXY_DAG_FILTER_MISSING');
    assert.ok(logged.length >= 4, `${logged.length} log entries`);
    assert.match(JSON.stringify(logged[0]), /without \\"x-airlock-dag-filter: applied\\"/);
  });

  test('requests that do not rely on the filter are relayed as before', async () => {
    const one = await get(stack, dave, '/api/v1/dags/example_etl');
    assert.equal(one.status, 200);
    assert.equal(one.json.dag_id, 'example_etl');
    const named = await get(stack, dave, '/dev/ui/dags?dag_ids=example_etl');
    assert.equal(named.status, 200);
  });
});
