/**
 * Pure builders that turn Airflow's reference data (../shared/airflow) into the committed catalogue.
 * Used by scripts/build-catalogue.ts and by the cross-check test; nothing here reads files.
 */
import { parse as parseYaml } from 'yaml';
import type { Action, CatalogueFile, CatalogueSet, DagSource, Permission, RolesFile, RouteInfo } from './types.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const FAB_ACTION: Record<string, Action> = { can_read: 'read', can_create: 'create', can_edit: 'edit', can_delete: 'delete' };
const METHOD_FAB: Record<string, string> = { GET: 'can_read', POST: 'can_create', PUT: 'can_edit', PATCH: 'can_edit', DELETE: 'can_delete' };

/** Operations whose action is a named DAG action rather than the FAB verb. */
export const NAMED_ACTIONS: Readonly<Record<string, Action>> = {
  post_dag_run: 'trigger', trigger_dag_run: 'trigger', create_backfill: 'trigger', 'Airflow.trigger': 'trigger',
  post_clear_task_instances: 'clear', clear_dag_run: 'clear', 'Airflow.clear': 'clear', 'Airflow.dagrun_clear': 'clear',
  patch_dag: 'pause', patch_dags: 'pause', 'Airflow.paused': 'pause', pause_backfill: 'pause', unpause_backfill: 'pause',
  'Airflow.success': 'mark_success', 'Airflow.dagrun_success': 'mark_success',
  'Airflow.failed': 'mark_failed', 'Airflow.dagrun_failed': 'mark_failed',
  create_backfill_dry_run: 'read',
  bulk_connections: 'edit', bulk_pools: 'edit', bulk_variables: 'edit', bulk_task_instances: 'edit',
};

/** Display resource where the most specific requirement is not the first one Airflow lists. */
const RESOURCE_OVERRIDE: Readonly<Record<string, string>> = {
  'Airflow.get_logs_with_metadata': 'Task Logs',
  get_upstream_asset_events: 'DAG Runs',
  get_upstream_dataset_events: 'DAG Runs',
};

export interface SpecOp {
  method: string;
  path: string;
  operationId: string;
  queryParams: string[];
}

/** Every path+method of an OpenAPI document; `{p}` becomes `{p:path}` when the spec says format: path. */
export function specOperations(yamlText: string, prefix = ''): SpecOp[] {
  const doc = parseYaml(yamlText) as { paths: Record<string, Record<string, unknown>>; components?: { parameters?: Record<string, unknown> } };
  const shared = doc.components?.parameters ?? {};
  const resolve = (p: Record<string, unknown>): Record<string, unknown> =>
    typeof p.$ref === 'string' ? ((shared[p.$ref.split('/').pop() as string] as Record<string, unknown>) ?? {}) : p;
  const out: SpecOp[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const common = ((item.parameters as Record<string, unknown>[] | undefined) ?? []).map(resolve);
    for (const m of METHODS) {
      const op = item[m] as { operationId?: string; parameters?: Record<string, unknown>[] } | undefined;
      if (!op) continue;
      const params = [...common, ...(op.parameters ?? []).map(resolve)];
      let full = prefix + path;
      for (const p of params) {
        const schema = (p.schema as Record<string, unknown> | undefined) ?? {};
        if (p.in === 'path' && (p.format === 'path' || schema.format === 'path')) full = full.replace(`{${String(p.name)}}`, `{${String(p.name)}:path}`);
      }
      if (!op.operationId) throw new TypeError(`${m} ${full} has no operationId`);
      out.push({ method: m.toUpperCase(), path: full, operationId: op.operationId, queryParams: params.filter((p) => p.in === 'query').map((p) => String(p.name)) });
    }
  }
  return out;
}

const PERM_RE = /(can_[a-z]+|menu_access)@([A-Za-z][A-Za-z ]*?)(?=\||\]|\s*[&+;(]|\s*$)/g;

/** "[can_read@DAGs|DAG:<id>] & can_read@DAG Runs ; can_read@Datasets" -> clauses of permission tuples. */
export function parseFabColumn(column: string, method: string): Permission[][] {
  const text = column.trim();
  if (text === '') return [];
  const bulk = /^per-action on ([A-Za-z ]+?) \(from bulk body\)$/.exec(text);
  if (bulk) return [[['can_create', bulk[1]!], ['can_edit', bulk[1]!], ['can_delete', bulk[1]!]]];
  const backfill = /as dag (GET|POST|PUT|DELETE)\+RUN/.exec(text);
  if (backfill) {
    const verb = METHOD_FAB[backfill[1]!]!;
    return [[[verb === 'can_read' ? 'can_read' : 'can_edit', 'DAGs'], [verb, 'DAG Runs']]];
  }
  const clauses = text.split(';').map((clause) => [...clause.matchAll(PERM_RE)].map((m) => [m[1]!, m[2]!.trim()] as const));
  if (clauses.some((c) => c.length === 0)) throw new TypeError(`cannot parse FAB permission column "${column}" (${method})`);
  return clauses;
}

