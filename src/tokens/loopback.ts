/** localhost, 127.0.0.1 or [::1] (the only hosts where a machine issuer may use http://, with allow_insecure_http). */
export function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
