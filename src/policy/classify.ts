import type { Action } from './catalogue/index.ts';
import type { CanonicalTarget } from './canonicalize.ts';
import type { CompiledPolicy } from './compile.ts';
import { assertDagId } from './dag-id.ts';
import { DagMismatch } from './errors.ts';
import type { Classification } from './types.ts';

const METHOD_ACTION: Record<string, Action> = { GET: 'read', HEAD: 'read', OPTIONS: 'read', POST: 'create', PUT: 'edit', PATCH: 'edit', DELETE: 'delete' };
const API_SETS = new Set(['v1', 'v2-3.2', 'v2-3.0', 'ui']);

/** Merges DAG ids into a classification; single-DAG operations must name exactly one DAG. */
export function withDagIds(c: Classification, ids: readonly string[], narrow: boolean): Classification {
  const all = new Set([...c.dagIds, ...ids.map(assertDagId)]);
  if (c.singleDag && all.size > 1) throw DagMismatch.create({ logMessage: `dag ids disagree: ${[...all].slice(0, 5).join(', ')}` });
  const allDags = narrow && c.narrowable && ids.length > 0 ? false : c.allDags;
  return { ...c, dagIds: [...all], allDags };
}

/**
 * Classifies a canonical request for an environment of the given Airflow major version:
 * route, resource, action and the DAG ids named by path and query. Throws AirlockError 400 on a bad dag_id
 * or when path and query name different DAGs.
 */
export function classify(policy: CompiledPolicy, airflow: 2 | 3, target: CanonicalTarget): Classification {
  const allowListed = policy.allowLists[airflow].has(target.method, target.path);
  const m = policy.tries[airflow].match(target.method, target.segments);
  if (!m) {
    return {
      airflow, route: null, resource: 'unknown', action: METHOD_ACTION[target.method] ?? 'edit', dagIds: [], allDags: false, body: 'none',
      allowListed, params: {}, target, narrowable: false, singleDag: false, maxBody: policy.maxBody,
    };
  }
  const r = m.route;
  if (r.dagSource === 'none' || allowListed) {
    return {
      airflow, route: r, resource: r.resource, action: r.action, dagIds: [], allDags: false, body: 'none',
      allowListed, params: m.params, target, narrowable: false, singleDag: false, maxBody: policy.maxBody,
    };
  }
  const write = target.method !== 'GET' && target.method !== 'HEAD';
  const src = r.dagSource;
  const list = src === 'body_list' || src === 'form_list' || src === 'all';
  const pathId = m.params.dag_id;
  const tilde = pathId === '~' || src === 'body_list';
  let body: Classification['body'];
  if (src === 'form' || src === 'form_list' || (src === 'values' && write)) body = 'form';
  else if (src === 'json' || src === 'body_list') body = 'json';
  else body = write ? (API_SETS.has(r.set) ? 'json' : r.set === 'flask' ? 'form' : 'none') : 'none';
  const dagIds: string[] = [];
  if (pathId !== undefined && pathId !== '~') dagIds.push(assertDagId(pathId));
  const q = target.query.get('dag_id');
  if (q !== null && q !== dagIds[0]) dagIds.push(assertDagId(q));
  const singleDag = !list && !tilde;
  if (singleDag && dagIds.length > 1) throw DagMismatch.create({ logMessage: `dag ids disagree: ${dagIds.join(', ')}` });
  return {
    airflow, route: r, resource: r.resource, action: r.action, dagIds,
    // A single-DAG operation that names no DAG in path/query (and has no body to read) acts on all.
    allDags: list || tilde || (singleDag && dagIds.length === 0 && body === 'none'),
    body, allowListed, params: m.params, target,
    narrowable: src === 'body_list' || src === 'form_list' || (tilde && r.operationId.endsWith('_batch')),
    singleDag, maxBody: policy.maxBody,
  };
}
