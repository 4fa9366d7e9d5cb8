import type { RouteInfo } from './catalogue/index.ts';
import type { CompiledEnv, CompiledPolicy } from './compile.ts';
import { DAG_PATTERN_PARAMS } from './lists.ts';
import type { CompiledRule, RuleOutcome } from './rules.ts';
import type { Classification, DecideContext, Decision, Reason, Subject } from './types.ts';

const ruleRef = (r: CompiledRule) => ({ id: r.id, name: r.name });

function bounded<K, V>(m: Map<K, V>, size: number, k: K, v: V): V {
  if (m.size >= size) m.delete(m.keys().next().value as K);
  m.set(k, v);
  return v;
}

/** The permission keys a set of roles holds ('all' for Admin-like roles). Cached per role list. */
function permsOf(p: CompiledPolicy, roles: readonly string[]): ReadonlySet<string> | 'all' {
  const key = roles.length === 1 ? roles[0]! : roles.join('\u0000');
  const hit = p.permCache.get(key);
  if (hit) return hit;
  let out: Set<string> | 'all' = new Set();
  for (const r of roles) {
    if (p.roles.all.has(r)) {
      out = 'all';
      break;
    }
    for (const k of p.roles.perms.get(r) ?? []) out.add(k);
  }
  return bounded(p.permCache, p.cacheSize, key, out);
}

/** IdP groups whose roles (via cfg.roles) hold every permission the route needs. */
export function grantingGroups(p: CompiledPolicy, route: RouteInfo): string[] {
  const hit = p.grantingCache.get(route);
  if (hit) return hit;
  const need = p.requires.get(route);
  const out: string[] = [];
  if (need === undefined || route.denied !== undefined) return bounded(p.grantingCache, p.cacheSize, route, out);
  for (const [group, roles] of p.groupRoles) {
    const perms = permsOf(p, roles);
    if (perms === 'all' || need.every((k) => perms.has(k))) out.push(group);
  }
  return bounded(p.grantingCache, p.cacheSize, route, out);
}

const deny = (c: Classification, reasons: Reason[], grants: string[] = []): Decision => ({
  effect: 'deny', reasons, resource: c.resource, action: c.action, dagIds: [...c.dagIds], grantingGroups: grants, route: c.route?.id ?? null,
});

function ruleReasons(o: RuleOutcome, dagId: string, action: string): Reason[] {
  switch (o.kind) {
    case 'deny':
      return o.rules.map((r) => ({ code: 'rule_deny', rule: ruleRef(r), message: `rule ${r.id} denies ${action} on DAG ${dagId}` }));
    case 'restricted':
      return o.rules.map((r) => ({ code: 'rule_not_allowed', rule: ruleRef(r), message: `rule ${r.id} allows ${action} on DAG ${dagId} only to others` }));
    case 'metadata_unavailable':
      return o.rules.map((r) => ({ code: 'dag_metadata_unavailable', rule: ruleRef(r), message: `rule ${r.id} selects by tags/owners and DAG ${dagId} has no fresh metadata` }));
    case 'allow':
      return o.rules.map((r) => ({ code: 'rule_allow', rule: ruleRef(r), message: `rule ${r.id} allows ${action} on DAG ${dagId}` }));
    case 'none':
      return [];
  }
}

function groupsFromRules(rules: readonly CompiledRule[], action: Classification['action']): string[] {
  const out = new Set<string>();
  for (const r of rules) for (const g of r.allow.get(action)?.groups ?? []) out.add(g);
  return [...out];
}

/** A stable key of everything rules look at in a subject (caches per subject use it). */
export function subjectKey(s: Subject): string {
  return `${s.kind}\u0001${s.username}\u0001${s.email ?? ''}\u0001${s.groups.join('\u0002')}\u0001${s.roles.join('\u0002')}`;
}

/**
 * The one pure decision: role permissions (Airflow's tuples) first, then the environment's per-DAG rules
 * (deny wins; an allow list for an action admits only those it names), then step-up freshness.
 */
