import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRoutesFile, loadRoutesFile, STANDIN_SPECS } from '../../../demo/airflow-standin/index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const routesPath = join(root, 'demo', 'airflow-standin', 'routes.json');
const specDir = join(root, '..', 'shared', 'airflow');
const PREFIX = { v1: '/api/v1/', fab: '/auth/fab/v1/', v2: '/api/v2/', ui: '/ui/' } as const;

test('routes.json is internally consistent', () => {
  const file = loadRoutesFile();
  assert.ok(statSync(routesPath).size < 1.5 * 1024 * 1024, 'routes.json stays under 1.5 MB');
  assert.deepEqual(Object.keys(file.sources).sort(), STANDIN_SPECS.map((s) => s.file).sort());
  for (const h of Object.values(file.sources)) assert.match(h, /^[0-9a-f]{64}$/);
  const counts: Record<string, number> = {};
  const seen = new Set<string>();
  const ops = new Set<string>();
  for (const r of file.routes) {
    counts[r.api] = (counts[r.api] ?? 0) + 1;
    const key = `${r.method} ${r.path}`;
    assert.ok(!seen.has(key), `duplicate ${key}`);
    seen.add(key);
    assert.ok(r.path.startsWith(PREFIX[r.api]), `${key} is under ${PREFIX[r.api]}`);
    assert.match(r.path, /^(\/([A-Za-z0-9_.~-]+|\{[A-Za-z0-9_]+\}))+$/, `${key} is a clean template`);
    assert.match(r.method, /^(GET|POST|PUT|PATCH|DELETE)$/);
    assert.ok(r.status >= 200 && r.status < 300, `${key} success status`);
    assert.ok(r.operationId.length > 0, `${key} has an operationId`);
    assert.ok(!ops.has(`${r.api}:${r.operationId}`), `${key} operationId unique`);
    ops.add(`${r.api}:${r.operationId}`);
    if (r.status === 204) assert.equal(r.contentType, null, `${key}: 204 has no body`);
    if (r.contentType === null) assert.equal(r.body, null);
  }
  assert.deepEqual(counts, { v1: 89, fab: 11, v2: 110, ui: 22 });
  const dags = file.routes.find((r) => r.method === 'GET' && r.path === '/api/v1/dags')!.body as { dags: Array<{ dag_id: string }> };
  assert.equal(dags.dags[0]!.dag_id, 'example_etl');
});

test('routes.json matches the Airflow specs in ../shared/airflow (or, without them, its recorded sources)', () => {
  const committed = loadRoutesFile();
  if (!existsSync(specDir)) {
    // A clone without the shared specs: everything the generator records must still hang together.
    assert.equal(Object.keys(committed.sources).length, STANDIN_SPECS.length);
    assert.equal(new Set(committed.routes.map((r) => r.api)).size, 4);
    return;
  }
  const regenerated = buildRoutesFile((name) => readFileSync(join(specDir, name), 'utf8'));
  assert.deepEqual(regenerated.sources, committed.sources, 'specs changed: run node --import tsx scripts/build-standin-routes.ts');
  assert.deepEqual(regenerated.routes, committed.routes, 'routes.json is stale: run node --import tsx scripts/build-standin-routes.ts');
  // The method/path/operationId set also equals Airflow's own route maps.
  const maps: Array<[string, 'v1' | 'v2' | 'ui']> = [
    ['v1-2.10.5-route-authz-map.txt', 'v1'],
    ['v2-main-74b0fd98-route-authz-map.txt', 'v2'],
    ['ui-main-74b0fd98-route-authz-map.txt', 'ui'],
  ];
  for (const [mapFile, api] of maps) {
    const fromMap = readFileSync(join(specDir, mapFile), 'utf8').split('\n')
      .filter((l) => /^(GET|POST|PUT|PATCH|DELETE)\s/.test(l))
      .map((l) => {
        const [head = '', op = ''] = l.split('|').map((s) => s.trim());
        const [method, path] = head.split(/\s+/);
        return `${method} ${path} ${op}`;
      })
      .sort();
    const ours = committed.routes.filter((r) => r.api === api).map((r) => `${r.method} ${r.path} ${r.operationId}`).sort();
    assert.deepEqual(ours, fromMap, mapFile);
  }
});
