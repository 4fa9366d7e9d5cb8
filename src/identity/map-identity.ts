import type { IdpConfig } from '../config/index.ts';
import type { Identity } from './identity.ts';
import { claimGroups, claimString } from './claims.ts';
import { ClaimMissing } from './errors.ts';
import type { RoleMapper } from './map-roles.ts';

/**
 * Builds the Identity from the verified ID token claims and (optionally) userinfo.
 * Userinfo wins for profile attributes; the subject always comes from the ID token.
 */
export function mapIdentity(
  idClaims: Readonly<Record<string, unknown>>,
  userinfo: Readonly<Record<string, unknown>> | undefined,
  claims: IdpConfig['claims'],
  roles: RoleMapper,
): Identity {
  const merged: Record<string, unknown> = { ...idClaims, ...(userinfo ?? {}) };
  const sub = claimString(idClaims, claims.subject);
  if (!sub) throw ClaimMissing.create({ logMessage: `ID token has no subject claim "${claims.subject}"`, details: { claim: claims.subject } });
  const username = claimString(merged, claims.username) ?? claimString(merged, 'email') ?? sub;
  const groups = claimGroups(merged, claims.groups);
  const authTime = typeof idClaims.auth_time === 'number' ? idClaims.auth_time * 1000 : undefined;
  return Object.freeze({
    kind: 'person' as const,
    sub,
    username,
    email: claimString(merged, claims.email),
    name: claimString(merged, claims.name),
    groups: Object.freeze(groups),
    roles: Object.freeze(roles.rolesFor(groups)),
    mfa: Object.freeze({ method: 'none' as const }),
    ...(authTime === undefined ? {} : { authTime }),
  });
}
