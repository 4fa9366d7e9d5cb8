import * as oidc from 'openid-client';
import { AirlockError } from '../errors/index.ts';
import { IdpError, IdpUnavailable, IdTokenInvalid, LoginStateInvalid, UserinfoMismatch } from './errors.ts';
import { safeCause, safeText, safeToken } from './safe-cause.ts';

/** Where in the callback a failure happened: the same openid-client code means different things per stage. */
export type LoginStage = 'authorization' | 'token' | 'userinfo';

const WHERE: Record<LoginStage, string> = {
  authorization: 'the authorization response',
  token: 'the token endpoint',
  userinfo: 'the userinfo endpoint',
};

/** What an operator does about an OAuth error the IdP returned. */
const HINTS: Record<string, string> = {
  invalid_client: 'the IdP does not accept the client credentials: check idp.client_id, idp.client_secret (or private_key) and idp.token_endpoint_auth_method',
  unauthorized_client: 'the client may not use the authorization code grant at the IdP',
  invalid_grant: 'the authorization code expired, was used already, or its redirect URI / PKCE verifier did not match; the person must start the sign-in again',
  access_denied: 'the person declined, or is not assigned to the application at the IdP',
  invalid_token: 'the IdP did not accept the access token it just issued',
};

/**
 * Maps openid-client v6 failures to Airlock errors by their classes and stable `code`s (never their text):
 * - the IdP is down or answers nonsense (network error, AbortSignal timeout, 5xx or non-JSON) -> IDP_UNAVAILABLE (503);
 * - the IdP returned an OAuth error (authorization response, token/userinfo JSON body, WWW-Authenticate) -> IDP_ERROR
 *   with `details.idp_error` (its `error`, client-safe; `error_description` goes to the log only);
 * - the ID token failed a check -> ID_TOKEN_INVALID with `details.check` (the claim or check that failed).
 * The cause kept for the log is a sanitized copy: openid-client errors carry response bodies (tokens) in theirs.
 */
export function translateOidcError(err: unknown, stage: LoginStage): AirlockError {
  if (err instanceof AirlockError) return err;
  const where = WHERE[stage];
  const cause = safeCause(err);
  if (err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError) {
    return idpRefused(where, err.error, err.error_description, cause, err instanceof oidc.ResponseBodyError ? err.status : undefined);
  }
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    const challenge = err.cause.find((c) => typeof c.parameters.error === 'string') ?? err.cause[0];
    const error = challenge?.parameters.error ?? `${challenge?.scheme ?? 'unknown'}_challenge`;
    return idpRefused(where, error, challenge?.parameters.error_description, cause, err.status);
  }
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'OAUTH_TIMEOUT':
    case 'OAUTH_ABORT':
      return unavailable(where, 'timeout', `${where} did not answer within idp.timeout`, cause);
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM': {
      const status = responseStatus(err);
      return unavailable(where, 'status', `${where} answered HTTP ${status ?? '?'} without an OAuth error`, cause, status);
    }
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
      return unavailable(where, 'not_json', `${where} answered with a body that is not JSON`, cause);
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED': {
      const claim = detail(err)?.claim;
      return tokenInvalid(typeof claim === 'string' ? claim : 'claims', code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' ? 'is outside the allowed time' : 'has an unexpected value', cause);
    }
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
      // userinfo sub != ID token sub
      return stage === 'userinfo'
        ? UserinfoMismatch.create({ cause, logMessage: `${where}: userinfo "sub" differs from the ID token's`, details: { check: 'userinfo_sub' } })
        : tokenInvalid('claims', 'has an unexpected value', cause);
    case 'OAUTH_INVALID_RESPONSE':
      if (stage === 'authorization') return LoginStateInvalid.create({ cause, logMessage: `${where} is not valid (${(err as Error).message})` });
      return tokenInvalid(missingClaim(err) ?? (stage === 'userinfo' ? 'userinfo_response' : 'token_response'), 'is missing or of the wrong type', cause);
    case 'OAUTH_PARSE_ERROR':
      if (stage === 'authorization') return LoginStateInvalid.create({ cause, logMessage: `${where} cannot be parsed` });
      return stage === 'userinfo' ? unavailable(where, 'not_json', `${where} answered with a body that is not JSON`, cause) : tokenInvalid('parse', 'failed: the token response or ID token cannot be parsed', cause);
    case 'OAUTH_INVALID_REQUEST':
      return LoginStateInvalid.create({ cause, logMessage: `${where} is not valid (${(err as Error).message})` });
    case 'OAUTH_KEY_SELECTION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return tokenInvalid('kid', 'failed: no IdP key matches the token header', cause);
    case 'OAUTH_UNSUPPORTED_OPERATION':
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return tokenInvalid('alg', 'failed: the token uses an algorithm or feature that is not allowed', cause);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWS_INVALID':
      return tokenInvalid('signature', 'failed', cause);
  }
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return unavailable(where, 'timeout', `${where} did not answer within idp.timeout`, cause);
  // undici's "fetch failed" (refused, reset, DNS, TLS): a TypeError without a code (openid-client's argument errors have one)
  if (err instanceof TypeError && code === undefined) return unavailable(where, 'unreachable', `${where} cannot be reached`, cause);
  return tokenInvalid('unexpected', 'failed unexpectedly', cause);
}

function idpRefused(where: string, error: unknown, description: unknown, cause: Error, status: number | undefined): AirlockError {
  const idpError = safeToken(error);
  const desc = typeof description === 'string' && description !== '' ? ` error_description ${JSON.stringify(safeText(description, 300))}` : '';
  const hint = HINTS[idpError] ? `; ${HINTS[idpError]}` : '';
  return IdpError.create({
    cause,
    message: `The identity provider refused the sign-in (${idpError}).`,
    logMessage: `${where} answered with OAuth error "${idpError}"${status ? ` (HTTP ${status})` : ''}${desc}${hint}`,
    details: { idp_error: idpError },
  });
}

function unavailable(where: string, reason: string, logMessage: string, cause: Error, status?: number): AirlockError {
  return IdpUnavailable.create({ cause, logMessage, details: { reason, ...(status === undefined ? {} : { idp_status: status }) } });
}

function tokenInvalid(check: string, what: string, cause: Error): AirlockError {
  return IdTokenInvalid.create({ cause, logMessage: `ID token check "${check}" failed: the claim or check ${what}`, details: { check } });
}

/** The structured data oauth4webapi attaches to an OperationProcessingError (openid-client wraps it once more). */
function detail(err: unknown): Record<string, unknown> | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 3 && cur !== null && typeof cur === 'object'; i++) {
    const next: unknown = (cur as { cause?: unknown }).cause;
    if (next !== null && typeof next === 'object' && !(next instanceof Error) && !(next instanceof Response)) return next as Record<string, unknown>;
    cur = next;
  }
  return undefined;
}

const REQUIRED = ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce'] as const;

/** Which required ID token claim is absent (the data, not the message, says so), when the failure is about claims. */
function missingClaim(err: unknown): string | undefined {
  const claims = detail(err)?.claims;
  if (claims === null || typeof claims !== 'object') return undefined;
  return REQUIRED.find((c) => (claims as Record<string, unknown>)[c] === undefined) ?? 'claims';
}

function responseStatus(err: unknown): number | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 3 && cur !== null && typeof cur === 'object'; i++) {
    if (cur instanceof Response) return cur.status;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
