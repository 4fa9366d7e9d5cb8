import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CATALOGUE } from '../../../src/policy/catalogue/index.ts';
import { canonicalizeTarget, classify, compilePolicy, decide } from '../../../src/policy/index.ts';
import { makeConfig, person } from './helpers.ts';

const REF = resolve(import.meta.dirname, '../../../../shared/airflow/airflow2-default-roles.json');
const DATA = resolve(import.meta.dirname, '../../../src/policy/catalogue/data/roles.json');

/** Role tuples straight from Airflow's file when present (else the committed copy). */
function tuples(version: string): Record<string, Set<string>> {
  const out: Record<string, Set<string>> = {};
  if (existsSync(REF)) {
    const doc = JSON.parse(readFileSync(REF, 'utf8')) as Record<string, Record<string, unknown>>;
    const key = Object.keys(doc).find((k) => k.split(' ')[0] === version)!;
    for (const role of ['Public', 'Viewer', 'User', 'Op', 'Admin']) out[role] = new Set((doc[key]![role] as [string, string][]).map(([a, r]) => `${a}|${r}`));
  } else {
    const doc = JSON.parse(readFileSync(DATA, 'utf8')) as { versions: Record<string, Record<string, [string, string][]>> };
    for (const [role, list] of Object.entries(doc.versions[version]!)) out[role] = new Set(list.map(([a, r]) => `${a}|${r}`));
  }
  return out;
}

const concrete = (path: string) => path.replace(/\{(\w+):path\}/g, 'a/b').replace(/\{dag_id\}/g, 'example_dag').replace(/\{(\w+)\}/g, '$1_1');

for (const version of ['2.10.5', '2.7.3']) {
  const policy = compilePolicy(makeConfig({ policy: { roles_version: version } }));
  const roles = tuples(version);
  for (const role of ['Public', 'Viewer', 'User', 'Op', 'Admin']) {
    test(`${version} ${role}: allowed/denied operations match Airflow's permission tuples`, () => {
      const s = person('u', [], [role]);
      let allowed = 0;
      let denied = 0;
      for (const r of [...CATALOGUE.v1.routes, ...CATALOGUE.fab.routes, ...CATALOGUE.flask.routes]) {
        const c = classify(policy, 2, canonicalizeTarget(r.method, concrete(r.path)));
        if (c.allowListed) continue;
        // /<view>/action/{name}/{pk} is classified as the action its {name} names (here an unknown one)
        const route = c.route!;
        // routes Airflow refuses to every role (denied_by_airflow) stay refused to Admin too
        const expected = route.denied === undefined && (role === 'Admin' || route.requires.every((p) => roles[role]!.has(`${p[0]}|${p[1]}`)));
        const d = decide(policy, s, 'prod', c, { now: 0 });
        assert.equal(d.effect === 'allow', expected, `${role} ${r.method} ${r.path}: expected ${expected ? 'allow' : 'deny'}, reasons ${JSON.stringify(d.reasons)}`);
        if (expected) allowed++;
        else denied++;
      }
      const open = CATALOGUE.v1.routes.concat(CATALOGUE.fab.routes, CATALOGUE.flask.routes)
        .filter((r) => r.requires.length === 0 && r.denied === undefined && !classify(policy, 2, canonicalizeTarget(r.method, concrete(r.path))).allowListed);
      if (role === 'Public') assert.equal(allowed, open.length);
      if (role === 'Admin') assert.equal(denied, [...CATALOGUE.flask.routes].filter((r) => r.denied !== undefined || r.actionFrom === 'path').length);
      else assert.ok(denied > 0);
    });
  }
}

test('spot checks of the default role table (2.10.5)', () => {
  const policy = compilePolicy(makeConfig());
  const eff = (role: string, method: string, target: string) => decide(policy, person('u', [], [role]), 'prod', classify(policy, 2, canonicalizeTarget(method, target)), { now: 0 }).effect;
  assert.equal(eff('Viewer', 'GET', '/api/v1/dags/etl'), 'allow');
  assert.equal(eff('Viewer', 'POST', '/api/v1/dags/etl/dagRuns'), 'deny');
  assert.equal(eff('Viewer', 'GET', '/api/v1/eventLogs'), 'deny'); // Audit Logs moved to Admin in 2.10
  assert.equal(eff('User', 'POST', '/api/v1/dags/etl/dagRuns'), 'allow');
  assert.equal(eff('User', 'GET', '/api/v1/connections'), 'deny');
  assert.equal(eff('Op', 'GET', '/api/v1/connections'), 'allow');
  assert.equal(eff('Op', 'GET', '/api/v1/users'), 'deny');
  assert.equal(eff('Admin', 'DELETE', '/api/v1/users/bob'), 'allow');
  assert.equal(eff('Public', 'GET', '/api/v1/dags/etl'), 'deny');
});

test('custom roles extend built-in ones; cycles and unknown parents are refused at compile', () => {
  const policy = compilePolicy(makeConfig({ policy: { roles: { Triggerer: { extends: ['Viewer'], permissions: [['can_edit', 'DAGs'], ['can_create', 'DAG Runs']] } } }, roles: { t: 'Triggerer', 'data-eng': 'User', admins: 'Admin', viewers: 'Viewer' } }));
  const c = classify(policy, 2, canonicalizeTarget('POST', '/api/v1/dags/etl/dagRuns'));
  assert.equal(decide(policy, person('t', ['t'], ['Triggerer']), 'prod', c, { now: 0 }).effect, 'allow');
  const clear = classify(policy, 2, canonicalizeTarget('POST', '/api/v1/dags/etl/clearTaskInstances'));
  const d = decide(policy, person('t', ['t'], ['Triggerer']), 'prod', clear, { now: 0 });
  assert.equal(d.effect, 'deny');
  assert.ok(d.grantingGroups.includes('data-eng') && d.grantingGroups.includes('admins') && !d.grantingGroups.includes('viewers'));
  assert.throws(() => compilePolicy(makeConfig({ policy: { roles: { A: { extends: ['B'] }, B: { extends: ['A'] } } } })), /cycle/);
  assert.throws(() => compilePolicy(makeConfig({ policy: { roles: { A: { extends: ['Nope'] } } } })), /unknown role "Nope"/);
  assert.throws(() => compilePolicy(makeConfig({ policy: { roles: { Viewer: {} } } })), /built-in/);
});
