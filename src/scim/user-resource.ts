import type { ScimUserRow, ScimUserValues } from '../store/index.ts';
import { badSyntax, badValue } from './errors.ts';
import { ENTERPRISE_SCHEMA, USER_SCHEMA } from './schemas.ts';

/** Longest string value kept (characters). */
const MAX_STRING = 2048;
/** Most entries of one multi-valued attribute. */
const MAX_VALUES = 100;

type Json = Record<string, unknown>;
type Kind = { t: 'string' } | { t: 'boolean' } | { t: 'complex'; subs: Record<string, Kind> } | { t: 'multi'; subs: Record<string, Kind> };

const S: Kind = { t: 'string' };
const B: Kind = { t: 'boolean' };
const subsOf = (names: string[], extra: Record<string, Kind> = {}): Record<string, Kind> => ({ ...Object.fromEntries(names.map((n) => [n, S])), ...extra });
const PLURAL = subsOf(['value', 'display', 'type'], { primary: B });

/** The User attributes Airlock keeps (RFC 7643 4.1), by canonical name. */
const USER_ATTRS: Record<string, Kind> = {
  name: { t: 'complex', subs: subsOf(['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix']) },
  displayName: S,
  nickName: S,
  profileUrl: S,
  title: S,
  userType: S,
  preferredLanguage: S,
  locale: S,
  timezone: S,
  emails: { t: 'multi', subs: PLURAL },
  phoneNumbers: { t: 'multi', subs: PLURAL },
  ims: { t: 'multi', subs: PLURAL },
  photos: { t: 'multi', subs: PLURAL },
  addresses: { t: 'multi', subs: subsOf(['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'], { primary: B }) },
  roles: { t: 'multi', subs: PLURAL },
  entitlements: { t: 'multi', subs: PLURAL },
};

/** The enterprise extension (RFC 7643 4.3). */
const ENTERPRISE_ATTRS: Record<string, Kind> = {
  ...subsOf(['employeeNumber', 'costCenter', 'organization', 'division', 'department']),
  manager: { t: 'complex', subs: subsOf(['value', '$ref', 'displayName']) },
};

/** Core attributes with their own column, and what a request may carry but Airlock never keeps. */
export const CORE_COLUMNS = ['userName', 'externalId', 'active'] as const;
/** readOnly (groups, meta) or writeOnly (password): ignored in requests (RFC 7643 7), never stored. */
const IGNORED = new Set(['groups', 'meta', 'password', 'schemas']);

const lowerIndex = (names: Iterable<string>) => new Map([...names].map((n) => [n.toLowerCase(), n]));
const USER_NAMES = lowerIndex([...Object.keys(USER_ATTRS), ...CORE_COLUMNS, 'id', ...IGNORED]);
const ENTERPRISE_NAMES = lowerIndex(Object.keys(ENTERPRISE_ATTRS));

/** The canonical spelling of a User attribute (names are case-insensitive, RFC 7643 2.1); undefined when unknown. */
export function userAttrName(name: string): string | undefined {
  return USER_NAMES.get(name.toLowerCase());
}
export function enterpriseAttrName(name: string): string | undefined {
  return ENTERPRISE_NAMES.get(name.toLowerCase());
}
export function userAttrKind(name: string): Kind | undefined {
  return USER_ATTRS[name];
}
export function enterpriseAttrKind(name: string): Kind | undefined {
  return ENTERPRISE_ATTRS[name];
}
export const isEnterpriseUrn = (s: string) => s.toLowerCase() === ENTERPRISE_SCHEMA.toLowerCase();
export const isUserUrn = (s: string) => s.toLowerCase() === USER_SCHEMA.toLowerCase();
export type { Kind };

/** A SCIM boolean; Entra ID sends "True"/"False" strings in PATCH values, accepted as booleans. */
export function scimBoolean(v: unknown, where: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw badValue(`${where} must be a boolean`);
}

function scimString(v: unknown, where: string): string {
  if (typeof v !== 'string') throw badValue(`${where} must be a string`);
  if (v.length > MAX_STRING) throw badValue(`${where} is longer than ${MAX_STRING} characters`);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v)) throw badValue(`${where} contains control characters`);
  return v;
}

/** Validates one attribute value against its kind; null means unassigned (undefined is returned). Unknown sub-attributes are dropped. */
export function checkValue(kind: Kind, v: unknown, where: string): unknown {
  if (v === null || v === undefined) return undefined;
  switch (kind.t) {
    case 'string':
      return scimString(v, where);
    case 'boolean':
      return scimBoolean(v, where);
    case 'complex':
      return checkComplex(kind.subs, v, where);
    case 'multi': {
      const list = Array.isArray(v) ? v : [v];
      if (list.length > MAX_VALUES) throw badValue(`${where} has more than ${MAX_VALUES} values`);
      const out = list.map((x, i) => checkComplex(kind.subs, x, `${where}[${i}]`)).filter((x) => Object.keys(x).length > 0);
      if (out.filter((x) => x.primary === true).length > 1) throw badValue(`${where} has more than one primary value`);
      return out.length === 0 ? undefined : out;
    }
  }
}

