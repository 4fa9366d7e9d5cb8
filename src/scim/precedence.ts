import type { ScimConfig } from '../config/index.ts';
import type { Identity, RoleMapper } from '../identity/index.ts';
import type { ScimMatch, Store } from '../store/index.ts';
import { ScimUserInactive } from './errors.ts';

/** The key a signed-in person is matched by (config scim.match): their username, email or subject. */
export function matchKeyOf(identity: Pick<Identity, 'sub' | 'username' | 'email'>, match: ScimMatch): string | undefined {
  if (match === 'userName') return identity.username;
  if (match === 'email') return identity.email;
  return identity.sub;
}

/**
 * The SCIM data as a source of groups, at sign-in and at each claims refresh (docs/scim.md, "Precedence"):
 * - no `scim:` config, or no SCIM record matches the person: the identity as the token gave it;
 * - a record that is deactivated (`active: false`) or deleted: AIRLOCK_SCIM_USER_INACTIVE (403), nobody signs in;
 * - an active record: the groups are the record's SCIM groups (`scim.groups: replace`, the default), or the
 *   token's and the SCIM groups together (`merge`); roles are derived again from them.
 */
export async function applyScim(store: Store, cfg: ScimConfig | undefined, roles: RoleMapper, identity: Identity): Promise<Identity> {
  if (cfg === undefined) return identity;
  const key = matchKeyOf(identity, cfg.match);
  if (key === undefined || key === '') return identity;
  const rec = await store.scim.findForLogin(cfg.match, key);
  if (rec === undefined) return identity;
  if (!rec.active) {
    throw ScimUserInactive.create({ logMessage: `SCIM record ${rec.id} of ${identity.username} is ${rec.deleted ? 'deleted' : 'deactivated'}`, details: { reason: rec.deleted ? 'deleted' : 'deactivated' } });
  }
  const groups = cfg.groups === 'replace' ? [...rec.groups] : [...new Set([...identity.groups, ...rec.groups])];
  return Object.freeze({ ...identity, groups: Object.freeze(groups), roles: Object.freeze(roles.rolesFor(groups)) });
}
