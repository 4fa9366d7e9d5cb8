import type { AirlockError } from '../errors/index.ts';
import { UpstreamTimeout, UpstreamUnavailable } from './errors.ts';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Maps a failure talking to the upstream to the client-facing error: no answer in time -> 504
 * AIRLOCK_PROXY_UPSTREAM_TIMEOUT; anything else (refused, reset, DNS, TLS, connect_timeout) -> 502
 * AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE. The original error is kept as `cause` for the log only.
 */
export function upstreamError(err: unknown, envName: string): AirlockError {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return UpstreamTimeout.create({ cause: err, logMessage: `upstream of environment "${envName}" did not answer in time (${code})` });
  }
  return UpstreamUnavailable.create({ cause: err, logMessage: `upstream of environment "${envName}" unavailable (${typeof code === 'string' ? code : 'error'})` });
}
