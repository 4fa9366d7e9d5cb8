import { defineError } from '../errors/index.ts';

/** A back-channel logout token failed a check (`details.check` names it: alg, signature, iss, aud, iat, events, nonce, jti_replayed, ...). */
export const LogoutTokenInvalid = defineError('AIRLOCK_IDENTITY_LOGOUT_TOKEN_INVALID', 400, 'The logout token was refused.');
/** A back-channel or front-channel logout request is malformed (no single logout_token; front-channel iss or sid missing or wrong). */
export const LogoutRequestInvalid = defineError('AIRLOCK_IDENTITY_LOGOUT_REQUEST_INVALID', 400, 'This logout request is not valid.');
