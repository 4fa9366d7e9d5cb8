/**
 * A copy of an error that is safe to log: name, code and message only, down a short cause chain. Errors of
 * openid-client / oauth4webapi keep the parsed response body as their `cause` (a token response holds the
 * access and ID tokens) and the Response itself; neither may reach a log line. Their messages are fixed
 * texts, as are jose's, undici's ("fetch failed", with "connect ECONNREFUSED host:port" below it) and
 * DOMException's.
 */
export function safeCause(err: unknown, depth = 0): Error {
  if (!(err instanceof Error) && !(typeof DOMException !== 'undefined' && err instanceof DOMException)) {
    return new Error(typeof err === 'string' ? safeText(err, 200) : `non-error thrown (${typeof err})`);
  }
  const e = err as Error & { code?: unknown };
  const next = e.cause instanceof Error && depth < 3 ? safeCause(e.cause, depth + 1) : undefined;
  const copy = new Error(safeText(e.message, 300), next ? { cause: next } : undefined);
  copy.name = typeof e.name === 'string' ? e.name : 'Error';
  if (typeof e.code === 'string' || typeof e.code === 'number') Object.assign(copy, { code: e.code });
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}

/** Text from outside (an IdP's error_description): control characters removed, cut to `max` characters. */
export function safeText(v: string, max: number): string {
  const clean = v.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** An OAuth error code as it may be shown to a client: [A-Za-z0-9_.-], at most 64 characters. */
export function safeToken(v: unknown): string {
  const t = typeof v === 'string' ? v.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64) : '';
  return t === '' ? 'unknown' : t;
}
