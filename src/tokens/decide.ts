import { decide, type Classification, type CompiledPolicy, type DecideContext, type Decision, type Reason } from '../policy/index.ts';
import type { MachinePrincipal } from './principal.ts';
import { checkScope } from './scope.ts';

/**
 * The decision for a machine caller: the request must fit every scope layer (the token's scopes, the service
 * account's ceiling), AND the policy must allow it for the principal's subject (the owner's current rights, or
 * the service account's role and rules). A step-up (security key) cannot be given by a machine: it is a deny.
 * The reasons name whose rights were weighed and the scope that allowed or refused.
 */
export function decideForMachine(policy: CompiledPolicy, p: MachinePrincipal, env: string, c: Classification, ctx: DecideContext): Decision {
  if (c.allowListed) return decide(policy, p.subject, env, c, ctx);
  const scope = checkScope(p.layers, env, c);
  if (!scope.ok) {
    return { effect: 'deny', reasons: [p.rights, scope.reason], resource: c.resource, action: c.action, dagIds: [...c.dagIds], grantingGroups: [], route: c.route?.id ?? null };
  }
  const d = decide(policy, p.subject, env, c, ctx);
  const reasons: Reason[] = [p.rights, ...scope.reasons, ...d.reasons];
  if (d.effect === 'step_up') {
    reasons.push({ code: 'machine_step_up', message: `${c.action} in ${env} needs a person's security key; ${p.identity.username} is a machine identity and cannot give one` });
    return { effect: 'deny', reasons, resource: d.resource, action: d.action, dagIds: d.dagIds, grantingGroups: [], route: d.route };
  }
  return { ...d, reasons };
}