function primary(clauses: Permission[][], opId: string): Permission | undefined {
  const first = clauses[0];
  if (!first) return undefined;
  const nonDag = first.filter((p) => p[1] !== 'DAGs');
  return nonDag[nonDag.length - 1] ?? clauses.flat().find((p) => p[1] !== 'DAGs') ?? first[0] ?? (opId ? undefined : undefined);
}

function uniquePerms(clauses: Permission[][]): Permission[] {
  const seen = new Map<string, Permission>();
  for (const p of clauses.flat()) seen.set(`${p[0]}|${p[1]}`, p);
  return [...seen.values()];
}

function makeRoute(set: CatalogueSet, method: string, path: string, operationId: string, clauses: Permission[][], dagSource: DagSource): RouteInfo {
  const requires = uniquePerms(clauses);
  const prim = primary(clauses, operationId);
  const dagScoped = requires.some((p) => p[1] === 'DAGs');
  const source: DagSource = dagScoped ? (dagSource === 'none' ? 'all' : dagSource) : dagSource;
  const resource = RESOURCE_OVERRIDE[operationId] ?? prim?.[1] ?? 'Website';
  const action = NAMED_ACTIONS[operationId] ?? (prim ? FAB_ACTION[prim[0]] : undefined) ?? FAB_ACTION[METHOD_FAB[method]!]!;
  return { id: `${set}:${method}:${path}`, set, method, path, operationId, resource, action, dagSource: source, requires };
}

/** Parses a "METHOD | path | operationId | dag_id source | decorators | FAB" route-authz map. */
export function routesFromAuthzMap(set: CatalogueSet, mapText: string, ops: SpecOp[], extra: Record<string, { fab: string; dag: string }> = {}): RouteInfo[] {
  const rows = new Map<string, { opId: string; dag: string; fab: string }>();
  for (const line of mapText.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const cols = line.split(' | ').map((c) => c.trim());
    const [method, path] = cols[0]!.split(/\s+/);
    rows.set(`${method} ${path}`, { opId: cols[1]!, dag: cols[2] ?? '', fab: cols[cols.length - 1] ?? '' });
  }
  return ops.map((op) => {
    const key = `${op.method} ${op.path.replace(/\{(\w+):path\}/g, '{$1}')}`;
    const row = rows.get(key) ?? (extra[op.operationId] ? { opId: op.operationId, ...extra[op.operationId]! } : undefined);
    if (!row) throw new TypeError(`${set}: ${key} is in the spec but not in the authz map`);
    if (row.opId !== op.operationId) throw new TypeError(`${set}: ${key} operationId ${op.operationId} != map ${row.opId}`);
    return makeRoute(set, op.method, op.path, op.operationId, parseFabColumn(row.fab, op.method), apiDagSource(row.dag, op));
  });
}

function apiDagSource(column: string, op: SpecOp): DagSource {
  if (column.startsWith('dag_id(path)')) return 'path';
  if (column.startsWith('dag_id=~')) return 'body_list';
  if (column.startsWith('dag_id in JSON body')) return 'json';
  if (column.startsWith('dag_id query param')) return 'query';
  if (op.queryParams.includes('dag_id')) return 'query';
  return 'none';
}

/** Airflow 2 FAB model views (route_base -> resource); their pk-based pages name no DAG. */
export const MODEL_VIEWS: Readonly<Record<string, string>> = {
  dagrun: 'DAG Runs', taskinstance: 'Task Instances', xcom: 'XComs', slamiss: 'SLA Misses', log: 'Audit Logs',
  taskreschedule: 'Task Reschedules', triggerview: 'Triggers', job: 'Jobs',
  connection: 'Connections', variable: 'Variables', pool: 'Pools',
  users: 'Users', roles: 'Roles', actions: 'Permissions', resources: 'Permissions', permissions: 'Permissions',
};
const DAG_MODEL_VIEWS = new Set(['dagrun', 'taskinstance', 'xcom', 'slamiss', 'log', 'taskreschedule']);

function flaskDagSource(column: string, path: string): DagSource {
  const c = column.trim();
  if (c.startsWith('path')) return 'path';
  if (c.startsWith('form body: dag_ids')) return 'form_list';
  if (c.startsWith('form body')) return 'form';
  if (c.startsWith('request.values')) return 'values';
  if (c.startsWith('query')) return 'query';
  return path.includes('{dag_id}') ? 'path' : 'none';
}

