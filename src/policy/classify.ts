import { actionVariant, type Action } from './catalogue/index.ts';
import { assertEncodedWithinPathParam, type CanonicalTarget } from './canonicalize.ts';
import type { CompiledPolicy } from './compile.ts';
import { assertDagId } from './dag-id.ts';
import { DagMismatch, ParamPollution } from './errors.ts';
import { listBehaviour, type ListBehaviour } from './lists.ts';
import { assertNoLookAlikeDagKeys } from './look-alike-keys.ts';
import type { ReadonlyQuery } from './query.ts';
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

/** DAG ids a list route's query names (src/policy/lists.ts); empty values name no DAG. Throws 400 on a bad id or a repeated single-value key. */
function queryDagIds(list: ListBehaviour, query: ReadonlyQuery): string[] {
  const out: string[] = [];
  for (const [name, form] of Object.entries(list.dagQuery ?? {})) {
    const values = query.getAll(name);
    if (values.length > 1 && form !== 'multi') throw ParamPollution.create({ logMessage: `repeated parameter ${name}` });
    for (const v of values) {
      for (const id of form === 'csv' ? v.split(',') : [v]) if (id !== '') out.push(assertDagId(id));
    }
  }
  return out;
}

/**
 * Classifies a canonical request for an environment of the given Airflow major version:
 * route, resource, action and the DAG ids named by path and query. Throws AirlockError 400 on a bad dag_id
 * or when path and query name different DAGs.
 */
export function classify(policy: CompiledPolicy, airflow: 2 | 3, target: CanonicalTarget): Classification {
  const allowListed = policy.allowLists[airflow].has(target.method, target.path);
  const m = policy.tries[airflow].match(target.method, target.segments);
  assertEncodedWithinPathParam(target, m?.route);
  if (!m) {
    return {
      airflow, route: null, resource: 'unknown', action: METHOD_ACTION[target.method] ?? 'edit', dagIds: [], allDags: false, body: 'none',
      allowListed, params: {}, target, narrowable: false, singleDag: false, maxBody: policy.maxBody,
    };
  }
  // a FAB action named in the path (/<view>/action/<name>/<pk>) picks the action's own permission
  const r = m.route.actionFrom === 'path' ? actionVariant(m.route, m.params.name ?? '') : m.route;
  const listInfo = listBehaviour(airflow, r);
  if ((r.dagSource === 'none' && !listInfo?.dagScoped) || allowListed) {
    return {
      // action_post names its action in the form body (readBodyDagIds picks it)
      airflow, route: r, resource: r.resource, action: r.action, dagIds: [], allDags: false, body: r.actionFrom === 'form' && !allowListed ? 'form' : 'none',
      allowListed, params: m.params, target, narrowable: false, singleDag: false, maxBody: policy.maxBody,
    };
  }
  assertNoLookAlikeDagKeys(target.query); // DAG_ID beside dag_id: refused as ambiguous (look-alike-keys.ts)
  const write = target.method !== 'GET' && target.method !== 'HEAD';
  // a dagScoped route names no DAG itself: it acts on every DAG unless its query names some
  const src = r.dagSource === 'none' ? 'all' : r.dagSource;
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
  const named = listInfo ? queryDagIds(listInfo, target.query) : [];
  for (const id of named) if (!dagIds.includes(id)) dagIds.push(id);
  const singleDag = !list && !tilde;
  if (singleDag && dagIds.length > 1) throw DagMismatch.create({ logMessage: `dag ids disagree: ${dagIds.join(', ')}` });
  return {
    airflow, route: r, resource: r.resource, action: r.action, dagIds,
    // A single-DAG operation that names no DAG in path/query (and has no body to read) acts on all;
    // a list whose query names DAGs (dag_ids, source_dag_id) is narrowed to them.
    allDags: named.length === 0 && (list || tilde || (singleDag && dagIds.length === 0 && body === 'none')),
    body, allowListed, params: m.params, target,
    narrowable: src === 'body_list' || src === 'form_list' || (tilde && r.operationId.endsWith('_batch')),
    singleDag, maxBody: policy.maxBody, list: listInfo,
  };
}
