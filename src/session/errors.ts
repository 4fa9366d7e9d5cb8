import { defineError } from '../errors/index.ts';

/** The revocation bus (PostgreSQL LISTEN/NOTIFY) could not be set up. */
export const SessionBusUnavailable = defineError(
  'AIRLOCK_SESSION_BUS_UNAVAILABLE',
  503,
  'Session revocation messaging is unavailable. Try again shortly.',
);

/** The IdP refused the session's refresh token (invalid_grant): the person was signed out or removed there. */
export const RefreshRefused = defineError(
  'AIRLOCK_SESSION_REFRESH_REFUSED',
  401,
  'Your sign-in was ended by the identity provider. Sign in again.',
);

/** The session's claims are older than session.claims_max_age and it has no refresh token: sign in again. */
export const ReauthRequired = defineError(
  'AIRLOCK_SESSION_REAUTH_REQUIRED',
  401,
  'Your sign-in must be renewed with the identity provider. Sign in again.',
);

/** The claims could not be re-read (IdP unreachable) and are older than session.claims_max_stale. Retryable. */
export const RefreshUnavailable = defineError(
  'AIRLOCK_SESSION_REFRESH_UNAVAILABLE',
  503,
  'Your access cannot be re-checked because the identity provider is unreachable. Try again in a minute.',
);