export function decide(policy: CompiledPolicy, subject: Subject, env: string, c: Classification, ctx: DecideContext): Decision {
  const e: CompiledEnv | undefined = policy.envs.get(env);
  if (!e) return deny(c, [{ code: 'unknown_environment', message: `environment ${env} is not configured` }]);
  if (c.airflow !== e.airflow) return deny(c, [{ code: 'airflow_version_mismatch', message: `request was classified for Airflow ${c.airflow}, environment ${env} runs Airflow ${e.airflow}` }]);
  if (c.allowListed) {
    return { effect: 'allow', reasons: [{ code: 'allow_list', message: `${c.target.method} ${c.target.path} is on the allow-list` }], resource: c.resource, action: c.action, dagIds: [...c.dagIds], grantingGroups: [], route: c.route?.id ?? null };
  }
  const route = c.route;
  const need = route ? policy.requires.get(route) : undefined;
  if (!route || !need) return deny(c, [{ code: 'unknown_route', message: `${c.target.method} ${c.target.path} is not a known Airflow ${c.airflow} route` }]);
  // Airflow refuses these to every role, Admin included: no role table can grant them
  if (route.denied !== undefined) return deny(c, [{ code: 'denied_by_airflow', message: `Airflow ${c.airflow} refuses ${route.operationId} to everyone: ${route.denied}` }]);

  const perms = permsOf(policy, subject.roles);
  if (perms !== 'all') {
    const missing = need.filter((k) => !perms.has(k));
    if (missing.length > 0) {
      const roles = subject.roles.length ? subject.roles.join(', ') : 'no role';
      return deny(c, missing.map((k) => ({ code: 'role_missing_permission', message: `${roles}: lacks ${k.replace('|', ' on ')}` })), grantingGroups(policy, route));
    }
  }
  const allowReasons: Reason[] = [{ code: 'role', message: `${subject.roles.join(', ') || 'no role'} holds every permission ${route.operationId} needs` }];

  let upstreamFilter = false;
  if (route.dagSource !== 'none' || c.list?.dagScoped) {
    const action = c.action;
    if (c.allDags || c.dagIds.length === 0) {
      const blocking = e.rules.restrictingAny(subject, action, subjectKey(subject));
      if (blocking.length > 0) {
        if (c.list?.filtered && action === 'read' && e.airflowFiltersDags) {
          // Airflow answers with the permitted DAGs only, and its integration applies these rules (dag_rules claim)
          upstreamFilter = true;
          allowReasons.push(...blocking.map((r) => ({ code: 'airflow_filters_list', rule: ruleRef(r), message: `rule ${r.id} restricts ${action} on some DAGs; Airflow lists only the DAGs it allows (airflow_filters_dags)` })));
        } else {
          const pattern = DAG_PATTERN_PARAMS.find((p) => c.target.query.has(p));
          const how = pattern ? `selects DAGs by ${pattern}, which cannot be checked per DAG,` : 'acts on every DAG';
          return deny(c, blocking.map((r) => ({ code: 'all_dags_required', rule: ruleRef(r), message: `the request ${how} and rule ${r.id} restricts ${action}` })), groupsFromRules(blocking, action));
        }
      }
    }
    for (const dagId of c.dagIds) {
      const o = e.rules.evaluate(subject, dagId, action, ctx.now, ctx.dagMetadata);
      if (o.kind === 'deny' || o.kind === 'restricted' || o.kind === 'metadata_unavailable') {
        return deny(c, ruleReasons(o, dagId, action), o.kind === 'restricted' ? groupsFromRules(o.rules, action) : []);
      }
      if (o.kind === 'allow') allowReasons.push(...ruleReasons(o, dagId, action));
    }
  }

  const within = e.stepUp.get(c.action);
  if (within !== undefined) {
    const at = subject.mfa.method === 'none' ? undefined : subject.mfa.at;
    if (at === undefined || ctx.now - at > within) {
      return {
        effect: 'step_up', resource: c.resource, action: c.action, dagIds: [...c.dagIds], grantingGroups: [], route: route.id, stepUpWithin: within,
        ...(upstreamFilter ? { upstreamFilter: true as const } : {}),
        reasons: [...allowReasons, { code: 'step_up_required', message: `${c.action} in ${env} needs a second factor from the last ${Math.round(within / 1000)}s` }],
      };
    }
  }
  return {
    effect: 'allow', reasons: allowReasons, resource: c.resource, action: c.action, dagIds: [...c.dagIds], grantingGroups: [], route: route.id,
    ...(upstreamFilter ? { upstreamFilter: true as const } : {}),
  };
}

/** The freshness (ms) a second factor needs for this action in this environment, or undefined. */
export function stepUpPolicyFor(policy: CompiledPolicy, env: string, action: Classification['action']): number | undefined {
  return policy.envs.get(env)?.stepUp.get(action);
}
