/**
 * The Airflow 2 catalogue against what a real 2.10.5 webserver recorded (../shared/airflow/airflow-2.10.5, or
 * the committed copy in test/fixtures/airflow-2.10.5 made by scripts/build-catalogue.ts when ../shared is
 * absent): every url_map rule has a catalogue entry, and for every rule x default role Airlock's role decision
 * equals what FAB allows with the roles' permission tuples from the metadata DB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REQUEST_DEPENDENT_PERMISSIONS } from '../../../src/policy/catalogue/flask-tsv.ts';
import { CATALOGUE, DEFAULT_ROLES } from '../../../src/policy/catalogue/index.ts';
import { canonicalizeTarget, classify, compilePolicy, decide, explain, readBodyDagIds, routesFor } from '../../../src/policy/index.ts';
import { makeConfig, person } from './helpers.ts';

const SHARED = resolve(import.meta.dirname, '../../../../shared/airflow/airflow-2.10.5');
const FIXTURES = resolve(import.meta.dirname, '../../fixtures/airflow-2.10.5');
const haveShared = existsSync(join(SHARED, 'flask-routes.tsv'));
const read = (name: string) => readFileSync(join(haveShared ? SHARED : FIXTURES, name), 'utf8');

interface Row { rule: string; methods: string[]; endpoint: string; fab: string; how: string }
const ROWS: Row[] = read('flask-routes.tsv').trim().split('\n').slice(1).map((l) => {
  const [rule, methods, endpoint, , fab, how] = l.split('\t') as [string, string, string, string, string, string];
  return { rule, methods: methods.split(','), endpoint, fab, how };
});
const ROLE_PERMS = new Map<string, Set<string>>([['Public', new Set()]]);
for (const l of read('default-role-permissions.tsv').trim().split('\n').slice(1)) {
  const [role, action, resource] = l.split('\t') as [string, string, string];
  if (!ROLE_PERMS.has(role)) ROLE_PERMS.set(role, new Set());
  ROLE_PERMS.get(role)!.add(`${action} ${resource}`);
}

const template = (rule: string) => rule.replace(/<path:(\w+)>/g, '{$1:path}').replace(/<(?:string:|int:)?(\w+)>/g, '{$1}');
const DAG = 'example_dag';
const concrete = (rule: string, name?: string) =>
  rule.replace(/<path:\w+>/g, 'a/b').replace(/<int:\w+>/g, '1').replace(/<(?:string:)?dag_id>/g, DAG).replace(/<(?:string:)?name>/g, name ?? 'name_1').replace(/<(?:string:)?(\w+)>/g, '$1_1');

/**
 * FAB's check, written from the README's description: "-" = no decorator (anyone); "(not in base_permissions:
 * denied)" = nobody; per-action{a=expr; ...} = the named action's expression, no action = nobody; ` & ` = all
 * conjuncts; `|` = any alternative; a "DAG:<dag_id>" alternative needs that per-DAG permission.
 */
function fabAllows(perms: ReadonlySet<string>, fab: string, action?: string): boolean {
  if (fab === '-') return true;
  if (fab.endsWith(' (not in base_permissions: denied)')) return false;
  const per = /^per-action\{(.*)\}$/.exec(fab);
  if (per) {
    const entry = (per[1] ? per[1].split('; ') : []).find((e) => e.startsWith(`${action}=`));
    return entry !== undefined && fabAllows(perms, entry.slice(action!.length + 1));
  }
  return fab.split(' & ').every((conj) => conj.split('|').some((alt) => perms.has(alt.replace('<dag_id>', DAG))));
}

/** What the recording could not see (request-dependent class_permission_name) and checks made inside views. */
const REAL_PERMISSION: Record<string, string> = {
  'CustomUserDBModelView.userinfo': 'can_read My Profile',
  'CustomUserDBModelView.action': 'per-action{resetmypassword=can_read My Password; resetpasswords=can_read Passwords; userinfoedit=can_read My Profile}',
  'Airflow.parse_dag': 'can_edit DAGs|can_edit DAG:<dag_id>',
};
const realFab = (row: Row) => REAL_PERMISSION[row.endpoint] ?? row.fab;

