import * as oidc from 'openid-client';
import type { IdpConfig } from '../config/index.ts';
import { resolveDistributedGroups } from './distributed-groups.ts';
import { IdTokenInvalid } from './errors.ts';
import { checkIssuedAt } from './id-token-times.ts';
import type { IdTokenSignature } from './id-token-signature.ts';
import { translateOidcError, type LoginStage } from './translate-error.ts';

/** What a refresh at the IdP's token endpoint returned, verified; mapped to an Identity like a login's. */
export interface RefreshResult {
  /** The new ID token's claims (signature, iss, aud, exp, iat and sub checked), when the IdP sent one. */
  readonly idClaims?: Record<string, unknown>;
  /** Userinfo read with the new access token (its sub checked), when idp.userinfo is on and the IdP has the endpoint. */
  readonly userinfo?: Record<string, unknown>;
  /** Claims read from distributed claim sources (the groups claim), as at sign-in. */
  readonly resolvedClaims?: Record<string, unknown>;
  /** A new refresh token (the IdP rotates them): the old one must not be used again. */
  readonly refreshToken?: string;
  readonly idToken?: string;
}

/**
 * Redeems a refresh token (OAuth 2.0 refresh_token grant) and re-reads the claims the way a login does: the ID
 * token of the response is verified like a login's (signature against the JWKS, iss, aud, exp by openid-client, iat
 * here) and, per OIDC Core 12.2, its `sub` must be the session's (`expectedSub`, the IdP's sub at login); userinfo
 * is read with the new access token (its sub must match too); a distributed groups claim is resolved as at login.
 * Without `expectedSub` and without an ID token nothing can be re-read (returned without claims).
 * Failures are the login's AirlockErrors: IDP_ERROR (details.idp_error, e.g. invalid_grant), IDP_UNAVAILABLE,
 * ID_TOKEN_INVALID (details.check), USERINFO_MISMATCH, GROUPS_FETCH_FAILED.
 */
export async function refreshAtIdp(
  config: oidc.Configuration,
  signature: IdTokenSignature,
  idp: IdpConfig,
  refreshToken: string,
  expectedSub: string | undefined,
  now: () => number = Date.now,
): Promise<RefreshResult> {
  let stage: LoginStage = 'token';
  try {
    const tokens = await oidc.refreshTokenGrant(config, refreshToken);
    let idClaims: Record<string, unknown> | undefined;
    if (tokens.id_token) {
      const claims = tokens.claims();
      if (!claims) throw IdTokenInvalid.create({ logMessage: 'ID token check "id_token" failed: the refresh response ID token has no claims', details: { check: 'id_token' } });
      await signature.verify(tokens.id_token);
      checkIssuedAt(claims, now(), idp.clock_tolerance);
      if (expectedSub !== undefined && claims.sub !== expectedSub) {
        throw IdTokenInvalid.create({ logMessage: 'ID token check "sub" failed: the refreshed ID token names another subject than the session (OIDC Core 12.2)', details: { check: 'sub' } });
      }
      idClaims = { ...claims };
    }
    const subject = typeof idClaims?.sub === 'string' ? idClaims.sub : expectedSub;
    let userinfo: Record<string, unknown> | undefined;
    if (subject !== undefined && idp.userinfo && config.serverMetadata().userinfo_endpoint) {
      stage = 'userinfo';
      userinfo = { ...(await oidc.fetchUserInfo(config, tokens.access_token, subject)) };
    }
    const resolvedClaims = idClaims || userinfo ? await resolveDistributedGroups(idClaims ?? userinfo ?? {}, userinfo, tokens.access_token, idp) : undefined;
    return {
      ...(idClaims ? { idClaims } : {}),
      ...(userinfo ? { userinfo } : {}),
      ...(resolvedClaims ? { resolvedClaims } : {}),
      ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
      ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
    };
  } catch (err) {
    throw translateOidcError(err, stage);
  }
}
