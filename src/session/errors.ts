import { defineError } from '../errors/index.ts';

/** The revocation bus (PostgreSQL LISTEN/NOTIFY) could not be set up. */
export const SessionBusUnavailable = defineError(
  'AIRLOCK_SESSION_BUS_UNAVAILABLE',
  503,
  'Session revocation messaging is unavailable. Try again shortly.',
);
