import type { Classification } from './types.ts';

/**
 * Whether the decision on a request may depend on its body: then it cannot be allowed without reading the body
 * (forward-auth behind an ingress that does not send it, docs/forward-auth.md). True when the body may name DAG
 * ids the decision has not seen (a single-DAG operation whose path and query name no DAG, an operation whose DAG
 * ids come from the body) or pick the route's action (a FAB list action named in the form). False when the body
 * has nothing to add: no body is read on this route, the request is already decided on every DAG (ids in the
 * body could only narrow it), or the path or query names the single DAG the operation acts on (the body could
 * only repeat it; the standalone proxy also refuses a body naming another).
 */
export function decisionNeedsBody(c: Classification): boolean {
  if (c.body === 'none') return false;
  if (c.route?.actionFrom === 'form') return true;
  if (c.allDags) return false;
  return !(c.singleDag && c.dagIds.length === 1);
}
