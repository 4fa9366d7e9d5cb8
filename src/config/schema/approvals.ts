import { z } from 'zod';
import { ALWAYS, duration } from './common.ts';
import { TOKEN_ACTIONS } from './tokens.ts';

/**
 * `approvals:` (docs/machine-identities.md, "AI agents under human oversight"): requests of a token that need a
 * person's approval are held, stored verbatim up to `max_body`, and performed once a person approves.
 */
const action = z.enum(TOKEN_ACTIONS, { error: `must be one of ${TOKEN_ACTIONS.join(', ')}` });

export const approvalsSchema = z
  .strictObject({
    /** How long a held request waits for a decision; after that it cannot be approved. */
    ttl: duration.default(15 * 60_000),
    /** Largest body a held request may carry (bytes); larger: 413 AIRLOCK_APPROVAL_BODY_TOO_LARGE. */
    max_body: z.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
    /** Bytes of the upstream's answer kept for the requester's status URL (longer answers are cut). */
    max_response: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
    /** How recent the approver's security-key confirmation must be. */
    step_up_within: duration.default(5 * 60_000),
    /** May the person who owns an agent token approve that agent's requests? (A personal token's owner never may.) */
    owner_may_approve: z.boolean().default(false),
    /** Per environment: actions every agent token's requests need approval for, whatever the token says. */
    agent_actions: z.record(z.string().min(1), z.array(action).min(1)).default({}),
  })
  .superRefine((v, ctx) => {
    if (typeof v.ttl === 'number' && (v.ttl < 60_000 || v.ttl > 7 * 86_400_000)) ctx.addIssue({ code: 'custom', path: ['ttl'], message: 'must be between 1m and 7d' });
    if (typeof v.step_up_within === 'number' && (v.step_up_within < 10_000 || v.step_up_within > 3_600_000)) ctx.addIssue({ code: 'custom', path: ['step_up_within'], message: 'must be between 10s and 1h' });
  }, ALWAYS);

export const approvalSections = {
  approvals: approvalsSchema.prefault({}),
};

export type ApprovalsConfig = z.infer<typeof approvalsSchema>;

/** approvals.agent_actions must name configured environments. */
export function checkApprovalReferences(cfg: { approvals?: unknown; environments?: unknown }, ctx: z.RefinementCtx): void {
  const envs = cfg.environments !== null && typeof cfg.environments === 'object' ? new Set(Object.keys(cfg.environments)) : undefined;
  const a = cfg.approvals as { agent_actions?: unknown } | undefined;
  if (!envs || a?.agent_actions === null || typeof a?.agent_actions !== 'object') return;
  for (const env of Object.keys(a.agent_actions as object)) {
    if (!envs.has(env)) ctx.addIssue({ code: 'custom', path: ['approvals', 'agent_actions', env], message: `unknown environment "${env}"` });
  }
}
