import type { IdpConfig } from '../config/index.ts';
import type { Identity } from './identity.ts';
import { claimGroups, claimString, readClaim } from './claims.ts';
import { ClaimMissing, GroupsNotInToken } from './errors.ts';
import type { RoleMapper } from './map-roles.ts';

/**
 * Builds the Identity from the verified ID token claims, (optionally) userinfo and (optionally) the claims
 * resolved from distributed claim sources at sign-in (resolveDistributedGroups).
 * Userinfo wins for profile attributes; the subject always comes from the ID token.
 */
export function mapIdentity(
  idClaims: Readonly<Record<string, unknown>>,
  userinfo: Readonly<Record<string, unknown>> | undefined,
  claims: IdpConfig['claims'],
  roles: RoleMapper,
  resolved?: Readonly<Record<string, unknown>>,
): Identity {
  const merged: Record<string, unknown> = { ...idClaims, ...(userinfo ?? {}), ...(resolved ?? {}) };
  const sub = claimString(idClaims, claims.subject);
  if (!sub) throw ClaimMissing.create({ logMessage: `ID token has no subject claim "${claims.subject}"`, details: { claim: claims.subject } });
  const username = claimString(merged, claims.username) ?? claimString(merged, 'email') ?? sub;
  if (readClaim(merged, claims.groups) === undefined) {
    const why = groupsLeftOut(merged, claims.groups);
    if (why) throw GroupsNotInToken.create({ logMessage: why, details: { claim: claims.groups } });
  }
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

/**
 * Why the groups claim is absent when the IdP says it left it out on purpose, else undefined: a distributed or
 * aggregated claim (`_claim_names` names it, OIDC Core 5.6.2; Entra ID does this above 200 groups, "group
 * overage") that could not be resolved (its source has no endpoint, or idp.claims.groups is a dotted path into
 * it), or Entra's `hasgroups: true` (no source at all). Signing such a person in with no groups would show a
 * "no role" page that blames their groups; the login is refused with the fix instead.
 */
function groupsLeftOut(claims: Readonly<Record<string, unknown>>, groupsClaim: string): string | undefined {
  const names = claims._claim_names;
  const top = groupsClaim.includes('.') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(groupsClaim) ? groupsClaim.split('.')[0]! : groupsClaim;
  const distributed = names !== null && typeof names === 'object' && !Array.isArray(names) && (Object.hasOwn(names, groupsClaim) || Object.hasOwn(names, top));
  if (!distributed && claims.hasgroups !== true) return undefined;
  const how = distributed
    ? 'named in _claim_names, but with no _claim_sources endpoint Airlock can call for exactly that claim name'
    : 'hasgroups: true, with no source to read them from';
  return (
    `the IdP left the "${groupsClaim}" claim out of the token (${how}; Entra ID does this above 200 groups, "group overage"). ` +
    'Make the IdP send fewer groups: in Entra ID, Token configuration -> groups claim -> "Groups assigned to the application" ' +
    '(and assign the Airflow groups to the enterprise app), or send app roles and set idp.claims.groups: roles'
  );
}
