/**
 * The Airflow 2 Flask side of the catalogue (set "flask"), from flask-routes.tsv: every url_map rule of a real
 * 2.10.5 webserver that is not a /api/v1 spec operation (those are the v1/fab sets), with the FAB permission
 * the rule needs. Where dag_id is read comes from airflow2-ui-flask-routes-2.10.5.txt (the TSV does not say).
 */
import { FAB_ACTION, makeRoute, METHOD_FAB, primary, uniquePerms } from './make-route.ts';
import { effectiveFab, parseFabPermission, parseFlaskRoutesTsv, ruleTemplate, type FabExpression, type FlaskRow } from './flask-tsv.ts';
import type { Action, ActionVariant, DagSource, Permission, RouteInfo } from './types.ts';

/** FAB model views over tables with a dag_id column: their pk-addressed pages act on DAGs the request does not name. */
const DAG_ENTITY_VIEWS = new Set(['DagRunModelView', 'TaskInstanceModelView', 'XComModelView', 'SlaMissModelView', 'LogModelView', 'TaskRescheduleModelView']);

/** Checks a view makes in its body (no decorator), as the reference README records them. */
const IN_BODY_CHECKS: Readonly<Record<string, string>> = {
  // calls the API's reparse_dag_file, which needs DAG edit
  'Airflow.parse_dag': 'can_edit DAGs|can_edit DAG:<dag_id>',
};

/** DAG sources the legacy route list does not give. */
const EXTRA_DAG_SOURCES: Readonly<Record<string, DagSource>> = {
  // answers with the DAG ids it filters by permission: a list (see src/policy/lists.ts)
  'AutocompleteView.autocomplete': 'all',
};

/** FAB list actions whose effect is a named DAG action. */
const ACTION_NAMES: Readonly<Record<string, Action>> = {
  clear: 'clear', clear_downstream: 'clear', set_success: 'mark_success', set_failed: 'mark_failed', muldelete: 'delete',
};

/** "where dag_id is read" column of airflow2-ui-flask-routes-*.txt, by view function. */
function legacyDagColumns(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const cols = line.split(' | ').map((c) => c.trim());
    if (cols[4]) out.set(cols[0]!, cols[4]);
  }
  return out;
}

function dagSourceOf(column: string | undefined): DagSource | undefined {
  if (column === undefined) return undefined;
  if (column.startsWith('path')) return 'path';
  if (column.startsWith('form body: dag_ids')) return 'form_list';
  if (column.startsWith('form body')) return 'form';
  if (column.startsWith('request.values')) return 'values';
  if (column.startsWith('query')) return 'query';
  throw new TypeError(`unknown dag_id source "${column}"`);
}

/** Airflow's checks with the per-DAG alternatives dropped: Airlock's own rules are the per-DAG layer. */
function globalTuples(expr: FabExpression, where: string): Permission[] {
  return expr.map((conj) => {
    const global = conj.filter((alt) => !alt[1].includes(':'));
    if (global.length !== 1) throw new TypeError(`${where}: a conjunct needs exactly one global alternative: ${JSON.stringify(conj)}`);
    return global[0]!;
  });
}

function actionOf(name: string, requires: readonly Permission[], method: string): Action {
  const prim = primary([requires]);
  return ACTION_NAMES[name] ?? (prim ? FAB_ACTION[prim[0]] : undefined) ?? FAB_ACTION[METHOD_FAB[method]!]!;
}

/** The flask set. `skip` holds "METHOD path" of the operations the v1/fab sets already have. */
export function routesFromFlaskTsv(tsv: string, legacyList: string, skip: ReadonlySet<string>): RouteInfo[] {
  const rows = parseFlaskRoutesTsv(tsv);
  const legacy = legacyDagColumns(legacyList);
  // The resource a view's other rules check (for a per-action{} view that names none itself).
  const viewResource = new Map<string, string>();
  for (const row of rows) {
    const m = /^(?:can_[a-z_]+) ([^|&:]+?)(?: \(|$)/.exec(row.fab);
    if (m && row.viewClass !== '-' && !viewResource.has(row.viewClass)) viewResource.set(row.viewClass, m[1]!);
  }
  const out = new Map<string, RouteInfo>();
  for (const row of rows) {
    const path = ruleTemplate(row.rule);
    for (const method of row.methods) {
      const key = `${method} ${path}`;
      // "/" is registered twice (FAB's IndexView and Airflow's routes.index); Werkzeug uses the first.
      if (skip.has(key) || out.has(key)) continue;
      out.set(key, flaskRoute(row, method, path, legacy, viewResource));
    }
  }
  return [...out.values()];
}

function flaskRoute(row: FlaskRow, method: string, path: string, legacy: Map<string, string>, viewResource: Map<string, string>): RouteInfo {
  const where = `${method} ${row.rule}`;
  const fn = row.endpoint.split('.').pop()!;
  let source: DagSource =
    EXTRA_DAG_SOURCES[row.endpoint] ?? dagSourceOf(legacy.get(row.endpoint)) ??
    // legacy redirect pages (/tree, /graph, ...) read ?dag_id= and redirect to the grid
    (fn.startsWith('legacy_') ? 'query' : path.includes('{dag_id}') ? 'path' : DAG_ENTITY_VIEWS.has(row.viewClass) ? 'all' : 'none');
  const fab = parseFabPermission(IN_BODY_CHECKS[row.endpoint] ?? effectiveFab(row));
  const fallbackResource = viewResource.get(row.viewClass);
  let route: RouteInfo;
  switch (fab.kind) {
    case 'none':
      route = makeRoute('flask', method, path, row.endpoint, [], source);
      break;
    case 'expr':
      route = makeRoute('flask', method, path, row.endpoint, [globalTuples(fab.expr, where)], source);
      break;
    case 'denied': {
      const [verb, resource] = fab.permission;
      route = {
        ...makeRoute('flask', method, path, row.endpoint, [[fab.permission]], source),
        denied: `${row.viewClass} registers this URL but "${verb}" is not in its base_permissions, so FAB refuses "${verb} on ${resource}" to every role, Admin included`,
      };
      break;
    }
    case 'per-action': {
      const perAction: Record<string, ActionVariant> = {};
      for (const [name, expr] of fab.actions) {
        const requires = uniquePerms([globalTuples(expr, `${where} action ${name}`)]);
        perAction[name] = { resource: primary([requires])?.[1] ?? fallbackResource ?? 'Website', action: actionOf(name, requires, method), requires };
      }
      const variants = Object.values(perAction);
      if (variants.some((v) => v.requires.some((p) => p[1] === 'DAGs')) && source === 'none') source = 'all';
      const base = makeRoute('flask', method, path, row.endpoint, [uniquePerms(variants.map((v) => v.requires))], source);
      route = {
        ...base,
        resource: variants.length ? base.resource : (fallbackResource ?? base.resource),
        perAction,
        actionFrom: fn === 'action_post' ? 'form' : 'path',
        ...(variants.length ? {} : { denied: `${row.viewClass} defines no list actions, so Airflow refuses every action name to every role, Admin included` }),
      };
      break;
    }
  }
  // GET /dags/<id>/trigger only renders the form; the POST is the trigger.
  return row.endpoint === 'Airflow.trigger' && method === 'GET' ? { ...route, action: 'read' } : route;
}
