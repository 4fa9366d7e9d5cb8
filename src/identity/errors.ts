import { defineError } from '../errors/index.ts';

export const IdpUnavailable = defineError('AIRLOCK_IDENTITY_IDP_UNAVAILABLE', 503, 'The identity provider cannot be reached right now. Try again in a minute.');
export const LoginStateInvalid = defineError('AIRLOCK_IDENTITY_LOGIN_STATE_INVALID', 400, 'This sign-in link is invalid, expired or was already used. Start the sign-in again.');
export const IdpError = defineError('AIRLOCK_IDENTITY_IDP_ERROR', 401, 'The identity provider refused the sign-in.');
export const IdTokenInvalid = defineError('AIRLOCK_IDENTITY_ID_TOKEN_INVALID', 401, 'The identity provider returned a token that failed verification. Sign-in refused.');
export const UserinfoMismatch = defineError('AIRLOCK_IDENTITY_USERINFO_MISMATCH', 401, 'The identity provider returned inconsistent user information. Sign-in refused.');
export const ClaimMissing = defineError('AIRLOCK_IDENTITY_CLAIM_MISSING', 401, 'The identity provider did not send a required claim. Ask an administrator to check the claim mapping.');
export const ReturnToInvalid = defineError('AIRLOCK_IDENTITY_RETURN_TO_INVALID', 400, 'The return address after sign-in must be a path on this site.');
export const ResponseIssuerInvalid = defineError('AIRLOCK_IDENTITY_RESPONSE_ISSUER_INVALID', 400, 'The sign-in response did not come from the configured identity provider. Start the sign-in again.');
export const GroupsNotInToken = defineError('AIRLOCK_IDENTITY_GROUPS_NOT_IN_TOKEN', 403, 'Your identity provider left your group memberships out of the sign-in (this happens when an account is in very many groups), so no Airflow role can be given. Ask an administrator to limit the groups sent to this application.');
export const IssuerMismatch = defineError('AIRLOCK_IDENTITY_ISSUER_MISMATCH', 500, 'Sign-in is unavailable: the identity provider settings of this gateway are wrong. An administrator must fix them.');
export const GroupsFetchFailed = defineError('AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED', 502, 'Your group memberships could not be read from the identity provider, so no Airflow role can be given. Try again in a minute; if it keeps happening, tell an administrator.');
export const GroupsSourceNotAllowed = defineError('AIRLOCK_IDENTITY_GROUPS_SOURCE_NOT_ALLOWED', 403, 'The identity provider sent your group memberships to be read from a place this gateway does not trust, so no Airflow role can be given. Ask an administrator to check the groups settings.');
