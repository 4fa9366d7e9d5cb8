import { defineError } from '../errors/index.ts';

// A presented Airlock token (alk_…)
export const TokenInvalid = defineError('AIRLOCK_TOKEN_INVALID', 401, 'This token is not valid.');
export const TokenExpired = defineError('AIRLOCK_TOKEN_EXPIRED', 401, 'This token has expired. Ask for a new one.');
export const TokenRevoked = defineError('AIRLOCK_TOKEN_REVOKED', 401, 'This token has been revoked.');
export const TokenOwnerInactive = defineError('AIRLOCK_TOKEN_OWNER_INACTIVE', 403, 'The person who owns this token is unknown to the gateway or disabled, so the token cannot be used.');
export const TokenServiceAccountUnknown = defineError('AIRLOCK_TOKEN_SERVICE_ACCOUNT_UNKNOWN', 403, 'The service account of this token is not configured on the gateway.');

// Where a credential was sent
export const TokenInUrl = defineError('AIRLOCK_TOKEN_IN_URL', 400, 'A token must never be sent in a URL (it ends up in logs and browser history). Send it as "Authorization: Bearer <token>", and rotate this one.');
export const TokenInCookie = defineError('AIRLOCK_TOKEN_IN_COOKIE', 400, 'A token must not be sent in a cookie. Send it as "Authorization: Bearer <token>".');
export const TokenInBasic = defineError('AIRLOCK_TOKEN_IN_BASIC', 401, 'A token must not be sent as a Basic password. Send it as "Authorization: Bearer <token>".');
export const CredentialsAmbiguous = defineError('AIRLOCK_TOKEN_AMBIGUOUS', 400, 'Send exactly one Authorization header.');
export const TokenMissing = defineError('AIRLOCK_TOKEN_MISSING', 401, 'Send your token as "Authorization: Bearer <token>".');

// What a machine identity may do
export const TokenRateLimited = defineError('AIRLOCK_TOKEN_RATE_LIMITED', 429, 'Too many requests with this token. Slow down and retry after the time given.');
export const TokenScope = defineError('AIRLOCK_TOKEN_SCOPE', 403, 'This token may not do this: it is outside the token\'s scope.');
export const TokenStepUp = defineError('AIRLOCK_TOKEN_STEP_UP', 403, 'This action needs a person to confirm it with a security key; a token cannot.');

// IdP-issued workload JWTs
export const JwtInvalid = defineError('AIRLOCK_TOKEN_JWT_INVALID', 401, 'This bearer token was refused.');
export const JwtIssuerUnknown = defineError('AIRLOCK_TOKEN_JWT_ISSUER_UNKNOWN', 401, 'This bearer token comes from an issuer the gateway does not accept.');
export const JwtUnmapped = defineError('AIRLOCK_TOKEN_JWT_UNMAPPED', 403, 'This workload is not mapped to a service account.');
export const JwksUnavailable = defineError('AIRLOCK_TOKEN_JWKS_UNAVAILABLE', 503, 'The token issuer\'s keys cannot be fetched right now. Try again shortly.');

// Administration (airlock tokens …)
export const TokenRequestRefused = defineError('AIRLOCK_TOKEN_REQUEST_REFUSED', 400, 'The token cannot be issued as asked.');
export const TokenNotFound = defineError('AIRLOCK_TOKEN_NOT_FOUND', 404, 'There is no such token.');