function checkComplex(subs: Record<string, Kind>, v: unknown, where: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badValue(`${where} must be an object`);
  const index = lowerIndex(Object.keys(subs));
  const out: Json = {};
  for (const [k, x] of Object.entries(v as Json)) {
    const name = index.get(k.toLowerCase());
    if (name === undefined) continue; // an unknown sub-attribute is ignored
    const checked = checkValue(subs[name]!, x, `${where}.${name}`);
    if (checked !== undefined) out[name] = checked;
  }
  return out;
}

export interface ParsedUser {
  readonly values: ScimUserValues;
  /** The `id` the body carried, if any (the caller checks it against the resource's). */
  readonly id: unknown;
}

/**
 * A User from a POST or PUT body, or from a patched document: `schemas` must name the core User schema and may name
 * the enterprise extension, nothing else; `userName` is required; `active` defaults to true. Known attributes are
 * checked and kept, unknown ones ignored, `password`, `groups` and `meta` never kept. Attribute names are
 * case-insensitive.
 */
export function parseUser(body: unknown): ParsedUser {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badSyntax('the body must be a JSON object');
  const b = body as Json;
  const schemasKey = Object.keys(b).find((k) => k.toLowerCase() === 'schemas');
  const schemas = schemasKey === undefined ? undefined : b[schemasKey];
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) throw badSyntax('schemas must be a list of schema URNs');
  if (!schemas.some(isUserUrn)) throw badSyntax(`schemas must contain ${USER_SCHEMA}`);
  const unknownSchema = schemas.find((s) => !isUserUrn(s) && !isEnterpriseUrn(s));
  if (unknownSchema !== undefined) throw badSyntax(`unknown schema "${unknownSchema.slice(0, 200)}"`);
  const resource: Json = {};
  let userName: string | undefined;
  let externalId: string | null = null;
  let active = true;
  let id: unknown;
  for (const [key, v] of Object.entries(b)) {
    if (key.toLowerCase().startsWith('urn:')) {
      if (!isEnterpriseUrn(key)) {
        if (isUserUrn(key)) continue; // a core-schema wrapper object: nothing Airlock reads
        throw badSyntax(`unknown schema extension "${key.slice(0, 200)}"`);
      }
      const ext = checkComplex(ENTERPRISE_ATTRS, v ?? {}, ENTERPRISE_SCHEMA);
      if (Object.keys(ext).length > 0) resource[ENTERPRISE_SCHEMA] = ext;
      continue;
    }
    const name = userAttrName(key);
    if (name === undefined || IGNORED.has(name)) continue;
    if (name === 'id') id = v;
    else if (name === 'userName') userName = v === null || v === undefined ? undefined : scimString(v, 'userName');
    else if (name === 'externalId') externalId = v === null || v === undefined ? null : scimString(v, 'externalId');
    else if (name === 'active') active = v === null || v === undefined ? true : scimBoolean(v, 'active');
    else {
      const checked = checkValue(USER_ATTRS[name]!, v, name);
      if (checked !== undefined) resource[name] = checked;
    }
  }
  if (userName === undefined || userName.trim() === '') throw badValue('userName is required');
  if (userName.length > 256) throw badValue('userName is longer than 256 characters');
  return { values: { userName, externalId, emailKey: emailKeyOf(resource), active, resource }, id };
}

/** The primary email, else the first, lower-cased (scim.match: email). */
function emailKeyOf(resource: Json): string | null {
  const emails = resource.emails as Array<{ value?: string; primary?: boolean }> | undefined;
  const chosen = emails?.find((e) => e.primary === true && typeof e.value === 'string') ?? emails?.find((e) => typeof e.value === 'string');
  return chosen?.value ? chosen.value.toLowerCase() : null;
}

/** The document a PATCH works on: the user's attributes as a client sees them, without id, meta and groups. */
export function userDocument(row: ScimUserRow): Json {
  return {
    schemas: [USER_SCHEMA, ...(row.resource[ENTERPRISE_SCHEMA] ? [ENTERPRISE_SCHEMA] : [])],
    userName: row.userName,
    ...(row.externalId === null ? {} : { externalId: row.externalId }),
    active: row.active,
    ...structuredClone(row.resource as Json),
  };
}

/** The User as a response carries it (RFC 7643 4.1, 3.1 meta). */
export function renderUser(row: ScimUserRow, groups: ReadonlyArray<{ id: string; displayName: string }>, base: string): Json {
  return {
    ...userDocument(row),
    id: row.id,
    groups: groups.map((g) => ({ value: g.id, display: g.displayName, $ref: `${base}/Groups/${g.id}`, type: 'direct' })),
    meta: { resourceType: 'User', created: new Date(row.createdAt).toISOString(), lastModified: new Date(row.updatedAt).toISOString(), version: `W/"${row.version}"`, location: `${base}/Users/${row.id}` },
  };
}
