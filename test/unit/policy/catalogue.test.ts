import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCatalogueData } from '../../../src/policy/catalogue/build.ts';
import { CATALOGUE, DEFAULT_ROLES, validateCatalogue, type CatalogueSet, type RouteInfo } from '../../../src/policy/catalogue/index.ts';
import { canonicalizeTarget, classify, compilePolicy } from '../../../src/policy/index.ts';
import { makeConfig } from './helpers.ts';

const REF = resolve(import.meta.dirname, '../../../../shared/airflow');
const DATA = resolve(import.meta.dirname, '../../../src/policy/catalogue/data');
const haveRef = existsSync(join(REF, 'README.md'));
const policy = compilePolicy(makeConfig());

test('committed catalogue is self-consistent and has the documented operation counts', () => {
  for (const [set, file] of Object.entries(CATALOGUE)) validateCatalogue(JSON.parse(JSON.stringify(file)), set);
  assert.equal(CATALOGUE.v1.routes.length + CATALOGUE.fab.routes.length, 89);
  assert.equal(CATALOGUE.fab.routes.length, 11);
  assert.equal(CATALOGUE['v2-3.2'].routes.length, 110);
  assert.equal(CATALOGUE['v2-3.0'].routes.length, 99);
  assert.equal(CATALOGUE.ui.routes.length, 22);
  assert.ok(CATALOGUE.flask.routes.length >= 80);
  assert.deepEqual(Object.keys(DEFAULT_ROLES.versions).sort(), ['2.10.5', '2.7.3', '2.8.4', '2.9.3']);
  for (const roles of Object.values(DEFAULT_ROLES.versions)) assert.deepEqual(Object.keys(roles).sort(), ['Admin', 'Op', 'Public', 'User', 'Viewer']);
});

test('committed data equals what ../shared/airflow produces (or, without it, the committed JSON re-validates byte for byte)', () => {
  if (haveRef) {
    const built = buildCatalogueData({ read: (n) => readFileSync(join(REF, n), 'utf8') });
    for (const [name, content] of Object.entries(built)) {
      assert.equal(readFileSync(join(DATA, name), 'utf8'), `${JSON.stringify(content, null, 1)}\n`, `${name} is stale: run node --import tsx scripts/build-catalogue.ts`);
    }
  } else {
    for (const set of Object.keys(CATALOGUE) as CatalogueSet[]) {
      const text = readFileSync(join(DATA, `routes-${set}.json`), 'utf8');
      assert.deepEqual(JSON.parse(text), CATALOGUE[set]);
    }
  }
});

/** The spec operations, read from the reference data when present, else from the committed catalogue. */
function specOps(set: CatalogueSet): { method: string; path: string; operationId: string; fab?: string; dagCol?: string }[] {
  const maps: Partial<Record<CatalogueSet, string>> = { v1: 'v1-2.10.5-route-authz-map.txt', fab: 'v1-2.10.5-route-authz-map.txt', 'v2-3.2': 'v2-main-74b0fd98-route-authz-map.txt', 'v2-3.0': 'v2-main-74b0fd98-route-authz-map.txt', ui: 'ui-main-74b0fd98-route-authz-map.txt' };
  const mapName = maps[set];
  const rows = new Map<string, { fab: string; dagCol: string }>();
  if (haveRef && mapName) {
    for (const line of readFileSync(join(REF, mapName), 'utf8').split('\n')) {
      if (line.startsWith('#') || !line.trim()) continue;
      const cols = line.split(' | ');
      const [m, p] = cols[0]!.trim().split(/\s+/);
      rows.set(`${m} ${p}`, { fab: cols[cols.length - 1]!.trim(), dagCol: cols[2]!.trim() });
    }
  }
  return CATALOGUE[set].routes.map((r) => ({ method: r.method, path: r.path, operationId: r.operationId, ...rows.get(`${r.method} ${r.path.replace(/\{(\w+):path\}/g, '{$1}')}`) }));
}

