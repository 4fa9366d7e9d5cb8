/**
 * Reads a claim by its configured name: the exact claim name first (so full-URL names such as
 * Auth0's "https://example.com/groups" work), then a dotted path ("realm_access.roles").
 */
export function readClaim(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  if (!path.includes('.') || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return undefined;
  let cur: unknown = claims;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A claim as a string, or undefined (numbers are accepted as their decimal text). */
export function claimString(claims: Readonly<Record<string, unknown>>, path: string): string | undefined {
  const v = readClaim(claims, path);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Groups: an array of strings, a single string, or (space/comma separated) text; anything else is none. */
export function claimGroups(claims: Readonly<Record<string, unknown>>, path: string): string[] {
  const v = readClaim(claims, path);
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string' && g.length > 0);
  if (typeof v === 'string' && v.length > 0) return [v];
  return [];
}
