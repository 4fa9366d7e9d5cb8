import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type * as oidc from 'openid-client';
import { IdpUnavailable } from './errors.ts';
import { LogoutTokenInvalid } from './logout-errors.ts';
import { safeCause } from './safe-cause.ts';

/** OIDC Back-Channel Logout 1.0, 2.4: the event a logout token must carry. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token's `iat` may lie this far in the past (plus the clock tolerance): it is sent right when the IdP session ends. */
export const MAX_LOGOUT_TOKEN_AGE_S = 300;
const MAX_TOKEN_LENGTH = 16 * 1024;
/** Signature algorithms a logout token may use: asymmetric only (never "none", never HMAC with the client secret). */
const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);
/** The JWT "typ" values a logout token may carry (Back-Channel Logout 1.0, 4.1: explicitly typed "logout+jwt"). */
const TYPES = new Set(['logout+jwt', 'application/logout+jwt', 'jwt']);

/** A verified logout token: who to sign out (`sid` and/or `sub`), and the `jti` the caller checks for replay. */
export interface LogoutClaims {
  readonly iss: string;
  readonly sub?: string;
  readonly sid?: string;
  readonly jti: string;
  readonly iat: number;
  /** Epoch seconds; absent when the IdP sends none. */
  readonly exp?: number;
}

export interface LogoutTokenOptions {
  readonly clientId: string;
  /** idp.timeout (ms), for the JWKS fetch. */
  readonly timeoutMs: number;
  /** idp.clock_tolerance (s). */
  readonly clockToleranceS: number;
  readonly now?: () => number;
}

/**
 * Verifies back-channel logout tokens (OIDC Back-Channel Logout 1.0, 2.6) like ID tokens: a compact JWS signed with
 * an asymmetric algorithm the IdP advertises for ID tokens, by a key of its JWKS; `iss` = the issuer, `aud` = the
 * client id, `iat` present and not in the future nor older than MAX_LOGOUT_TOKEN_AGE_S, `exp` when present; then
 * an `events` object with the back-channel logout member, no `nonce`, a `sub` or a `sid` (or both), and a `jti`.
 * The JWKS is cached 10 minutes; an unknown kid refetches it at most every 30 s (tokens arrive from outside, so a
 * flood of random kids must not become a flood of JWKS requests). Every refusal is
 * AIRLOCK_IDENTITY_LOGOUT_TOKEN_INVALID with `details.check`; a JWKS that cannot be read is IDP_UNAVAILABLE.
 */
export class LogoutTokenVerifier {
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly #algorithms: string[];
  readonly #issuer: string;
  readonly #opts: LogoutTokenOptions;

