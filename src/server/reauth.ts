import { isAirlockError, type AirlockError } from '../errors/index.ts';
import { RefreshRefused, RefreshUnavailable, ReauthRequired } from '../session/index.ts';

/** The errors authenticate() throws for a session whose claims are too old (session-freshness.ts). */
export function isSessionRenewal(err: unknown): err is AirlockError {
  return isAirlockError(err) && (ReauthRequired.is(err) || RefreshRefused.is(err) || RefreshUnavailable.is(err));
}

/** Whether a browser page view may be sent through a silent sign-in (prompt=none) instead of getting the 401. */
export function silentReauthApplies(err: unknown, api: boolean, method: string): boolean {
  return ReauthRequired.is(err) && !api && (method === 'GET' || method === 'HEAD');
}

/** The gateway's sign-in with prompt=none, back to `target` (an IdP that needs the person answers login_required: see callback.ts). */
export function silentLoginUrl(target: string): string {
  return `/.airlock/login?silent=1&rd=${encodeURIComponent(target)}`;
}

/** A Retry-After header for errors that carry `details.retry_after_s` (AIRLOCK_SESSION_REFRESH_UNAVAILABLE). */
export function retryAfterHeaders(e: AirlockError): Record<string, string> | undefined {
  const s = e.details?.retry_after_s;
  return typeof s === 'number' && Number.isInteger(s) && s > 0 ? { 'retry-after': String(s) } : undefined;
}