/** Legacy redirect pages (/tree, /graph, ...) read ?dag_id= and redirect: treat them as a DAG read. */
const LEGACY_QUERY_REDIRECTS = new Set(['/code', '/dag_details', '/tree', '/calendar', '/graph', '/duration', '/tries', '/landing_times', '/gantt', '/audit_log']);

/** Parses airflow2-ui-flask-routes-*.txt. Generic model-view exposes are expanded over MODEL_VIEWS. */
export function routesFromFlask(text: string): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const cols = line.split(' | ').map((c) => c.trim());
    const view = cols[0]!;
    const exposes = [...cols[1]!.matchAll(/expose\('([^']+)'(?:, methods=\[([^\]]+)\])?\)/g)];
    if (exposes.length === 0) throw new TypeError(`flask routes: cannot parse "${line}"`);
    for (const m of exposes) {
      const prefix = view.startsWith('DocsView.') ? '/docs' : '';
      const path = prefix + m[1]!.replace(/<path:(\w+)>/g, '{$1:path}').replace(/<(?:string:)?(\w+)>/g, '{$1}');
      const methods = m[2] ? m[2].split(',').map((s) => s.trim().replace(/'/g, '')) : ['GET'];
      const fab = cols[5] ?? '';
      for (const method of methods) out.push(...flaskRoutesFor(view, path, method, cols[4] ?? '', fab));
    }
  }
  // FAB's AirflowIndexView serves "/" and redirects to Airflow.index ("/home"); it is not in the route map.
  const home = out.find((r) => r.method === 'GET' && r.path === '/home');
  if (home) out.push({ ...home, id: 'flask:GET:/', path: '/', operationId: 'AirflowIndexView.index' });
  // A view class's own expose (PoolModelView.delete) replaces the generic model-view one for the same URL.
  const byId = new Map<string, RouteInfo>();
  for (const r of out) byId.set(r.id, r);
  return [...byId.values()];
}

function flaskRoutesFor(view: string, path: string, method: string, dagCol: string, fab: string): RouteInfo[] {
  const [cls, fn] = view.split('.') as [string, string];
  const modelView = cls.endsWith('ModelView') || cls === 'AutocompleteView';
  if (modelView) {
    const bases = cls === 'PoolModelView' ? ['pool'] : cls === 'VariableModelView' ? ['variable'] : cls === 'AutocompleteView' ? [''] : Object.keys(MODEL_VIEWS);
    return bases.map((base) => {
      if (cls === 'AutocompleteView') return makeRoute('flask', method, path, view, [[['can_read', 'DAGs']]], 'all');
      const resource = MODEL_VIEWS[base]!;
      const verb = fn === 'show' ? 'can_read' : fn === 'delete' ? 'can_delete' : fn === 'varimport' ? 'can_create' : 'can_edit';
      const clauses: Permission[][] = [[...(DAG_MODEL_VIEWS.has(base) ? [[verb === 'can_read' ? 'can_read' : 'can_edit', 'DAGs'] as const] : []), [verb, resource]]];
      if (fn === 'action_post') clauses[0]!.push(['can_delete', resource]);
      return makeRoute('flask', method, `/${base}${path}`, `${view}@${base}`, clauses, 'none');
    });
  }
  let clauses = parseFabColumn(fab, method);
  let source = flaskDagSource(dagCol, path);
  if (clauses.length === 0) {
    if (fn === 'health' || fn === 'robots' || fn === 'redoc') clauses = [];
    else if (cls === 'DocsView') clauses = [[['can_read', 'Website']]];
    else if (fn === 'parse_dag') clauses = [[['can_edit', 'DAGs']]];
    else if (fn === 'coverage') clauses = [[['can_read', 'Configurations']]];
    else if (LEGACY_QUERY_REDIRECTS.has(path) || fn.startsWith('legacy_')) { clauses = [[['can_read', 'DAGs']]]; source = 'query'; }
    else clauses = [[['can_read', 'DAGs']]];
  }
  const route = makeRoute('flask', method, path, view, clauses, source);
  // GET /dags/<id>/trigger only renders the form; the POST is the trigger.
  return [view === 'Airflow.trigger' && method === 'GET' ? { ...route, action: 'read' as const } : route];
}

/** Airflow 3 auth-manager sub-apps under /auth (simple and FAB auth manager). */
export function routesFromAuth(simpleYaml: string, fabYaml: string): RouteInfo[] {
  const byKey = new Map<string, SpecOp>();
  for (const op of [...specOperations(simpleYaml), ...specOperations(fabYaml)]) byKey.set(`${op.method} ${op.path}`, op);
  return [...byKey.values()].map((op) => {
    const fab = /^\/auth\/fab\/v1\/(roles|users|permissions)/.exec(op.path);
    const resource = fab ? ({ roles: 'Roles', users: 'Users', permissions: 'Permissions' } as const)[fab[1] as 'roles' | 'users' | 'permissions'] : undefined;
    const clauses: Permission[][] = resource ? [[[METHOD_FAB[op.method]!, resource]]] : [];
    return makeRoute('auth', op.method, op.path, op.operationId, clauses, 'none');
  });
}

const DAG_REPORTS_3_0 = { fab: 'can_read@DAGs|DAG:<id>', dag: '' };

export interface ReferenceFiles {
  read(name: string): string;
}

/** Builds every committed data file from the reference folder. Keys are file names under catalogue/data/. */
export function buildCatalogueData(ref: ReferenceFiles): Record<string, CatalogueFile | RolesFile> {
  const v1Ops = specOperations(ref.read('airflow-2.10.5-v1.yaml'), '/api/v1');
  const fabOps = new Set(specOperations(ref.read('airflow-2.10.5-fab-provider-v1.yaml'), '/api/v1').map((o) => `${o.method} ${o.path}`));
  const v1Map = ref.read('v1-2.10.5-route-authz-map.txt');
  const v1All = routesFromAuthzMap('v1', v1Map, v1Ops);
  const v1 = v1All.filter((r) => !fabOps.has(`${r.method} ${r.path}`));
  const fab = v1All.filter((r) => fabOps.has(`${r.method} ${r.path}`)).map((r) => ({ ...r, set: 'fab' as const, id: r.id.replace(/^v1:/, 'fab:') }));
  const v2Map = ref.read('v2-main-74b0fd98-route-authz-map.txt');
  const file = (set: CatalogueSet, source: string, routes: RouteInfo[]): CatalogueFile => ({ set, source, routes });
  return {
    'routes-v1.json': file('v1', 'airflow-2.10.5-v1.yaml + v1-2.10.5-route-authz-map.txt', v1),
    'routes-fab.json': file('fab', 'airflow-2.10.5-fab-provider-v1.yaml + v1-2.10.5-route-authz-map.txt', fab),
    'routes-flask.json': file('flask', 'airflow2-ui-flask-routes-2.10.5.txt', routesFromFlask(ref.read('airflow2-ui-flask-routes-2.10.5.txt'))),
    'routes-v2-3.2.json': file('v2-3.2', 'airflow-main-74b0fd98-v2-rest-api-generated.yaml + v2-main-74b0fd98-route-authz-map.txt',
      routesFromAuthzMap('v2-3.2', v2Map, specOperations(ref.read('airflow-main-74b0fd98-v2-rest-api-generated.yaml')))),
    'routes-v2-3.0.json': file('v2-3.0', 'airflow-client-python-3.0.2-spec-v2.yaml + v2-main-74b0fd98-route-authz-map.txt',
      routesFromAuthzMap('v2-3.0', v2Map, specOperations(ref.read('airflow-client-python-3.0.2-spec-v2.yaml')), { get_dag_reports: DAG_REPORTS_3_0 })),
    'routes-ui.json': file('ui', 'airflow-main-74b0fd98-_private_ui.yaml + ui-main-74b0fd98-route-authz-map.txt',
      routesFromAuthzMap('ui', ref.read('ui-main-74b0fd98-route-authz-map.txt'), specOperations(ref.read('airflow-main-74b0fd98-_private_ui.yaml')))),
    'routes-auth.json': file('auth', 'airflow-main-74b0fd98-v2-simple-auth-manager-generated.yaml + ...-fab-auth-manager-generated.yaml',
      routesFromAuth(ref.read('airflow-main-74b0fd98-v2-simple-auth-manager-generated.yaml'), ref.read('airflow-main-74b0fd98-v2-fab-auth-manager-generated.yaml'))),
    'roles.json': rolesFrom(ref.read('airflow2-default-roles.json')),
  };
}

function rolesFrom(jsonText: string): RolesFile {
  const doc = JSON.parse(jsonText) as Record<string, unknown>;
  const versions: Record<string, Record<string, Permission[]>> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key.startsWith('_')) continue;
    const version = key.split(' ')[0]!;
    const roles: Record<string, Permission[]> = {};
    for (const [role, perms] of Object.entries(value as Record<string, unknown>)) {
      if (role === 'file' || role.startsWith('_')) continue;
      roles[role] = (perms as [string, string][]).map(([a, r]) => [a, r] as const);
    }
    versions[version] = roles;
  }
  return { source: 'airflow2-default-roles.json', default_version: '2.10.5', versions, all_permissions_roles: ['Admin'] };
}
