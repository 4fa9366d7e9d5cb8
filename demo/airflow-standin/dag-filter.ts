/**
 * The stand-in's DAG filter: what a real Airflow with the airflow-airlock integration (its DAG filter on) does to
 * DAG lists. Airflow filters the lists it filters by permitted DAG ids (its auth manager), and the integration
 * makes those the DAGs the assertion's dag_rules claim lets the person read; every answer under a verified
 * assertion carries `X-Airlock-Dag-Filter: applied`. Lists Airflow does not filter by DAG permission (datasets,
 * assets, their events, jobs) answer only their own query filters (dag_ids, source_dag_id), as Airflow does.
 * Totals and paging (limit, offset) are computed after filtering, as Airflow's SQL does.
 */
import { DagRulesEvaluator } from '../../src/policy/index.ts';
import { DEMO_DAGS } from './response-body.ts';

export const DAG_FILTER_HEADER = 'x-airlock-dag-filter';
export const DAG_FILTER_APPLIED = 'applied';

/** Which DAGs the person may read; `all` when no rule restricts (or no claim was sent). */
export type ReadableDags = (dagId: string) => boolean;

/**
 * Reads the dag_rules claim of a verified assertion. Airflow's roles in the demo all read every DAG, so the
 * rules decide. Throws TypeError on a malformed claim (the integration refuses such an assertion).
 */
export function readableFromClaims(claims: Record<string, unknown> | undefined): ReadableDags {
  if (!claims || claims.dag_rules === undefined) return () => true;
  const rules = DagRulesEvaluator.parse(claims.dag_rules);
  // the demo's DAGs carry tag "example" and owner "airflow" (as response examples do)
  return (dagId) => rules.permits(dagId, 'read', { tags: ['example'], owners: ['airflow'] });
}

/** The DAGs /home lists (Airflow 2's DAG list page). */
export function homeDags(readable: ReadableDags): string[] {
  return DEMO_DAGS.filter((d) => readable(d));
}

interface ListRoute {
  /** Top-level array of the answer. */
  readonly key: string;
  /** Airflow narrows it to the permitted DAGs. */
  readonly permitted: boolean;
  /** Synthesized per-DAG rows (the spec's example has one row without a dag_id). */
  readonly rows?: (dag: string, template: Record<string, unknown>) => Record<string, unknown>;
  /** DAG ids a row belongs to. */
  readonly dagsOf: (row: Record<string, unknown>) => string[];
  /** Query parameters that filter by DAG: name -> how the value is given. */
  readonly query?: Readonly<Record<string, 'csv' | 'multi' | 'one'>>;
}

const byDagId = (row: Record<string, unknown>) => (typeof row.dag_id === 'string' ? [row.dag_id] : []);
const refs = (v: unknown) => (Array.isArray(v) ? v.flatMap((x) => (x && typeof x === 'object' && typeof (x as { dag_id?: unknown }).dag_id === 'string' ? [(x as { dag_id: string }).dag_id] : [])) : []);
const fileDag = (row: Record<string, unknown>) => {
  const m = /\/([^/]+)\.py$/.exec(String(row.filename ?? ''));
  return m ? [m[1] as string] : [];
};
const importError = (dag: string, t: Record<string, unknown>, i: number) => ({ ...t, import_error_id: i + 1, filename: `/opt/airflow/dags/${dag}.py`, stack_trace: `Traceback: ${dag}.py` });
const dataset = (dag: string, t: Record<string, unknown>, i: number, consumers: string) => ({
  ...t, id: i + 1, uri: `s3://warehouse/${dag}/output`, ...('name' in t ? { name: `${dag}_output`, group: dag } : {}),
  [consumers]: [{ dag_id: dag, created_at: '2024-05-01T00:00:00+00:00', updated_at: '2024-05-01T00:00:00+00:00' }],
  producing_tasks: [{ dag_id: dag, task_id: 'publish', created_at: '2024-05-01T00:00:00+00:00', updated_at: '2024-05-01T00:00:00+00:00' }],
});
const event = (dag: string, t: Record<string, unknown>, i: number) => ({
  ...t, ...('dataset_id' in t ? { dataset_id: i + 1, dataset_uri: `s3://warehouse/${dag}/output` } : { id: i + 1, asset_id: i + 1, uri: `s3://warehouse/${dag}/output` }),
  source_dag_id: dag, source_task_id: 'publish', source_run_id: `scheduled__${dag}`,
  created_dagruns: (Array.isArray(t.created_dagruns) ? t.created_dagruns.slice(0, 1) : [{}]).map((r) => ({ ...(r as object), dag_id: dag, run_id: `dataset_triggered__${dag}` })),
});
const perDag = (make: (dag: string, t: Record<string, unknown>, i: number) => Record<string, unknown>) => {
  let i = 0;
  return (dag: string, t: Record<string, unknown>) => make(dag, t, i++ % DEMO_DAGS.length);
};

