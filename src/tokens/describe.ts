import type { CompiledTokens } from './compile.ts';
import type { MachineAuth } from './token-service.ts';

/**
 * What a machine caller may do, for GET /.airlock/token/self: an agent or script plans with this instead of
 * trial and error. `scopes` lists every ceiling the gateway applies (the token's own, its service account's);
 * a request must fit all of them AND the owner's (or service account's) current rights in the policy.
 */
export function describeMachine(auth: MachineAuth, tokens: CompiledTokens, now: number): Record<string, unknown> {
  const p = auth.principal;
  const t = p.token;
  const id = p.identity;
  const sa = id.machine?.serviceAccount === undefined ? undefined : tokens.serviceAccounts.get(id.machine.serviceAccount);
  return {
    kind: id.kind,
    name: t?.name ?? sa?.name ?? id.username,
    id: id.tokenId ?? null,
    credential: t ? 'airlock_token' : 'workload_jwt',
    owner: t?.owner ? { sub: t.owner.sub, username: t.owner.username } : null,
    service_account: id.machine?.serviceAccount ?? null,
    workload: p.workload ? { issuer: p.workload.issuer, subject: p.workload.subject } : null,
    acts_as: { sub: id.sub, username: id.username, roles: id.roles, groups: id.groups },
    envs: intersect(p.layers.map((l) => l.envs)),
    dags: p.layers.length === 1 ? p.layers[0]!.dags : null,
    actions: intersect(p.layers.map((l) => l.actions)),
    scopes: p.layers.map((l) => ({ source: l.source, label: l.label, envs: l.envs, dags: l.dags, actions: l.actions })),
    rights: p.rights.message,
    actions_needing_approval: t?.approvalActions ?? [],
    created_at: t ? new Date(t.createdAt).toISOString() : null,
    expires_at: new Date(auth.expiresAt).toISOString(),
    expires_in: Math.max(0, Math.floor((auth.expiresAt - now) / 1000)),
    rate_limit: { per_second: tokens.rate.perSecond, burst: tokens.rate.burst, per: 'worker' },
  };
}

/** Values every list allows ("*" allows all). */
function intersect(lists: readonly (readonly string[])[]): readonly string[] {
  const concrete = lists.filter((l) => !l.includes('*'));
  if (concrete.length === 0) return ['*'];
  return concrete.reduce((acc, l) => acc.filter((x) => l.includes(x)));
}
