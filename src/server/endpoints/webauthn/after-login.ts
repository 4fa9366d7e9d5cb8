import type { Identity } from '../../../identity/index.ts';
import { idpMfaFrom, mustUseKey, sessionVerified, webauthnFor, webauthnRepos, type IdpMfaResult } from '../../../webauthn/index.ts';
import type { GatewayServices } from '../../context.ts';
import type { Runtime } from '../../runtime.ts';

/** The identity of an IdP login with the IdP's MFA (amr / acr, auth_time) applied when config accepts it. */
export function withIdpMfa(rt: Runtime, identity: Identity, idClaims: Readonly<Record<string, unknown>>, now: number): { identity: Identity; idpMfa: IdpMfaResult } {
  const idpMfa = idpMfaFrom(webauthnFor(rt.config), idClaims, now);
  return { identity: idpMfa.mfa.method === 'none' ? identity : Object.freeze({ ...identity, mfa: idpMfa.mfa }), idpMfa };
}

/**
 * Where a fresh login goes: the verify page when the person must use a key (and the IdP's MFA does not
 * count), or has keys and `verify_enrolled_users` is on; otherwise straight back to `returnTo`.
 */
export async function afterLoginTarget(svc: GatewayServices, rt: Runtime, identity: Identity, returnTo: string): Promise<string> {
  // a forced sign-in for a first key returns to the enrol page, which applies the gate itself (login.ts sets
  // such a returnTo; a user-given rd naming a gateway page never survives safeReturnTo)
  if (returnTo.startsWith('/.airlock/webauthn/enroll?')) return returnTo;
  const cfg = webauthnFor(rt.config);
  if (identity.kind !== 'person' || sessionVerified(cfg, identity)) return returnTo;
  const required = mustUseKey(cfg, identity);
  if (!required && !cfg.verifyEnrolledUsers) return returnTo;
  const verify = `/.airlock/webauthn/verify?rd=${encodeURIComponent(returnTo)}`;
  if (required) return verify;
  const keys = (await webauthnRepos(svc.store).credentials.listBySub(identity.sub)).filter((c) => c.disabledAt === null);
  return keys.length > 0 ? verify : returnTo;
}
