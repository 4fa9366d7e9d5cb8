import type { ScimGroupRow, ScimMember } from '../store/index.ts';
import { badSyntax, badValue } from './errors.ts';
import { GROUP_SCHEMA } from './schemas.ts';

type Json = Record<string, unknown>;

/** Most members one request may name (a group larger than this is pushed in several PATCH requests). */
export const MAX_MEMBERS_PER_REQUEST = 10_000;

export interface GroupDocument {
  displayName: string | undefined;
  externalId: string | null;
  /** Member user ids. */
  members: Set<string>;
}

export interface ParsedGroup {
  readonly displayName: string;
  readonly externalId: string | null;
  readonly members: readonly string[];
  readonly id: unknown;
}

export function groupDisplayName(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') throw badValue('displayName is required');
  if (v.length > 256) throw badValue('displayName is longer than 256 characters');
  if (/[\u0000-\u001f\u007f]/.test(v)) throw badValue('displayName contains control characters');
  return v;
}

export function groupExternalId(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || v.length > 256 || /[\u0000-\u001f\u007f]/.test(v)) throw badValue('externalId must be a string of at most 256 characters');
  return v;
}

/** Member ids from a `members` value: a list of (or one) `{ value: "<user id>" }`; a member of type Group is refused. */
export function memberIds(v: unknown, where = 'members'): string[] {
  if (v === null || v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  if (list.length > MAX_MEMBERS_PER_REQUEST) throw badValue(`${where} names more than ${MAX_MEMBERS_PER_REQUEST} members`);
  return list.map((m, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw badValue(`${where}[${i}] must be an object with a value`);
    const entry = m as Json;
    const key = (name: string) => Object.keys(entry).find((k) => k.toLowerCase() === name);
    const valueKey = key('value');
    const value = valueKey === undefined ? undefined : entry[valueKey];
    if (typeof value !== 'string' || value === '' || value.length > 256) throw badValue(`${where}[${i}].value must be a user id`);
    const typeKey = key('type');
    const type = typeKey === undefined ? undefined : entry[typeKey];
    if (type !== undefined && type !== null && (typeof type !== 'string' || type.toLowerCase() !== 'user')) throw badValue(`${where}[${i}]: only users can be members (nested groups are not supported)`);
    return value;
  });
}

/**
 * Entra ID names this schema in its group create requests besides the core one; it carries no attribute Airlock
 * reads, so it is accepted and ignored (any other schema is refused).
 */
const ENTRA_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group';

/** A Group from a POST or PUT body: schemas must name the core Group schema (and no unknown one); displayName is required. */
export function parseGroup(body: unknown): ParsedGroup {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badSyntax('the body must be a JSON object');
  const b = body as Json;
  const get = (name: string) => {
    const k = Object.keys(b).find((x) => x.toLowerCase() === name.toLowerCase());
    return k === undefined ? undefined : b[k];
  };
  const schemas = get('schemas');
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) throw badSyntax('schemas must be a list of schema URNs');
  if (!schemas.some((s: string) => s.toLowerCase() === GROUP_SCHEMA.toLowerCase())) throw badSyntax(`schemas must contain ${GROUP_SCHEMA}`);
  const unknown = schemas.find((s: string) => s.toLowerCase() !== GROUP_SCHEMA.toLowerCase() && s.toLowerCase() !== ENTRA_GROUP_SCHEMA.toLowerCase());
  if (unknown !== undefined) throw badSyntax(`unknown schema "${String(unknown).slice(0, 200)}"`);
  const ext = Object.keys(b).find((k) => k.toLowerCase().startsWith('urn:') && !k.toLowerCase().startsWith(GROUP_SCHEMA.toLowerCase()));
  if (ext !== undefined) throw badSyntax(`unknown schema extension "${ext.slice(0, 200)}"`);
  return { displayName: groupDisplayName(get('displayName')), externalId: groupExternalId(get('externalId')), members: [...new Set(memberIds(get('members')))], id: get('id') };
}

export function renderGroup(row: ScimGroupRow, members: readonly ScimMember[] | undefined, base: string): Json {
  return {
    schemas: [GROUP_SCHEMA],
    id: row.id,
    displayName: row.displayName,
    ...(row.externalId === null ? {} : { externalId: row.externalId }),
    ...(members === undefined ? {} : { members: members.map((m) => ({ value: m.id, display: m.userName, $ref: `${base}/Users/${m.id}`, type: 'User' })) }),
    meta: { resourceType: 'Group', created: new Date(row.createdAt).toISOString(), lastModified: new Date(row.updatedAt).toISOString(), version: `W/"${row.version}"`, location: `${base}/Groups/${row.id}` },
  };
}
