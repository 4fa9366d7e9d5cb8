import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeMachine } from '../../tokens/index.ts';
import { authenticateMachineCaller } from '../machine-caller.ts';
import type { GatewayServices, RequestState } from '../context.ts';
import { sendJson } from '../respond.ts';
import { actionsNeedingApproval } from '../../approvals/index.ts';
import type { MachinePrincipal } from '../../tokens/index.ts';
import type { Runtime } from '../runtime.ts';

/**
 * GET /.airlock/token/self — what the presented machine credential (an Airlock token or a workload JWT) may do:
 * kind, name, owner, service account, environments, DAG globs, actions, every scope layer, expiry and the actions
 * that need a person's approval. JSON only; counts against the token's rate limit.
 */
export async function tokenSelf(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  const auth = await authenticateMachineCaller(req, svc, rt, rs);
  const out = describeMachine(auth, rt.tokens, svc.now());
  sendJson(res, 200, { ...out, ...approvalFacts(auth.principal.token, rt) });
}

/**
 * The approval part of /.airlock/token/self: the actions held for a person's approval (the token's own list, plus
 * approvals.agent_actions for an agent token, per environment the token may reach) and how holding works.
 */
function approvalFacts(t: MachinePrincipal['token'], rt: Runtime): Record<string, unknown> {
  const forced = rt.config.approvals.agent_actions;
  const byEnv: Record<string, readonly string[]> = {};
  const all = new Set<string>(t?.approvalActions ?? []);
  if (t !== undefined) {
    const envs = t.envs.includes('*') ? Object.keys(rt.config.environments) : t.envs;
    for (const env of envs) {
      const list = actionsNeedingApproval(t, env, forced).filter((a) => t.actions.includes(a));
      if (list.length > 0) byEnv[env] = list;
      for (const a of list) all.add(a);
    }
  }
  return {
    actions_needing_approval: [...all].filter((a) => t === undefined || t.actions.includes(a) || t.approvalActions.includes(a)),
    actions_needing_approval_by_env: byEnv,
    approval: { held_status: 202, expires_in: Math.floor(rt.config.approvals.ttl / 1000), max_body_bytes: rt.config.approvals.max_body },
  };
}
