import type { MfaState } from '../identity/index.ts';
import type { CompiledWebauthn } from './compile.ts';

export interface IdpMfaResult {
  readonly mfa: MfaState;
  /** Why IdP MFA did not count (for the log), when it did not. */
  readonly refused?: 'not_accepted' | 'no_matching_amr_or_acr' | 'no_auth_time' | 'too_old' | 'auth_time_in_future';
}

const FUTURE_TOLERANCE_MS = 60_000;

/**
 * The second factor an IdP login carries: with `webauthn.idp_mfa.accept`, an amr value or acr from the
 * configured lists counts as verified at auth_time, if auth_time is at most `max_age` old. Without auth_time
 * it counts only with `without_auth_time: login_time` (at = the login's time).
 */
export function idpMfaFrom(cfg: CompiledWebauthn, idClaims: Readonly<Record<string, unknown>>, now: number): IdpMfaResult {
  const none: MfaState = Object.freeze({ method: 'none' });
  const c = cfg.idpMfa;
  if (!c.accept) return { mfa: none, refused: 'not_accepted' };
  const amr = Array.isArray(idClaims.amr) ? idClaims.amr.filter((v): v is string => typeof v === 'string') : [];
  const acr = typeof idClaims.acr === 'string' ? idClaims.acr : undefined;
  if (!amr.some((v) => c.amr.has(v)) && !(acr !== undefined && c.acr.has(acr))) return { mfa: none, refused: 'no_matching_amr_or_acr' };
  const authTime = typeof idClaims.auth_time === 'number' && Number.isFinite(idClaims.auth_time) ? idClaims.auth_time * 1000 : undefined;
  if (authTime === undefined) {
    if (c.withoutAuthTime === 'login_time') return { mfa: Object.freeze({ method: 'idp', at: now }) };
    return { mfa: none, refused: 'no_auth_time' };
  }
  if (authTime > now + FUTURE_TOLERANCE_MS) return { mfa: none, refused: 'auth_time_in_future' };
  if (now - authTime > c.maxAge) return { mfa: none, refused: 'too_old' };
  return { mfa: Object.freeze({ method: 'idp', at: Math.min(authTime, now) }) };
}