const concrete = (path: string) => path.replace(/\{(\w+):path\}/g, 'a/b').replace(/\{dag_id\}/g, 'example_dag').replace(/\{(\w+)\}/g, '$1_1');

for (const set of ['v1', 'fab', 'v2-3.2', 'v2-3.0', 'ui', 'auth', 'flask'] as CatalogueSet[]) {
  const airflow = set === 'v1' || set === 'fab' || set === 'flask' ? 2 : 3;
  for (const op of specOps(set)) {
    test(`${set} ${op.method} ${op.path} (${op.operationId}) is classified`, () => {
      const c = classify(policy, airflow, canonicalizeTarget(op.method, concrete(op.path)));
      assert.ok(c.route, 'route must be known');
      // 3.0 routes shadowed by the identical 3.2 route classify as the 3.2 entry; /<view>/action/{name}/{pk}
      // classifies as the action {name} names ("name_1" is none: the view's "#?" variant, denied to all).
      assert.equal(c.route.operationId, op.path.includes('/action/{name}/') ? `${op.operationId}#?` : op.operationId);
      assert.equal(c.route.path, op.path);
      assert.ok(c.resource.length > 0);
      if (op.path.includes('{dag_id}')) assert.deepEqual(c.dagIds, ['example_dag']);
      if (op.fab !== undefined) {
        const needed = [...op.fab.matchAll(/(can_[a-z]+)@([A-Za-z][A-Za-z ]*?)(?=\||\]|\s*[&+;(]|\s*$)/g)].map((m) => `${m[1]}|${m[2]!.trim()}`);
        const have = new Set(c.route.requires.map((p) => `${p[0]}|${p[1]}`));
        for (const n of needed) if (!/as dag|per-action/.test(op.fab)) assert.ok(have.has(n), `${n} missing`);
        if (op.dagCol?.startsWith('dag_id(path)')) assert.equal(c.route.dagSource, 'path');
      }
      if (c.route.requires.some((p) => p[1] === 'DAGs')) assert.notEqual(c.route.dagSource, 'none');
    });
  }
}

test('named DAG actions are classified as such', () => {
  const byOp = (set: CatalogueSet, op: string, method?: string): RouteInfo => CATALOGUE[set].routes.find((r) => r.operationId === op && (!method || r.method === method))!;
  assert.equal(byOp('v1', 'post_dag_run').action, 'trigger');
  assert.equal(byOp('v2-3.2', 'trigger_dag_run').action, 'trigger');
  assert.equal(byOp('v1', 'post_clear_task_instances').action, 'clear');
  assert.equal(byOp('v1', 'patch_dag').action, 'pause');
  assert.equal(byOp('flask', 'Airflow.paused').action, 'pause');
  assert.equal(byOp('flask', 'Airflow.success').action, 'mark_success');
  assert.equal(byOp('flask', 'Airflow.dagrun_failed').action, 'mark_failed');
  assert.equal(byOp('flask', 'Airflow.trigger', 'POST').action, 'trigger');
  assert.equal(byOp('flask', 'Airflow.trigger', 'GET').action, 'read');
  assert.equal(byOp('v1', 'get_dag_runs_batch').dagSource, 'body_list');
  assert.equal(byOp('flask', 'Airflow.dag_stats').dagSource, 'form_list');
  assert.equal(byOp('flask', 'Airflow.rendered_templates').dagSource, 'query');
});

test('unknown routes classify as null and are not allow-listed', () => {
  const c = classify(policy, 2, canonicalizeTarget('GET', '/api/v1/nothing-here'));
  assert.equal(c.route, null);
  assert.equal(c.allowListed, false);
  const s = classify(policy, 2, canonicalizeTarget('GET', '/static/app.js'));
  assert.equal(s.allowListed, true);
  assert.equal(classify(policy, 3, canonicalizeTarget('GET', '/api/v2/monitor/health')).allowListed, true);
  assert.equal(classify(policy, 3, canonicalizeTarget('POST', '/api/v2/monitor/health')).allowListed, false);
});
