/**
 * Pure builders that turn Airflow's reference data (../shared/airflow) into the committed catalogue.
 * Used by scripts/build-catalogue.ts and by the cross-check test; nothing here reads files.
 */
import { parse as parseYaml } from 'yaml';
import type { CatalogueFile, CatalogueSet, DagSource, Permission, RolesFile, RouteInfo } from './types.ts';
import { makeRoute, METHOD_FAB } from './make-route.ts';
import { routesFromFlaskTsv } from './flask-build.ts';
import { FLASK_TSV, parseRolePermissionsTsv, ROLES_TSV } from './flask-tsv.ts';

export { NAMED_ACTIONS } from './make-route.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

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
    'routes-flask.json': file('flask', `${FLASK_TSV} (rules not in routes-v1/fab) + airflow2-ui-flask-routes-2.10.5.txt (where dag_id is read)`,
      routesFromFlaskTsv(ref.read(FLASK_TSV), ref.read('airflow2-ui-flask-routes-2.10.5.txt'), new Set(v1All.map((r) => `${r.method} ${r.path}`)))),
    'routes-v2-3.2.json': file('v2-3.2', 'airflow-main-74b0fd98-v2-rest-api-generated.yaml + v2-main-74b0fd98-route-authz-map.txt',
      routesFromAuthzMap('v2-3.2', v2Map, specOperations(ref.read('airflow-main-74b0fd98-v2-rest-api-generated.yaml')))),
    'routes-v2-3.0.json': file('v2-3.0', 'airflow-client-python-3.0.2-spec-v2.yaml + v2-main-74b0fd98-route-authz-map.txt',
      routesFromAuthzMap('v2-3.0', v2Map, specOperations(ref.read('airflow-client-python-3.0.2-spec-v2.yaml')), { get_dag_reports: DAG_REPORTS_3_0 })),
    'routes-ui.json': file('ui', 'airflow-main-74b0fd98-_private_ui.yaml + ui-main-74b0fd98-route-authz-map.txt',
      routesFromAuthzMap('ui', ref.read('ui-main-74b0fd98-route-authz-map.txt'), specOperations(ref.read('airflow-main-74b0fd98-_private_ui.yaml')))),
    'routes-auth.json': file('auth', 'airflow-main-74b0fd98-v2-simple-auth-manager-generated.yaml + ...-fab-auth-manager-generated.yaml',
      routesFromAuth(ref.read('airflow-main-74b0fd98-v2-simple-auth-manager-generated.yaml'), ref.read('airflow-main-74b0fd98-v2-fab-auth-manager-generated.yaml'))),
    'roles.json': rolesFrom(ref.read('airflow2-default-roles.json'), ref.read(ROLES_TSV)),
  };
}

/**
 * Default roles per Airflow release from airflow2-default-roles.json; 2.10.5 comes from the metadata DB of a
 * running webserver instead (default-role-permissions.tsv): the same tuples plus the ones Airflow registers at
 * runtime for Admin (Users, Roles, Permissions, ... menu items), 92 in all.
 */
function rolesFrom(jsonText: string, tsvText: string): RolesFile {
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
  const db = parseRolePermissionsTsv(tsvText);
  const live: Record<string, Permission[]> = {};
  for (const role of Object.keys(versions['2.10.5'] ?? {})) live[role] = db.get(role) ?? [];
  for (const [role, perms] of db) live[role] = perms;
  versions['2.10.5'] = live;
  return { source: `airflow2-default-roles.json; 2.10.5 from ${ROLES_TSV}`, default_version: '2.10.5', versions, all_permissions_roles: ['Admin'] };
}