test('the reference TSVs: committed copy equals ../shared (when present), and the recorded numbers hold', () => {
  if (haveShared) {
    for (const f of ['flask-routes.tsv', 'default-role-permissions.tsv']) {
      assert.equal(readFileSync(join(FIXTURES, f), 'utf8'), readFileSync(join(SHARED, f), 'utf8'), `test/fixtures copy of ${f} is stale: run node --import tsx scripts/build-catalogue.ts`);
    }
  }
  assert.equal(ROWS.length, 468);
  assert.equal(ROWS.filter((r) => r.fab.endsWith('(not in base_permissions: denied)')).length, 172);
  assert.deepEqual(Object.fromEntries([...ROLE_PERMS].map(([r, p]) => [r, p.size])), { Public: 0, Admin: 92, Op: 63, User: 39, Viewer: 30 });
  // The catalogue's role table is the DB's (Admin's 19 runtime-registered tuples included).
  for (const [role, perms] of ROLE_PERMS) {
    assert.deepEqual(new Set(DEFAULT_ROLES.versions['2.10.5']![role]!.map(([a, r]) => `${a} ${r}`)), perms, role);
  }
  // The src correction table is exactly the request-dependent part of the one above.
  assert.deepEqual(REQUEST_DEPENDENT_PERMISSIONS, { 'CustomUserDBModelView.userinfo': REAL_PERMISSION['CustomUserDBModelView.userinfo'], 'CustomUserDBModelView.action': REAL_PERMISSION['CustomUserDBModelView.action'] });
});

test('every rule x method of flask-routes.tsv has a catalogue entry, and the flask set holds nothing else', () => {
  const have = new Map(routesFor(2).map((r) => [`${r.method} ${r.path}`, r]));
  const wanted = new Set<string>();
  const missing: string[] = [];
  for (const row of ROWS) {
    for (const m of row.methods) {
      const key = `${m} ${template(row.rule)}`;
      wanted.add(key);
      if (!have.has(key)) missing.push(`${key} (${row.endpoint})`);
    }
  }
  assert.deepEqual(missing, []);
  const extra = CATALOGUE.flask.routes.filter((r) => !wanted.has(`${r.method} ${r.path}`)).map((r) => r.id);
  assert.deepEqual(extra, []);
  assert.equal(CATALOGUE.flask.routes.length, 444, 'rules x methods not in the v1/fab sets');
});

const policy = compilePolicy(makeConfig());

/** Airlock's decision for one role on one concrete request; for action_post the action goes in the form body. */
function airlock(role: string, method: string, rule: string, endpoint: string, action?: string) {
  const path = concrete(rule, endpoint.endsWith('.action') ? action : undefined);
  let c = classify(policy, 2, canonicalizeTarget(method, path));
  if (endpoint.endsWith('.action_post')) c = readBodyDagIds(c, 'application/x-www-form-urlencoded', Buffer.from(`action=${action ?? 'none'}&rowid=1`));
  return { c, d: decide(policy, person('u', [], [role]), 'prod', c, { now: 0 }) };
}

for (const role of ['Public', 'Viewer', 'User', 'Op', 'Admin']) {
  test(`${role}: Airlock allows exactly what FAB allows, for every rule, method and list action`, () => {
    const perms = ROLE_PERMS.get(role)!;
    const diffs: string[] = [];
    let allowed = 0;
    let checked = 0;
    for (const row of ROWS) {
      const fab = realFab(row);
      const per = /^per-action\{(.*)\}$/.exec(fab);
      const actions = per ? [...(per[1] ? per[1].split('; ').map((e) => e.split('=')[0]!) : []), 'no_such_action'] : [undefined];
      for (const method of row.methods) {
        for (const action of actions) {
          const want = fabAllows(perms, fab, action);
          const { d } = airlock(role, method, row.rule, row.endpoint, action);
          checked++;
          if (want) allowed++;
          if ((d.effect === 'allow') !== want) diffs.push(`${method} ${row.rule}${action ? ` [${action}]` : ''}: FAB ${want ? 'allows' : 'refuses'}, Airlock ${d.effect} ${d.reasons.map((r) => r.code).join(',')}`);
        }
      }
    }
    assert.deepEqual(diffs, []);
    assert.ok(checked > 500 && allowed > 0, `${checked} checked, ${allowed} allowed`);
  });
}

