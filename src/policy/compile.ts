import type { AirlockConfig } from '../config/schema/index.ts';
import { allActionVariants, routesFor, type Action, type RouteInfo } from './catalogue/index.ts';
import { RouteTrie } from './routes/trie.ts';
import { AllowList, DEFAULT_ALLOW_LIST } from './allow-list.ts';
import { AIRFLOW3_RESOURCE_ALIASES, buildRoleTable, permKey, type RoleTable } from './roles.ts';
import { compileRule, EnvRules, expandActions } from './rules.ts';
import { checkClaimable } from './dag-rules-claim.ts';

export interface CompiledEnv {
  readonly name: string;
  readonly airflow: 2 | 3;
  readonly rules: EnvRules;
  /** environments.<name>.airflow_filters_dags: Airflow's integration applies the rules to its DAG lists. */
  readonly airflowFiltersDags: boolean;
  /** action -> max age (ms) of the second factor. */
  readonly stepUp: ReadonlyMap<Action, number>;
}

export interface CompiledPolicy {
  readonly roles: RoleTable;
  /** IdP group -> roles, from cfg.roles. */
  readonly groupRoles: ReadonlyMap<string, readonly string[]>;
  readonly tries: Readonly<Record<2 | 3, RouteTrie>>;
  readonly allowLists: Readonly<Record<2 | 3, AllowList>>;
  readonly envs: ReadonlyMap<string, CompiledEnv>;
  readonly maxBody: number;
  /** Route (and each FAB action variant of it) -> permission keys Airflow checks (Airflow 3 names mapped to the role tables' names). */
  readonly requires: ReadonlyMap<RouteInfo, readonly string[]>;
  /** Caches (bounded) that live as long as this snapshot. */
  readonly permCache: Map<string, ReadonlySet<string> | 'all'>;
  readonly grantingCache: Map<RouteInfo, string[]>;
  readonly cacheSize: number;
}

const tries: Partial<Record<2 | 3, RouteTrie>> = {};
const trieFor = (v: 2 | 3): RouteTrie => (tries[v] ??= new RouteTrie(routesFor(v)));

/** Compiles a config snapshot's policy once. Throws TypeError on a rule that cannot be compiled. */
export function compilePolicy(cfg: AirlockConfig): CompiledPolicy {
  const roles = buildRoleTable(cfg);
  const envNames = new Set(Object.keys(cfg.environments));
  const checkEnv = (where: string, env: string) => {
    if (!envNames.has(env)) throw new TypeError(`${where}: unknown environment "${env}"`);
  };
  const pol = cfg.policy;
  const envs = new Map<string, CompiledEnv>();
  for (const [name, e] of Object.entries(cfg.environments)) {
    const md = pol.dag_metadata[name];
    envs.set(name, { name, airflow: e.airflow, rules: new EnvRules(pol.cache_size, md?.max_age ?? 0), airflowFiltersDags: e.airflow_filters_dags === true, stepUp: new Map() });
  }
  for (const [env, d] of Object.entries(pol.env_defaults)) {
    checkEnv('policy.env_defaults', env);
    envs.get(env)!.rules.add(compileRule(`env_defaults.${env}`, `${env} environment defaults`, -1, d.allow, d.deny), 'every');
  }
  const ids = new Set<string>();
  cfg.dags.forEach((r, i) => {
    const id = r.id ?? `dags[${i}]`;
    if (ids.has(id)) throw new TypeError(`dags[${i}]: duplicate rule id "${id}"`);
    ids.add(id);
    const targets = r.env ?? [...envNames];
    for (const env of targets) checkEnv(`dags[${i}] (${id})`, env);
    for (const env of targets) {
      const ce = envs.get(env)!;
      if ((r.tags || r.owners) && !pol.dag_metadata[env]) {
        throw new TypeError(`dags[${i}] (${id}): selects by tags/owners but policy.dag_metadata.${env} is not configured`);
      }
      ce.rules.add(compileRule(id, r.name ?? id, i, r.allow, r.deny), r);
    }
  });
  for (const ce of envs.values()) if (ce.airflowFiltersDags) checkClaimable(ce.name, ce.rules);
  for (const [i, s] of pol.step_up.entries()) {
    for (const env of s.env) {
      checkEnv(`policy.step_up[${i}]`, env);
      const m = envs.get(env)!.stepUp as Map<Action, number>;
      for (const name of s.actions) for (const a of expandActions(name)) m.set(a, Math.min(m.get(a) ?? Infinity, s.within));
    }
  }
  for (const env of Object.keys(pol.dag_metadata)) checkEnv('policy.dag_metadata', env);
  const allow = pol.allow_list ?? DEFAULT_ALLOW_LIST;
  const requires = new Map<RouteInfo, readonly string[]>();
  for (const v of [2, 3] as const) {
    for (const r of routesFor(v)) {
      for (const route of [r, ...allActionVariants(r)]) {
        requires.set(route, route.requires.map((p) => permKey([p[0], v === 3 ? (AIRFLOW3_RESOURCE_ALIASES[p[1]] ?? p[1]) : p[1]])));
      }
    }
  }
  return {
    roles,
    groupRoles: new Map(Object.entries(cfg.roles)),
    tries: { 2: trieFor(2), 3: trieFor(3) },
    allowLists: { 2: new AllowList(allow, 2), 3: new AllowList(allow, 3) },
    envs,
    maxBody: cfg.max_inspected_body,
    requires,
    permCache: new Map(),
    grantingCache: new Map(),
    cacheSize: Math.max(pol.cache_size, 64),
  };
}