/** "<airflow> <METHOD> <route template>" -> how the list answers. */
const LISTS: Readonly<Record<string, () => ListRoute>> = {
  '2 GET /api/v1/dags': () => ({ key: 'dags', permitted: true, dagsOf: byDagId }),
  '2 GET /api/v1/dags/{dag_id}/dagRuns': () => ({ key: 'dag_runs', permitted: true, dagsOf: byDagId }),
  '2 POST /api/v1/dags/~/dagRuns/list': () => ({ key: 'dag_runs', permitted: true, dagsOf: byDagId }),
  '2 GET /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances': () => ({ key: 'task_instances', permitted: true, dagsOf: byDagId }),
  '2 POST /api/v1/dags/~/dagRuns/~/taskInstances/list': () => ({ key: 'task_instances', permitted: true, dagsOf: byDagId }),
  '2 GET /api/v1/dagStats': () => ({ key: 'dags', permitted: true, dagsOf: byDagId, query: { dag_ids: 'csv' } }),
  '2 GET /api/v1/dagWarnings': () => ({ key: 'dag_warnings', permitted: true, dagsOf: byDagId }),
  '2 GET /api/v1/importErrors': () => ({ key: 'import_errors', permitted: true, rows: perDag(importError), dagsOf: fileDag }),
  '2 GET /api/v1/datasets': () => ({ key: 'datasets', permitted: false, rows: perDag((d, t, i) => dataset(d, t, i, 'consuming_dags')), dagsOf: (r) => [...refs(r.consuming_dags), ...refs(r.producing_tasks)], query: { dag_ids: 'csv' } }),
  '2 GET /api/v1/datasets/events': () => ({ key: 'dataset_events', permitted: false, rows: perDag(event), dagsOf: (r) => [String(r.source_dag_id)], query: { source_dag_id: 'one' } }),
  '3 GET /api/v2/dags': () => ({ key: 'dags', permitted: true, dagsOf: byDagId }),
  '3 GET /ui/dags': () => ({ key: 'dags', permitted: true, dagsOf: byDagId, query: { dag_ids: 'multi' } }),
  '3 GET /api/v2/dagStats': () => ({ key: 'dags', permitted: true, dagsOf: byDagId, query: { dag_ids: 'multi' } }),
  '3 GET /api/v2/dagWarnings': () => ({ key: 'dag_warnings', permitted: true, dagsOf: byDagId }),
  '3 GET /api/v2/dags/{dag_id}/dagRuns': () => ({ key: 'dag_runs', permitted: true, dagsOf: byDagId }),
  '3 GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances': () => ({ key: 'task_instances', permitted: true, dagsOf: byDagId }),
  '3 GET /api/v2/importErrors': () => ({ key: 'import_errors', permitted: true, rows: perDag(importError), dagsOf: fileDag }),
  '3 GET /api/v2/assets': () => ({ key: 'assets', permitted: false, rows: perDag((d, t, i) => dataset(d, t, i, 'scheduled_dags')), dagsOf: (r) => [...refs(r.scheduled_dags), ...refs(r.producing_tasks)], query: { dag_ids: 'multi' } }),
  '3 GET /api/v2/assets/events': () => ({ key: 'asset_events', permitted: false, rows: perDag(event), dagsOf: (r) => [String(r.source_dag_id)], query: { source_dag_id: 'one' } }),
};

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Filters a personalized JSON answer the way Airflow would for this route; other routes' bodies are returned
 * unchanged. `readable` undefined = the integration's DAG filter is off (lists answer every DAG).
 */
export function filterDagList(
  airflow: 2 | 3, method: string, template: string, params: Record<string, string>, query: URLSearchParams, body: unknown, readable: ReadableDags | undefined,
): unknown {
  const make = LISTS[`${airflow} ${method} ${template}`];
  if (!make || !isObject(body)) return body;
  if (params.dag_id !== undefined && params.dag_id !== '~') return body; // one DAG's list: the route itself checked it
  const list = make();
  const template0 = Array.isArray(body[list.key]) ? (body[list.key] as unknown[])[0] : undefined;
  if (!isObject(template0)) return body;
  let rows = list.rows ? DEMO_DAGS.map((d) => list.rows!(d, template0)) : (body[list.key] as Record<string, unknown>[]);
  for (const [name, form] of Object.entries(list.query ?? {})) {
    const values = query.getAll(name);
    const named = new Set(form === 'csv' ? values.flatMap((v) => v.split(',')).filter(Boolean) : values.filter(Boolean));
    if (named.size > 0) rows = rows.filter((r) => list.dagsOf(r).some((d) => named.has(d)));
  }
  if (list.permitted && readable) rows = rows.filter((r) => list.dagsOf(r).some((d) => readable(d)));
  const total = rows.length;
  const offset = Math.max(0, Number.parseInt(query.get('offset') ?? '0', 10) || 0);
  const limit = Math.max(0, Number.parseInt(query.get('limit') ?? '100', 10) || 100);
  return { ...body, [list.key]: rows.slice(offset, offset + limit), total_entries: total };
}
