/**
 * What the catalogue cannot say about DAG lists (it is generated from permission maps): which list routes
 * Airflow narrows to the DAGs its auth manager permits, which query parameters name DAGs, and which routes
 * return DAG data although Airflow checks no DAG permission for them. Applied by classify(); see
 * docs/policy.md "What lists do". Every entry must name a catalogue route (a unit test checks).
 */
import type { RouteInfo } from './catalogue/index.ts';

/**
 * How a query parameter names DAGs: `csv` one value, comma-separated (Airflow 2 connexion `type: string`; a
 * repeated key is refused), `multi` the key repeated (Airflow 3 `list[str]`), `one` a single DAG id (a repeated
 * key is refused).
 */
export type DagQueryForm = 'csv' | 'multi' | 'one';

export interface ListBehaviour {
  /**
   * Airflow answers only with the DAGs its auth manager permits (get_permitted_dag_ids /
   * get_authorized_dag_ids); with the airflow-airlock integration that includes the per-DAG rules.
   */
  readonly filtered: boolean;
  /** Query parameters that name DAGs: every DAG named must be allowed, and naming some narrows the request to them. */
  readonly dagQuery?: Readonly<Record<string, DagQueryForm>>;
  /** The answer carries DAG data though Airflow checks no DAG permission: acts on every DAG unless the query names DAGs. */
  readonly dagScoped?: boolean;
}

type Key = `${2 | 3} ${string} ${string}`;

const F: ListBehaviour = { filtered: true };

/** (Airflow major, method, catalogue path) -> behaviour. */
const TABLE: ReadonlyMap<Key, ListBehaviour> = new Map<Key, ListBehaviour>([
  // Airflow 2 UI: the DAG list page (only "can_read on Website" in FAB, but it lists DAG ids, owners, tags,
  // schedules and import errors of every permitted DAG) and its XHRs
  ['2 GET /home', { filtered: true, dagScoped: true }],
  ['2 POST /dag_stats', F],
  ['2 POST /task_stats', F],
  ['2 POST /last_dagruns', F],
  ['2 POST /blocked', F],
  ['2 GET /dagmodel/autocomplete', F],
  // FAB model views over DAG data: Airflow's DagFilter / DagEditFilter narrow them to permitted DAGs
  ['2 GET /dagrun/list/', F],
  ['2 GET /taskinstance/list/', F],
  ['2 GET /xcom/list/', F],
  ['2 GET /slamiss/list/', F],
  ['2 GET /log/list/', F],
  ['2 GET /taskreschedule/list/', F],
  ['2 GET /job/list/', { filtered: true, dagScoped: true }],
  // Airflow 2 REST API
  ['2 GET /api/v1/dags', F],
  ['2 GET /api/v1/dags/{dag_id}/dagRuns', F], // with dag_id "~"
  ['2 POST /api/v1/dags/~/dagRuns/list', F],
  ['2 GET /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances', F],
  ['2 POST /api/v1/dags/~/dagRuns/~/taskInstances/list', F],
  ['2 GET /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries', F],
  ['2 GET /api/v1/dagStats', { filtered: true, dagQuery: { dag_ids: 'csv' } }],
  ['2 GET /api/v1/dagWarnings', F],
  ['2 GET /api/v1/importErrors', { filtered: true, dagScoped: true }],
  ['2 GET /api/v1/importErrors/{import_error_id}', { filtered: true, dagScoped: true }],
  // not filtered by Airflow: datasets name the DAGs that produce and consume them, events carry source and
  // triggered DAG runs
  ['2 GET /api/v1/datasets', { filtered: false, dagScoped: true, dagQuery: { dag_ids: 'csv' } }],
  ['2 GET /api/v1/datasets/events', { filtered: false, dagScoped: true, dagQuery: { source_dag_id: 'one' } }],
  // Airflow 3
  ['3 GET /api/v2/dags', F],
  ['3 GET /ui/dags', { filtered: true, dagQuery: { dag_ids: 'multi' } }],
  ['3 GET /api/v2/dagStats', { filtered: true, dagQuery: { dag_ids: 'multi' } }],
  ['3 GET /ui/dashboard/dag_stats', F],
  ['3 GET /ui/dashboard/historical_metrics_data', F],
  ['3 GET /api/v2/dagTags', F],
  ['3 GET /api/v2/dagWarnings', F],
  ['3 GET /api/v2/dags/{dag_id}/dagRuns', F],
  ['3 POST /api/v2/dags/{dag_id}/dagRuns/list', F],
  ['3 GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances', F],
  ['3 POST /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/list', F],
  ['3 GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries', F],
  ['3 GET /api/v2/importErrors', { filtered: true, dagScoped: true }],
  ['3 GET /api/v2/importErrors/{import_error_id}', { filtered: true, dagScoped: true }],
  ['3 GET /api/v2/assets', { filtered: false, dagScoped: true, dagQuery: { dag_ids: 'multi' } }],
  ['3 GET /api/v2/assets/events', { filtered: false, dagScoped: true, dagQuery: { source_dag_id: 'one' } }],
  ['3 GET /api/v2/jobs', { filtered: false, dagScoped: true }],
]);

/** Every entry, for the check that each names a catalogue route. */
export function listTableKeys(): { airflow: 2 | 3; method: string; path: string }[] {
  return [...TABLE.keys()].map((k) => {
    const [v, method, path] = k.split(' ') as [string, string, string];
    return { airflow: Number(v) as 2 | 3, method, path };
  });
}

const byRoute = new WeakMap<RouteInfo, ListBehaviour | null>();

/** The list behaviour of a route of an Airflow major version, if any (cached per route object). */
export function listBehaviour(airflow: 2 | 3, route: RouteInfo): ListBehaviour | undefined {
  let hit = byRoute.get(route);
  if (hit === undefined) byRoute.set(route, (hit = TABLE.get(`${airflow} ${route.method} ${route.path}`) ?? null));
  return hit ?? undefined;
}

/** Query parameters that select DAGs by pattern (Airflow matches them itself; they cannot be checked per DAG). */
export const DAG_PATTERN_PARAMS: readonly string[] = ['dag_id_pattern', 'dag_display_name_pattern'];
