import type { AirlockError } from '../errors/index.ts';
import { UpstreamTimeout, UpstreamUnavailable } from './errors.ts';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Maps a failure talking to the upstream to the client-facing error: no answer in time -> 504
 * AIRLOCK_PROXY_UPSTREAM_TIMEOUT; anything else (refused, reset, DNS, TLS, connect_timeout) -> 502
 * AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE. The original error is kept as `cause` for the log only; a TLS failure's
 * log message says which `tls` setting would fix it.
 */
export function upstreamError(err: unknown, envName: string): AirlockError {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return UpstreamTimeout.create({ cause: err, logMessage: `upstream of environment "${envName}" did not answer in time (${code})` });
  }
  const hint = typeof code === 'string' ? tlsHint(code, envName) : undefined;
  return UpstreamUnavailable.create({ cause: err, logMessage: `upstream of environment "${envName}" unavailable (${typeof code === 'string' ? code : 'error'})${hint ? `: ${hint}` : ''}` });
}

/** Node's codes for an upstream certificate that does not chain to a trusted CA. */
const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE']);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** What the operator can do about a TLS failure, for the log (the client only sees 502). */
function tlsHint(code: string, env: string): string | undefined {
  if (UNTRUSTED.has(code)) return `its TLS certificate is not trusted; set environments.${env}.tls.ca to the CA that issued it (or to the certificate itself when it is self-signed)`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `its TLS certificate does not hold the name Airlock verifies; set environments.${env}.tls.server_name to a name the certificate holds, or fix the certificate`;
  if (EXPIRED.has(code)) return 'its TLS certificate is expired or not yet valid';
  if (code.startsWith('ERR_SSL_')) return `the TLS handshake failed; if the upstream requires a client certificate, set environments.${env}.tls.client_cert and tls.client_key`;
  return undefined;
}
