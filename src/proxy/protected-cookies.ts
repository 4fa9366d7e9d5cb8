/**
 * The gateway's own cookies (session, login binding) must never be set by the upstream: an Airflow (or a plugin in
 * it) answering `Set-Cookie: __Host-airlock=<someone's session>` would swap or end the person's gateway session.
 * Names are compared case-insensitively (browsers match the __Host- prefix that way).
 */

/** The cookie name a Set-Cookie value sets: the text before its first "=" (or ";"), trimmed, lower-cased. */
export function setCookieName(value: string): string {
  const end = value.search(/[=;]/);
  return (end === -1 ? value : value.slice(0, end)).trim().toLowerCase();
}

/**
 * The Set-Cookie values that do not set one of `protect` (lower-case names); each one dropped has its name pushed
 * on `dropped`. Undefined when nothing is left.
 */
export function withoutProtectedCookies(values: string | readonly string[], protect: ReadonlySet<string>, dropped: string[]): string[] | undefined {
  const kept: string[] = [];
  for (const v of typeof values === 'string' ? [values] : values) {
    const name = setCookieName(v);
    if (protect.has(name)) dropped.push(name);
    else kept.push(v);
  }
  return kept.length > 0 ? kept : undefined;
}
