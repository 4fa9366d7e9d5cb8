import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { CompiledIssuer, CompiledTokens } from './compile.ts';
import { JwksUnavailable, JwtInvalid, JwtIssuerUnknown, JwtUnmapped } from './errors.ts';

/** A workload JWT that passed every check. */
export interface VerifiedWorkload {
  readonly issuer: string;
  /** The value of the issuer's subject_claim. */
  readonly subject: string;
  readonly serviceAccount: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  /** Stable id of this workload (issuer + subject), used as the assertion's sid and the rate-limit key. */
  readonly workloadId: string;
}

/** Header members that would let a token choose its own key: keys come only from the issuer's JWKS. */
const KEY_CARRYING = ['jku', 'jwk', 'x5u', 'x5c'] as const;

/** Three base64url parts separated by dots, the first decoding to a JSON object with "alg": looks like a JWS. */
export function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(value) && value.length <= 16_384;
}

const invalid = (reason: string, logMessage: string, cause?: unknown) => JwtInvalid.create({ details: { reason }, logMessage, ...(cause === undefined ? {} : { cause }) });

/**
 * Verifies an IdP-issued workload JWT and maps it to a service account. Checks, in order: the compact form;
 * `alg` among the issuer's (asymmetric) algorithms before any key is fetched; no key-carrying header; the `iss`
 * is configured; signature with the issuer's JWKS (unknown kid -> one refetch, then a cooldown); `typ` when
 * configured; `iss`; `aud` contains a configured audience; `exp` (required), `nbf`, `iat` (not in the future;
 * max_age) with the clock tolerance; not an ID token (`nonce`); the subject claim; a mapping rule.
 */
export async function verifyWorkloadJwt(jwt: string, tokens: CompiledTokens, now: number): Promise<VerifiedWorkload> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(jwt);
    unverified = decodeJwt(jwt);
  } catch (cause) {
    throw invalid('format', 'bearer JWT cannot be decoded', cause);
  }
  const iss = typeof unverified.iss === 'string' ? unverified.iss : undefined;
  const issuer = iss === undefined ? undefined : tokens.issuers.get(iss);
  if (!issuer) throw JwtIssuerUnknown.create({ details: { reason: 'iss' }, logMessage: `bearer JWT from an issuer not in machine_issuers: ${JSON.stringify(String(iss ?? '(none)').slice(0, 200))}` });
  if (typeof header.alg !== 'string' || !issuer.algorithms.includes(header.alg)) {
    throw invalid('alg', `bearer JWT alg ${JSON.stringify(String(header.alg)).slice(0, 40)} is not allowed for ${issuer.issuer}`);
  }
  for (const k of KEY_CARRYING) if (k in header) throw invalid('header', `bearer JWT header carries ${k}`);
  if (header.crit !== undefined) throw invalid('header', 'bearer JWT header has crit');
  const payload = await verifyWithIssuer(jwt, issuer, now);
  const iat = payload.iat;
  if (typeof iat === 'number' && iat > Math.floor(now / 1000) + issuer.clockTolerance) throw invalid('iat', 'bearer JWT issued in the future');
  if ('nonce' in payload) throw invalid('id_token', 'an ID token (it has a nonce) was presented as a bearer token');
  const subject = payload[issuer.subjectClaim];
  if (typeof subject !== 'string' || subject === '') throw invalid('claims', `bearer JWT has no string ${issuer.subjectClaim} claim`);
  const serviceAccount = mapToServiceAccount(issuer, payload);
  if (serviceAccount === undefined) throw JwtUnmapped.create({ details: { issuer: issuer.issuer, subject }, logMessage: `workload ${subject} of ${issuer.issuer} matches no mapping rule` });
  return {
    issuer: issuer.issuer,
    subject,
    serviceAccount,
    expiresAt: (payload.exp as number) * 1000,
    workloadId: `wl_${createHash('sha256').update(`${issuer.issuer}\u0000${subject}`).digest('base64url').slice(0, 16)}`,
  };
}

async function verifyWithIssuer(jwt: string, issuer: CompiledIssuer, now: number): Promise<JWTPayload> {
  const keys = await issuer.keys();
  try {
    const { payload } = await jwtVerify(jwt, keys, {
      issuer: issuer.issuer,
      audience: [...issuer.audiences],
      algorithms: [...issuer.algorithms],
      clockTolerance: issuer.clockTolerance,
      requiredClaims: ['exp'],
      currentDate: new Date(now),
      ...(issuer.typ !== undefined ? { typ: issuer.typ } : {}),
      ...(issuer.maxAge !== undefined ? { maxTokenAge: issuer.maxAge } : {}),
    });
    return payload;
  } catch (err) {
    throw translate(err, issuer);
  }
}

function translate(err: unknown, issuer: CompiledIssuer): Error {
  const where = `bearer JWT of ${issuer.issuer}`;
  if (err instanceof joseErrors.JWTExpired) return invalid(err.claim === 'iat' ? 'max_age' : 'exp', `${where}: ${err.message}`, err);
  if (err instanceof joseErrors.JWTClaimValidationFailed) return invalid(['aud', 'iss', 'nbf', 'iat', 'typ', 'exp'].includes(err.claim) ? err.claim : 'claims', `${where}: ${err.message}`, err);
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('signature', `${where}: bad signature`, err);
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) return invalid('kid', `${where}: no single key in the JWKS for this kid`, err);
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) return invalid('alg', `${where}: ${err.message}`, err);
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return invalid('format', `${where}: ${err.message}`, err);
  if (err instanceof joseErrors.JWKInvalid) return invalid('kid', `${where}: unusable key`, err);
  // the JWKS could not be fetched or is not a JWKS: fail closed, 503
  if (err instanceof Error && 'code' in err && (err as { code?: unknown }).code === JwksUnavailable.code) return err;
  return JwksUnavailable.create({ cause: err, logMessage: `${where}: JWKS unavailable` });
}

function claimText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** The first rule whose every claim matches one of its values. */
export function mapToServiceAccount(issuer: CompiledIssuer, payload: JWTPayload): string | undefined {
  for (const rule of issuer.rules) {
    const ok = rule.claims.every(({ name, res }) => {
      const v = claimText(payload[name]);
      return v !== undefined && res.some((re) => re.test(v));
    });
    if (ok) return rule.serviceAccount;
  }
  return undefined;
}
