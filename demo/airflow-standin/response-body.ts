/** The DAGs the stand-in pretends to have. */
export const DEMO_DAGS = ['example_etl', 'finance_daily', 'ml_training', 'reporting_hourly'] as const;

/** Path parameters whose value shows up under another name in the body. */
const ALIASES: Record<string, string> = { variable_key: 'key', pool_name: 'name', role_name: 'name', connection_id: 'connection_id' };

type Json = unknown;

/**
 * Personalizes a route's example body for one request: path parameters echoed where the body has fields of
 * that name, lists of DAG objects expanded to the demo DAGs, and top-level fields of a JSON request body
 * echoed back on create/update (as Airflow returns the object it stored).
 */
export function personalizeBody(template: Json, params: Record<string, string>, requestJson: Json, method: string): Json {
  let body = structuredClone(template);
  body = echoParams(body, params, 0);
  if (params.dag_id === undefined || params.dag_id === '~') body = expandDagLists(body);
  if (method !== 'GET' && method !== 'DELETE' && isObject(body) && isObject(requestJson)) {
    for (const [k, v] of Object.entries(requestJson)) if (k in body) body[k] = v;
  }
  return body;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function echoParams(v: Json, params: Record<string, string>, depth: number): Json {
  if (Array.isArray(v)) return v.map((x) => echoParams(x, params, depth + 1));
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    const direct = params[k];
    if (direct !== undefined && direct !== '~' && (typeof val === 'string' || typeof val === 'number' || val === null)) {
      out[k] = typeof val === 'number' && /^-?\d+$/.test(direct) ? Number(direct) : direct;
      continue;
    }
    out[k] = echoParams(val, params, depth + 1);
  }
  if (depth === 0) {
    for (const [param, field] of Object.entries(ALIASES)) {
      const value = params[param];
      if (value !== undefined && typeof out[field] === 'string') out[field] = value;
    }
  }
  return out;
}

function expandDagLists(v: Json): Json {
  if (Array.isArray(v)) {
    const first = v[0];
    if (v.length === 1 && isObject(first) && typeof first.dag_id === 'string') {
      return DEMO_DAGS.map((dagId) => withDagId(first, dagId));
    }
    return v.map(expandDagLists);
  }
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) out[k] = expandDagLists(val);
  for (const [k, val] of Object.entries(out)) {
    if (Array.isArray(val) && val.length === DEMO_DAGS.length && typeof out.total_entries === 'number' && k !== 'total_entries') out.total_entries = val.length;
  }
  return out;
}

function withDagId(template: Record<string, unknown>, dagId: string): Record<string, unknown> {
  const copy = structuredClone(template);
  for (const key of Object.keys(copy)) {
    if (key === 'dag_id' || key === 'dag_display_name') copy[key] = dagId;
    if (key === 'fileloc') copy[key] = `/opt/airflow/dags/${dagId}.py`;
    if (key === 'relative_fileloc') copy[key] = `${dagId}.py`;
  }
  return copy;
}
