import type { Identity } from '../identity/index.ts';
import type { CompiledWebauthn } from './compile.ts';

/** Whether config requires this person to use a security key (by role or IdP group). Machines never. */
export function mustUseKey(cfg: CompiledWebauthn, identity: Pick<Identity, 'kind' | 'roles' | 'groups'>): boolean {
  if (identity.kind !== 'person') return false;
  return identity.roles.some((r) => cfg.requiredRoles.has(r)) || identity.groups.some((g) => cfg.requiredGroups.has(g));
}

/** Whether the session's second factor counts: a WebAuthn assertion, or IdP MFA when that is accepted. */
export function sessionVerified(cfg: CompiledWebauthn, identity: Pick<Identity, 'mfa'>): boolean {
  if (identity.mfa.method === 'webauthn') return identity.mfa.at !== undefined;
  if (identity.mfa.method === 'idp') return cfg.idpMfa.accept && identity.mfa.at !== undefined;
  return false;
}

/**
 * The enrolment / verification gate after authentication: 'verify' when this person must use a key and the
 * session has no accepted second factor yet (they are sent to /.airlock/webauthn/verify), else undefined.
 */
export function gateFor(cfg: CompiledWebauthn, identity: Identity): 'verify' | undefined {
  if (!mustUseKey(cfg, identity)) return undefined;
  return sessionVerified(cfg, identity) ? undefined : 'verify';
}

/**
 * Whether a second factor is fresh enough (within `manage_within`) for key management: a WebAuthn assertion
 * (not with `excludeCredential`, the key being removed) or accepted IdP MFA; with `allowIdpLogin` also a
 * fresh IdP login alone. Removing a key accepts a fresh IdP login; ADDING one does not (a password alone
 * must never be enough to add a key to an account that has one).
 */
export function freshForManagement(
  cfg: CompiledWebauthn,
  identity: Identity,
  now: number,
  opts: { readonly excludeCredential?: string; readonly allowIdpLogin: boolean },
): boolean {
  const m = identity.mfa;
  if (m.method === 'webauthn' && m.at !== undefined && now - m.at <= cfg.manageWithin && m.credentialId !== opts.excludeCredential) return true;
  if (m.method === 'idp' && cfg.idpMfa.accept && m.at !== undefined && now - m.at <= cfg.manageWithin) return true;
  return opts.allowIdpLogin && identity.authTime !== undefined && now - identity.authTime <= cfg.manageWithin;
}

/**
 * A person without a key registers the first one on the strength of their IdP sign-in alone, so that sign-in
 * (`idpLoginAt`: the ID token's auth_time, or when the login completed; undefined when the session did not
 * come from an IdP login) must be within `manage_within`. Otherwise they sign in again first (forced:
 * prompt=login, max_age=0).
 */
export function firstKeyLoginFresh(cfg: CompiledWebauthn, idpLoginAt: number | undefined, now: number): boolean {
  return idpLoginAt !== undefined && now - idpLoginAt <= cfg.manageWithin;
}

/**
 * The second factor a first-key enrolment gives the session: verified with that key, but only as of the IdP
 * sign-in it rests on, never fresher. So it satisfies a step-up only when that sign-in is within the
 * step-up's `within`; a later assertion with the key counts from its own time.
 */
export function firstKeyMfaAt(idpLoginAt: number, now: number): number {
  return Math.min(idpLoginAt, now);
}
