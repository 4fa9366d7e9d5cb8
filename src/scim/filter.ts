import type { ScimFilter } from '../store/index.ts';
import { badFilter, badValue } from './errors.ts';
import { MAX_RESULTS } from './schemas.ts';

/** Longest filter expression read. */
const MAX_FILTER = 1024;
const ATTRS = {
  Users: { username: 'userName', externalid: 'externalId', id: 'id' },
  Groups: { displayname: 'displayName', externalid: 'externalId', id: 'id' },
} as const satisfies Record<string, Record<string, ScimFilter['attr']>>;

/**
 * The one filter form Airlock answers (what Okta and Entra ID send): `<attribute> eq "<value>"`, with userName,
 * externalId or id for Users and displayName, externalId or id for Groups. Attribute names and `eq` are
 * case-insensitive (RFC 7644 3.4.2.2); the value is a JSON string. Anything else (other operators, `and`/`or`,
 * brackets, a value that is not exactly one string) is refused with scimType invalidFilter, never guessed at.
 */
export function parseFilter(raw: string | null, resource: keyof typeof ATTRS): ScimFilter | undefined {
  if (raw === null) return undefined;
  if (raw.length > MAX_FILTER) throw badFilter(`filters longer than ${MAX_FILTER} characters are not supported`);
  const m = /^\s*([A-Za-z][A-Za-z0-9_.:$-]*)\s+([A-Za-z]+)\s+(.*?)\s*$/s.exec(raw);
  if (!m) throw badFilter('the filter must be: <attribute> eq "<value>"');
  const [, attrName, op, rest] = m as unknown as [string, string, string, string];
  if (op.toLowerCase() !== 'eq') throw badFilter(`the operator "${op.slice(0, 20)}" is not supported; only eq is`);
  const attrs: Record<string, ScimFilter['attr']> = ATTRS[resource];
  // an attribute may carry its schema URN (urn:ietf:params:scim:schemas:core:2.0:User:userName)
  const bare = attrName.replace(/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i, '').toLowerCase();
  const attr = Object.hasOwn(attrs, bare) ? attrs[bare] : undefined;
  if (attr === undefined) throw badFilter(`filtering ${resource} on "${attrName.slice(0, 100)}" is not supported; use ${Object.values(attrs).join(', ')}`);
  let value: unknown;
  try {
    value = rest.startsWith('"') ? JSON.parse(rest) : undefined;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string') throw badFilter('the value must be one quoted string, and nothing may follow it');
  return { attr, value };
}

export interface Paging {
  /** 0-based offset. */
  readonly offset: number;
  readonly startIndex: number;
  readonly count: number;
}

/**
 * `startIndex` (1-based; below 1 counts as 1) and `count` (negative counts as 0; above MAX_RESULTS is capped),
 * RFC 7644 3.4.2.4. A value that is not a number is refused (invalidValue).
 */
export function parsePaging(params: URLSearchParams): Paging {
  const num = (name: string, fallback: number): number => {
    const all = params.getAll(name);
    if (all.length === 0) return fallback;
    if (all.length > 1) throw badValue(`${name} is given more than once`);
    const v = all[0]!.trim();
    const n = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw badValue(`${name} must be a number`);
    return Math.trunc(n);
  };
  const startIndex = Math.min(Math.max(1, num('startIndex', 1)), Number.MAX_SAFE_INTEGER);
  const count = Math.min(Math.max(0, num('count', MAX_RESULTS)), MAX_RESULTS);
  return { offset: startIndex - 1, startIndex, count };
}
