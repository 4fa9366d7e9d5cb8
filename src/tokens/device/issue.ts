import { randomBytes } from 'node:crypto';
import type { AirlockConfig } from '../../config/index.ts';
import type { DeviceGrantRow, Store } from '../../store/index.ts';
import { createToken, type IssuedToken, type TokenAudit } from '../admin.ts';

/** The lifetime of a token from `airlock login`: tokens.personal_ttl, never longer than tokens.max_ttl. */
export function personalTtl(cfg: AirlockConfig): number {
  return Math.min(cfg.tokens.personal_ttl, cfg.tokens.max_ttl);
}

/**
 * The person's token of an approved device grant: kind person, owned by the approver, the requested envs and
 * actions on every DAG (the owner's current rights still apply at every request), origin "device". Refused
 * (AIRLOCK_TOKEN_REQUEST_REFUSED) when the approver is no longer active or the scopes are no longer allowed.
 */
export async function issueDeviceToken(store: Store, config: AirlockConfig, grant: DeviceGrantRow, audit: TokenAudit, now: number): Promise<IssuedToken> {
  if (grant.decidedBy === null) throw new TypeError('issueDeviceToken: the grant has no approver');
  return createToken(
    { store, config, audit, by: `device:${grant.clientId}`, now },
    {
      name: `login-${randomBytes(6).toString('hex')}`,
      envs: grant.envs,
      dags: ['*'],
      actions: grant.actions,
      ttl: Math.min(grant.tokenTtl, config.tokens.max_ttl),
      owner: grant.decidedBy,
      kind: 'person',
      origin: 'device',
    },
  );
}
