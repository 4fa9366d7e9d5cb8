import type { ScimConfig } from '../../../config/index.ts';
import type { PersonChange } from '../../../scim/index.ts';
import { revokeToken, tokenErrors } from '../../../tokens/index.ts';
import type { GatewayServices } from '../../context.ts';
import type { Runtime } from '../../runtime.ts';

export interface EffectCounts {
  /** People (subjects who signed in) whose access changed. */
  people: number;
  sessionsEnded: number;
  tokensRevoked: number;
}

/**
 * Makes access follow a SCIM change, before the SCIM response is sent (docs/scim.md, "Effects"). The person is
 * found among those who signed in (`users`) by scim.match; for each of their subjects:
 * - deactivated or deleted: every session ends (store first, then the revocation bus: every worker of every host,
 *   as a logout) and every live machine token they own is revoked (each worker re-reads a token within 200 ms);
 * - their SCIM groups changed (or, with `groups: replace`, their record was just created): every session ends, so
 *   the next request signs in again and gets roles from the new groups; the groups their machine tokens act with
 *   (`users.groups`) are updated at once.
 */
export async function applyChanges(svc: GatewayServices, rt: Runtime, cfg: ScimConfig, changes: readonly PersonChange[], requestId: string): Promise<EffectCounts> {
  const counts: EffectCounts = { people: 0, sessionsEnded: 0, tokensRevoked: 0 };
  for (const c of changes) {
    const deprovisioned = !c.active || c.deleted;
    const regrouped = !sameSet(c.groupsBefore, c.groupsAfter) || (c.created && cfg.groups === 'replace');
    if (!deprovisioned && !regrouped) continue;
    const subs = await svc.store.scim.subjectsFor(cfg.match, c.keys);
    for (const sub of subs) {
      counts.people++;
      if (deprovisioned) {
        const reason = c.deleted ? 'scim: user deleted' : 'scim: user deactivated';
        counts.sessionsEnded += (await svc.sessions.revokeMatching({ sub }, reason)).length;
        counts.tokensRevoked += await revokeTokensOf(svc, rt, sub, reason);
      } else {
        counts.sessionsEnded += (await svc.sessions.revokeMatching({ sub }, 'scim: groups changed')).length;
        await regroupTokens(svc, cfg, sub, c);
      }
      svc.log.info({ reqId: requestId, sub, scimUser: c.userId, userName: c.userName, deprovisioned, groups: c.groupsAfter, before: c.groupsBefore }, deprovisioned ? 'scim: person deprovisioned; sessions and tokens ended' : 'scim: groups changed; sessions ended');
    }
  }
  return counts;
}

async function revokeTokensOf(svc: GatewayServices, rt: Runtime, sub: string, reason: string): Promise<number> {
  const now = svc.now();
  const live = await svc.store.tokens.list({ ownerSub: sub, liveAt: now });
  const ctx = { store: svc.store, config: rt.config, by: 'scim', now, audit: async (e: Parameters<GatewayServices['audit']['recordDurable']>[0]) => void (await svc.audit.recordDurable(e)) };
  let n = 0;
  for (const t of live) {
    try {
      n += (await revokeToken(ctx, t.id, reason)).length;
    } catch (err) {
      if (!tokenErrors.TokenNotFound.is(err)) throw err; // revoked meanwhile by someone else
    }
  }
  svc.tokens.forgetOwner(sub);
  return n;
}

/** The groups a person's machine tokens act with follow the SCIM change (replace: the SCIM groups; merge: the change applied). */
async function regroupTokens(svc: GatewayServices, cfg: ScimConfig, sub: string, c: PersonChange): Promise<void> {
  const current = await svc.store.users.get(sub);
  if (current === undefined) return;
  let next: string[];
  if (cfg.groups === 'replace') next = [...c.groupsAfter];
  else {
    const removed = new Set(c.groupsBefore.filter((g) => !c.groupsAfter.includes(g)));
    next = [...new Set([...current.groups.filter((g) => !removed.has(g)), ...c.groupsAfter])];
  }
  await svc.store.scim.setLoginGroups(sub, next);
  svc.tokens.forgetOwner(sub);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const s = new Set(a);
  return s.size === new Set(b).size && b.every((x) => s.has(x));
}
