import * as oidc from 'openid-client';
import { AirlockError } from '../errors/index.ts';
import { IdpError, IdpUnavailable, IdTokenInvalid, LoginStateInvalid, UserinfoMismatch } from './errors.ts';

/** Where in the callback a failure happened: the same openid-client code means different things per stage. */
export type LoginStage = 'authorization' | 'token' | 'userinfo';

/** Maps openid-client failures (by their stable `code`, never their text) to Airlock errors. */
export function translateOidcError(err: unknown, stage: LoginStage): AirlockError {
  if (err instanceof AirlockError) return err;
  const code = (err as { code?: unknown })?.code;
  const logMessage = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  if (err instanceof oidc.AuthorizationResponseError) {
    return IdpError.create({ cause: err, logMessage, details: { idp_error: safeToken(err.error) } });
  }
  if (err instanceof oidc.ResponseBodyError) {
    // e.g. invalid_grant for a replayed or expired code
    return err.error === 'invalid_grant'
      ? LoginStateInvalid.create({ cause: err, logMessage })
      : IdpError.create({ cause: err, logMessage, details: { idp_error: safeToken(err.error) } });
  }
  switch (code) {
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
    case 'OAUTH_KEY_SELECTION_FAILED':
    case 'OAUTH_INVALID_RESPONSE':
    case 'OAUTH_UNSUPPORTED_OPERATION':
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JWS_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return IdTokenInvalid.create({ cause: err, logMessage });
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
      // userinfo sub != ID token sub; in the token stage it is an ID token claim comparison
      return stage === 'userinfo' ? UserinfoMismatch.create({ cause: err, logMessage }) : IdTokenInvalid.create({ cause: err, logMessage });
    case 'OAUTH_INVALID_REQUEST':
    case 'OAUTH_PARSE_ERROR':
      return LoginStateInvalid.create({ cause: err, logMessage });
  }
  if (err instanceof TypeError || (err as Error)?.name === 'AbortError' || (err as Error)?.name === 'TimeoutError') {
    return IdpUnavailable.create({ cause: err, logMessage });
  }
  return IdTokenInvalid.create({ cause: err, logMessage });
}

function safeToken(v: unknown): string {
  return typeof v === 'string' ? v.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64) : 'unknown';
}