test('rules Airflow refuses to everyone are refused to Admin with denied_by_airflow, and explain says why', () => {
  const admin = person('root', ['admins'], ['Admin']);
  for (const [method, path] of [['GET', '/dagrun/api'], ['GET', '/variable/api/read'], ['GET', '/actions/api'], ['GET', '/dagrun/add'], ['POST', '/connection/api/create'], ['GET', '/xcom/edit/3']] as const) {
    const c = classify(policy, 2, canonicalizeTarget(method, path));
    assert.ok(c.route, `${path} is a known route, not unknown_route`);
    const d = decide(policy, admin, 'prod', c, { now: 0 });
    assert.equal(d.effect, 'deny', path);
    assert.deepEqual(d.reasons.map((r) => r.code), ['denied_by_airflow'], path);
    assert.match(d.reasons[0]!.message, /base_permissions/);
    assert.deepEqual(d.grantingGroups, [], 'no group would grant it');
  }
  const e = explain(policy, admin, 'prod', { method: 'GET', target: '/dagrun/add' }, { now: 0 });
  assert.ok(e.lines.some((l) => /^denied: +to every role by Airflow: DagRunModelView registers this URL but "can_add" is not in its base_permissions/.test(l)), e.lines.join('\n'));
  // a list-action view without actions, and an action name a view does not define
  const none = airlock('Admin', 'POST', '/actions/action_post', 'ActionModelView.action_post', 'muldelete').d;
  assert.deepEqual(none.reasons.map((r) => r.code), ['denied_by_airflow']);
  const unknown = airlock('Admin', 'GET', '/connection/action/<string:name>/<pk>', 'ConnectionModelView.action', 'drop_all').d;
  assert.deepEqual(unknown.reasons.map((r) => r.code), ['denied_by_airflow']);
});

test('a list action is decided as the action it names: resource, Airlock action and permission', () => {
  const op = (method: string, rule: string, endpoint: string, action: string) => airlock('Op', method, rule, endpoint, action);
  const clear = op('POST', '/dagrun/action_post', 'DagRunModelView.action_post', 'clear');
  assert.equal(clear.c.action, 'clear');
  assert.equal(clear.c.route!.id, 'flask:POST:/dagrun/action_post#clear');
  assert.equal(clear.c.allDags, true, 'rows are chosen by pk: every DAG');
  assert.equal(op('POST', '/taskinstance/action_post', 'TaskInstanceModelView.action_post', 'set_success').c.action, 'mark_success');
  assert.equal(op('POST', '/variable/action_post', 'VariableModelView.action_post', 'varexport').c.resource, 'Variables');
  // Viewer may read its own profile page and use its buttons, not reset other people's passwords
  assert.equal(airlock('Viewer', 'GET', '/users/userinfo/', 'CustomUserDBModelView.userinfo').d.effect, 'allow');
  assert.equal(airlock('Viewer', 'GET', '/users/action/<string:name>/<pk>', 'CustomUserDBModelView.action', 'resetmypassword').d.effect, 'allow');
  assert.equal(airlock('Viewer', 'GET', '/users/action/<string:name>/<pk>', 'CustomUserDBModelView.action', 'resetpasswords').d.effect, 'deny');
  // no action named yet (no body): every action's permission is needed
  const bare = classify(policy, 2, canonicalizeTarget('POST', '/connection/action_post'));
  assert.equal(bare.body, 'form', 'the form body is read for the action');
  assert.deepEqual(bare.route!.requires, [['can_delete', 'Connections'], ['can_create', 'Connections'], ['can_read', 'Connections']]);
});

test('a repeated action field is refused', () => {
  const c = classify(policy, 2, canonicalizeTarget('POST', '/connection/action_post'));
  assert.throws(() => readBodyDagIds(c, 'application/x-www-form-urlencoded', Buffer.from('action=muldelete&action=mulduplicate&rowid=1')), { code: 'AIRLOCK_POLICY_PARAM_POLLUTION' });
});
