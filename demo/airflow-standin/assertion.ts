import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export type AssertionCheck =
  | { ok: true; claims: JWTPayload }
  | { ok: false; reason: 'missing' | 'invalid' };

const MAX_LIFETIME_SECONDS = 300;

/**
 * Verifies X-Airlock-Assertion the way Airflow with the Airlock integration does: ES256, key from the
 * gateway's JWKS by kid, iss and aud pinned, exp required and at most 5 minutes after iat.
 */
export function createAssertionVerifier(opts: { jwksUrl: string; issuer: string; audience: string }) {
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl), { cacheMaxAge: 60_000, cooldownDuration: 1_000 });
  return async function verify(headerValues: string[]): Promise<AssertionCheck> {
    if (headerValues.length === 0) return { ok: false, reason: 'missing' };
    // A repeated header is ambiguous: refuse rather than pick one.
    if (headerValues.length > 1) return { ok: false, reason: 'invalid' };
    try {
      const { payload } = await jwtVerify(headerValues[0] as string, jwks, {
        algorithms: ['ES256'],
        issuer: opts.issuer,
        audience: opts.audience,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      if ((payload.exp as number) - (payload.iat as number) > MAX_LIFETIME_SECONDS) return { ok: false, reason: 'invalid' };
      return { ok: true, claims: payload };
    } catch {
      return { ok: false, reason: 'invalid' };
    }
  };
}
