/** How a catalogue RouteInfo is made from FAB permission clauses (shared by the spec and Flask builders). */
import type { Action, CatalogueSet, DagSource, Permission, RouteInfo } from './types.ts';

export const FAB_ACTION: Readonly<Record<string, Action>> = { can_read: 'read', can_create: 'create', can_edit: 'edit', can_delete: 'delete' };
export const METHOD_FAB: Readonly<Record<string, string>> = { GET: 'can_read', POST: 'can_create', PUT: 'can_edit', PATCH: 'can_edit', DELETE: 'can_delete' };

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
export const RESOURCE_OVERRIDE: Readonly<Record<string, string>> = {
  'Airflow.get_logs_with_metadata': 'Task Logs',
  get_upstream_asset_events: 'DAG Runs',
  get_upstream_dataset_events: 'DAG Runs',
};

/** The most specific tuple: the last non-DAG one of the first clause. */
export function primary(clauses: readonly (readonly Permission[])[]): Permission | undefined {
  const first = clauses[0];
  if (!first) return undefined;
  const nonDag = first.filter((p) => p[1] !== 'DAGs');
  return nonDag[nonDag.length - 1] ?? clauses.flat().find((p) => p[1] !== 'DAGs') ?? first[0];
}

export function uniquePerms(clauses: readonly (readonly Permission[])[]): Permission[] {
  const seen = new Map<string, Permission>();
  for (const p of clauses.flat()) seen.set(`${p[0]}|${p[1]}`, p);
  return [...seen.values()];
}

export function makeRoute(set: CatalogueSet, method: string, path: string, operationId: string, clauses: Permission[][], dagSource: DagSource): RouteInfo {
  const requires = uniquePerms(clauses);
  const prim = primary(clauses);
  const dagScoped = requires.some((p) => p[1] === 'DAGs');
  const source: DagSource = dagScoped ? (dagSource === 'none' ? 'all' : dagSource) : dagSource;
  const resource = RESOURCE_OVERRIDE[operationId] ?? prim?.[1] ?? 'Website';
  const action = NAMED_ACTIONS[operationId] ?? (prim ? FAB_ACTION[prim[0]] : undefined) ?? FAB_ACTION[METHOD_FAB[method]!]!;
  return { id: `${set}:${method}:${path}`, set, method, path, operationId, resource, action, dagSource: source, requires };
}

