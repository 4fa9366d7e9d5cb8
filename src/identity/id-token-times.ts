import { IdTokenInvalid } from './errors.ts';

/**
 * How far in the past an ID token's `iat` may lie (plus the clock tolerance). An ID token reaches Airlock only
 * from the token endpoint, minted when the authorization code is redeemed (or at the latest when the code was
 * issued, and RFC 6749 4.1.2 recommends codes live at most 10 minutes): anything older is a replayed or
 * cached token, not a fresh sign-in.
 */
export const MAX_ID_TOKEN_AGE_S = 600;

/**
 * openid-client checks `exp` (and `nbf`) but only the type of `iat`. Refuses an `iat` that is missing, not a
 * finite number, in the future beyond `toleranceS` (a token from a clock that runs ahead, or a forged one), or
 * older than MAX_ID_TOKEN_AGE_S + `toleranceS`. The failed check is `details.check` (client-safe).
 */
export function checkIssuedAt(claims: Readonly<Record<string, unknown>>, nowMs: number, toleranceS: number): void {
  const iat = claims.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw IdTokenInvalid.create({ logMessage: 'ID token check "iat" failed: the claim is missing or not a number', details: { check: 'iat' } });
  }
  const now = Math.floor(nowMs / 1000);
  if (iat > now + toleranceS) {
    throw IdTokenInvalid.create({
      logMessage: `ID token check "iat_future" failed: iat is ${iat - now} s in the future (clock_tolerance ${toleranceS} s); check the clocks of the IdP and this host`,
      details: { check: 'iat_future' },
    });
  }
  if (iat < now - MAX_ID_TOKEN_AGE_S - toleranceS) {
    throw IdTokenInvalid.create({
      logMessage: `ID token check "iat_too_old" failed: iat is ${now - iat} s in the past (at most ${MAX_ID_TOKEN_AGE_S} s + clock_tolerance ${toleranceS} s)`,
      details: { check: 'iat_too_old' },
    });
  }
}
