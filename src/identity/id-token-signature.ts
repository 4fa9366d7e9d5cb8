import { compactVerify, createRemoteJWKSet, decodeProtectedHeader } from 'jose';
import type * as oidc from 'openid-client';
import { IdpUnavailable, IdTokenInvalid } from './errors.ts';
import { safeCause } from './safe-cause.ts';

/** Algorithms an ID token may be signed with: asymmetric only (never "none", never HMAC with the client secret). */
const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

/**
 * Verifies the signature of ID tokens against the IdP's JWKS (jwks_uri from discovery). Keys are cached
 * for 10 minutes; a token whose kid is not in the cache makes one refetch right away (concurrent misses
 * share it), so an IdP key rotation never locks people out. Only tokens the token endpoint returned
 * after a successful code exchange reach this, so a refetch cannot be triggered from outside.
 */
export class IdTokenSignature {
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly #algorithms: string[];

  constructor(metadata: oidc.ServerMetadata, timeoutMs: number) {
    if (!metadata.jwks_uri) throw new TypeError('IdTokenSignature: the IdP metadata has no jwks_uri');
    this.#jwks = createRemoteJWKSet(new URL(metadata.jwks_uri), { cacheMaxAge: 600_000, cooldownDuration: 0, timeoutDuration: Math.ceil(timeoutMs) });
    const advertised = metadata.id_token_signing_alg_values_supported ?? ['RS256'];
    this.#algorithms = advertised.filter((a) => ASYMMETRIC.has(a));
    if (this.#algorithms.length === 0) throw new TypeError('IdTokenSignature: the IdP advertises no asymmetric ID token signing algorithm');
  }

  /** Throws AIRLOCK_IDENTITY_ID_TOKEN_INVALID unless `idToken` carries a valid signature by a current IdP key. */
  async verify(idToken: string): Promise<void> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(idToken).alg;
    } catch (err) {
      throw IdTokenInvalid.create({ cause: safeCause(err), logMessage: 'ID token check "header" failed: the header is not decodable', details: { check: 'header' } });
    }
    if (typeof alg !== 'string' || !this.#algorithms.includes(alg)) {
      throw IdTokenInvalid.create({ logMessage: `ID token check "alg" failed: ${JSON.stringify(String(alg).slice(0, 20))} is not one of ${this.#algorithms.join(', ')}`, details: { check: 'alg' } });
    }
    try {
      await compactVerify(idToken, this.#jwks, { algorithms: this.#algorithms });
    } catch (err) {
      const e = err as { code?: string; name?: string; message?: string };
      // the JWKS could not be read (timeout, network, non-200 or not JSON): the IdP is unavailable, the token is not at fault
      if (e.code === 'ERR_JWKS_TIMEOUT' || e.code === 'ERR_JOSE_GENERIC' || (err instanceof TypeError && e.code === undefined)) {
        throw IdpUnavailable.create({ cause: safeCause(err), logMessage: `the IdP JWKS (jwks_uri) could not be read: ${e.code ?? e.name}`, details: { reason: 'jwks' } });
      }
      const check = e.code === 'ERR_JWKS_NO_MATCHING_KEY' ? 'kid' : e.code === 'ERR_JOSE_ALG_NOT_ALLOWED' ? 'alg' : 'signature';
      throw IdTokenInvalid.create({ cause: safeCause(err), logMessage: `ID token check "${check}" failed: ${e.code ?? e.name}`, details: { check } });
    }
  }
}