  constructor(metadata: oidc.ServerMetadata, opts: LogoutTokenOptions) {
    if (!metadata.jwks_uri) throw new TypeError('LogoutTokenVerifier: the IdP metadata has no jwks_uri');
    if (typeof opts?.clientId !== 'string' || opts.clientId === '') throw new TypeError('LogoutTokenVerifier: clientId is required');
    this.#jwks = createRemoteJWKSet(new URL(metadata.jwks_uri), { cacheMaxAge: 600_000, cooldownDuration: 30_000, timeoutDuration: Math.ceil(opts.timeoutMs) });
    this.#algorithms = (metadata.id_token_signing_alg_values_supported ?? ['RS256']).filter((a) => ASYMMETRIC.has(a));
    if (this.#algorithms.length === 0) throw new TypeError('LogoutTokenVerifier: the IdP advertises no asymmetric ID token signing algorithm');
    this.#issuer = metadata.issuer;
    this.#opts = opts;
  }

  async verify(token: unknown): Promise<LogoutClaims> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw refused('format', 'the logout token is empty or too long');
    if (token.split('.').length !== 3) throw refused('format', 'the logout token is not a compact JWS (encrypted logout tokens are not supported)');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch (err) {
      throw refused('header', 'the header is not decodable', err);
    }
    if (typeof header.alg !== 'string' || !this.#algorithms.includes(header.alg)) {
      throw refused('alg', `alg ${JSON.stringify(String(header.alg).slice(0, 20))} is not one of ${this.#algorithms.join(', ')}`);
    }
    if (header.typ !== undefined && (typeof header.typ !== 'string' || !TYPES.has(header.typ.toLowerCase()))) {
      throw refused('typ', `typ ${JSON.stringify(String(header.typ).slice(0, 40))} is not logout+jwt`);
    }
    const tolerance = this.#opts.clockToleranceS;
    const nowMs = (this.#opts.now ?? Date.now)();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        algorithms: this.#algorithms,
        issuer: this.#issuer,
        audience: this.#opts.clientId,
        clockTolerance: tolerance,
        currentDate: new Date(nowMs),
      }));
    } catch (err) {
      throw verifyError(err);
    }
    const iat = payload.iat;
    const now = Math.floor(nowMs / 1000);
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw refused('iat', 'iat is missing or not a number');
    if (iat > now + tolerance) throw refused('iat_future', `iat is ${iat - now} s in the future (clock_tolerance ${tolerance} s)`);
    if (iat < now - MAX_LOGOUT_TOKEN_AGE_S - tolerance) throw refused('iat_too_old', `iat is ${now - iat} s in the past (at most ${MAX_LOGOUT_TOKEN_AGE_S} s + clock_tolerance)`);
    const events = payload.events;
    if (events === null || typeof events !== 'object' || Array.isArray(events) || !Object.hasOwn(events, BACKCHANNEL_LOGOUT_EVENT)) {
      throw refused('events', `there is no events object with the member ${BACKCHANNEL_LOGOUT_EVENT}`);
    }
    const event = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT];
    if (event === null || typeof event !== 'object' || Array.isArray(event)) throw refused('events', 'the back-channel logout event is not a JSON object');
    if (Object.hasOwn(payload, 'nonce')) throw refused('nonce', 'a logout token must not carry a nonce (an ID token is not a logout token)');
    const sub = payload.sub;
    const sid = (payload as { sid?: unknown }).sid;
    if (sub !== undefined && (typeof sub !== 'string' || sub === '')) throw refused('sub', 'sub is not a non-empty string');
    if (sid !== undefined && (typeof sid !== 'string' || sid === '' || sid.length > 512)) throw refused('sid', 'sid is not a non-empty string');
    if (sub === undefined && sid === undefined) throw refused('sub_sid', 'the token names neither sub nor sid');
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti === '' || jti.length > 256) throw refused('jti', 'jti is missing or not a short string');
    return {
      iss: this.#issuer,
      ...(sub === undefined ? {} : { sub }),
      ...(sid === undefined ? {} : { sid: sid as string }),
      jti,
      iat,
      ...(typeof payload.exp === 'number' ? { exp: payload.exp } : {}),
    };
  }
}

function refused(check: string, why: string, cause?: unknown) {
  return LogoutTokenInvalid.create({
    ...(cause === undefined ? {} : { cause: safeCause(cause) }),
    message: `The logout token was refused (check "${check}").`,
    logMessage: `logout token check "${check}" failed: ${why}`,
    details: { check },
  });
}

/** jose's failures by their stable codes (never their text). */
function verifyError(err: unknown) {
  const e = err as { code?: string; claim?: string; name?: string };
  switch (e.code) {
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JOSE_GENERIC':
      return IdpUnavailable.create({ cause: safeCause(err), logMessage: `the IdP JWKS (jwks_uri) could not be read: ${e.code}`, details: { reason: 'jwks' } });
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return refused('kid', 'no IdP key matches the token header', err);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return refused('signature', `${e.code}`, err);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return refused('alg', `${e.code}`, err);
    case 'ERR_JWT_EXPIRED':
      return refused('exp', 'the token is expired', err);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = typeof e.claim === 'string' && /^[a-z_]{1,20}$/.test(e.claim) ? e.claim : 'claims';
      return refused(claim, `claim "${claim}" has an unexpected value`, err);
    }
  }
  // undici's "fetch failed" reading the JWKS: a TypeError without a code
  if (err instanceof TypeError && e.code === undefined) {
    return IdpUnavailable.create({ cause: safeCause(err), logMessage: 'the IdP JWKS (jwks_uri) could not be read', details: { reason: 'jwks' } });
  }
  return refused('unexpected', `verification failed unexpectedly (${e.code ?? e.name})`, err);
}
