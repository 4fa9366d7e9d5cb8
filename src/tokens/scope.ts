import { globToRegExp, type Classification, type Reason } from '../policy/index.ts';

export { globToRegExp };

/**
 * One ceiling on what a machine identity may do: the token's own scopes, or its service account's. A request
 * must pass every layer, and a refusal names the layer and the scope that refused.
 */
export interface ScopeLayer {
  readonly source: 'token' | 'service_account';
  /** e.g. `token "etl-ci" (tok_3fQ9x2LmA0bc)` or `service account "etl-ci"`. */
  readonly label: string;
  readonly envs: readonly string[];
  readonly dags: readonly string[];
  readonly actions: readonly string[];
  readonly allEnvs: boolean;
  readonly allDags: boolean;
  readonly dagRes: readonly RegExp[];
  readonly actionSet: ReadonlySet<string>;
}


export function scopeLayer(source: ScopeLayer['source'], label: string, s: { envs: readonly string[]; dags: readonly string[]; actions: readonly string[] }): ScopeLayer {
  return Object.freeze({
    source,
    label,
    envs: Object.freeze([...s.envs]),
    dags: Object.freeze([...s.dags]),
    actions: Object.freeze([...s.actions]),
    allEnvs: s.envs.includes('*'),
    allDags: s.dags.includes('*'),
    dagRes: Object.freeze(s.dags.map(globToRegExp)),
    actionSet: new Set(s.actions),
  });
}

export type ScopeCheck = { readonly ok: true; readonly reasons: readonly Reason[] } | { readonly ok: false; readonly reason: Reason };

const list = (xs: readonly string[]) => `[${xs.join(', ')}]`;

/**
 * Whether the classified request is inside every layer: the environment, the action, and the DAGs. A layer whose
 * DAGs are not "*" admits only requests that name their DAGs, each matching one of its globs: a request on no DAG
 * (pools, connections, variables, ...) or on every DAG (lists, "~") needs dags "*".
 */
export function checkScope(layers: readonly ScopeLayer[], env: string, c: Classification): ScopeCheck {
  const reasons: Reason[] = [];
  for (const l of layers) {
    if (!l.allEnvs && !l.envs.includes(env)) {
      return { ok: false, reason: { code: 'token_scope_env', message: `${l.label}: envs ${list(l.envs)} do not include ${env}` } };
    }
    if (!l.actionSet.has(c.action)) {
      return { ok: false, reason: { code: 'token_scope_action', message: `${l.label}: actions ${list(l.actions)} do not include ${c.action}` } };
    }
    if (!l.allDags) {
      const dagScoped = c.route !== null && c.route.dagSource !== 'none';
      if (!dagScoped) {
        return { ok: false, reason: { code: 'token_scope_not_dag', message: `${l.label}: dags ${list(l.dags)} allow only requests on those DAGs; ${c.target.method} ${c.target.path} acts on no DAG` } };
      }
      if (c.allDags || c.dagIds.length === 0) {
        return { ok: false, reason: { code: 'token_scope_all_dags', message: `${l.label}: dags ${list(l.dags)} do not cover a request on every DAG` } };
      }
      for (const id of c.dagIds) {
        if (!l.dagRes.some((re) => re.test(id))) {
          return { ok: false, reason: { code: 'token_scope_dag', message: `${l.label}: dags ${list(l.dags)} do not include DAG ${id}` } };
        }
      }
    }
    reasons.push({ code: 'token_scope', message: `${l.label}: envs ${list(l.envs)}, dags ${list(l.dags)}, actions ${list(l.actions)} allow ${c.action}${c.dagIds.length ? ` on ${c.dagIds.join(', ')}` : ''} in ${env}` });
  }
  return { ok: true, reasons };
}
