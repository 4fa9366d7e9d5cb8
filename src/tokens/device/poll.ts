import type { DeviceGrantRow } from '../../store/index.ts';

/** RFC 8628 §3.5: the extra wait, in ms, a client that polls too fast must add to its interval. */
export const SLOW_DOWN_STEP_MS = 5_000;

export type PollOutcome =
  /** Approved: issue the token now (once). */
  | { readonly kind: 'issue' }
  /** An RFC 8628 / RFC 6749 error answer; `slowDown` raises the stored interval; `record` stores the poll time. */
  | { readonly kind: 'error'; readonly error: 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant'; readonly description: string; readonly record: boolean; readonly slowDown: number };

const err = (error: Extract<PollOutcome, { kind: 'error' }>['error'], description: string, record = false, slowDown = 0): PollOutcome => ({ kind: 'error', error, description, record, slowDown });

/**
 * What a poll of the token endpoint answers, for the grant as stored (undefined: no such device code).
 * Order: unknown, already issued (a replayed device code), expired, denied, approved, then pending with the
 * interval check (a poll sooner than the current interval is slow_down, and the interval grows by 5 s).
 */
export function pollOutcome(grant: DeviceGrantRow | undefined, now: number): PollOutcome {
  if (grant === undefined) return err('invalid_grant', 'unknown device_code');
  if (grant.status === 'issued') return err('invalid_grant', 'this device_code was already exchanged for a token');
  if (now >= grant.expiresAt) return err('expired_token', 'the device code expired; run airlock login again');
  if (grant.status === 'denied') return err('access_denied', 'the request was denied');
  if (grant.status === 'approved') return { kind: 'issue' };
  if (grant.lastPolledAt !== null && now - grant.lastPolledAt < grant.intervalMs) {
    return err('slow_down', `poll at most every ${Math.round((grant.intervalMs + SLOW_DOWN_STEP_MS) / 1000)} seconds`, true, SLOW_DOWN_STEP_MS);
  }
  return err('authorization_pending', 'waiting for a person to approve the request in the browser', true);
}
