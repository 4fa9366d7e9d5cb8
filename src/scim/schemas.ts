/** SCIM 2.0 URNs (RFC 7643, RFC 7644) and the discovery documents Airlock serves. */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** Most resources one list response carries (`count` above it is capped; `itemsPerPage` says what was used). */
export const MAX_RESULTS = 100;

type Attr = Record<string, unknown>;
const str = (name: string, extra: Attr = {}): Attr => ({ name, type: 'string', multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none', ...extra });
const bool = (name: string): Attr => ({ name, type: 'boolean', multiValued: false, required: false, mutability: 'readWrite', returned: 'default' });
const complex = (name: string, subAttributes: Attr[], extra: Attr = {}): Attr => ({ name, type: 'complex', multiValued: false, required: false, mutability: 'readWrite', returned: 'default', subAttributes, ...extra });
const multi = (name: string, subAttributes: Attr[] = [str('value'), str('display'), str('type'), bool('primary')]): Attr => complex(name, subAttributes, { multiValued: true });

const USER_ATTRIBUTES: Attr[] = [
  str('userName', { required: true, uniqueness: 'server' }),
  complex('name', ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((n) => str(n))),
  ...['displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone'].map((n) => str(n)),
  bool('active'),
  multi('emails'),
  multi('phoneNumbers'),
  multi('ims'),
  multi('photos'),
  multi('addresses', ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'].map((n) => str(n)).concat([bool('primary')])),
  multi('roles'),
  multi('entitlements'),
  complex('groups', [str('value', { mutability: 'readOnly' }), str('$ref', { mutability: 'readOnly' }), str('display', { mutability: 'readOnly' })], { multiValued: true, mutability: 'readOnly' }),
];

const ENTERPRISE_ATTRIBUTES: Attr[] = [
  ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map((n) => str(n)),
  complex('manager', [str('value'), str('$ref'), str('displayName', { mutability: 'readOnly' })]),
];

const GROUP_ATTRIBUTES: Attr[] = [
  str('displayName', { required: true, uniqueness: 'server' }),
  complex('members', [str('value', { mutability: 'immutable', caseExact: true }), str('$ref', { mutability: 'immutable' }), str('display', { mutability: 'readOnly' }), str('type', { mutability: 'immutable' })], { multiValued: true }),
];

function meta(base: string, resourceType: string, path: string): Attr {
  return { resourceType, location: `${base}/${path}` };
}

export function serviceProviderConfig(base: string): Attr {
  return {
    schemas: [SPC_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'The token configured as scim.token in airlock.yaml, as "Authorization: Bearer <token>".', primary: true }],
    meta: meta(base, 'ServiceProviderConfig', 'ServiceProviderConfig'),
  };
}

export function resourceTypes(base: string): Attr[] {
  return [
    { schemas: [RESOURCE_TYPE_SCHEMA], id: 'User', name: 'User', endpoint: '/Users', description: 'People', schema: USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }], meta: meta(base, 'ResourceType', 'ResourceTypes/User') },
    { schemas: [RESOURCE_TYPE_SCHEMA], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Groups (their displayName is the group name roles: maps)', schema: GROUP_SCHEMA, meta: meta(base, 'ResourceType', 'ResourceTypes/Group') },
  ];
}

export function schemaDocuments(base: string): Attr[] {
  return [
    { schemas: [SCHEMA_SCHEMA], id: USER_SCHEMA, name: 'User', description: 'User Account', attributes: USER_ATTRIBUTES, meta: meta(base, 'Schema', `Schemas/${USER_SCHEMA}`) },
    { schemas: [SCHEMA_SCHEMA], id: ENTERPRISE_SCHEMA, name: 'EnterpriseUser', description: 'Enterprise User', attributes: ENTERPRISE_ATTRIBUTES, meta: meta(base, 'Schema', `Schemas/${ENTERPRISE_SCHEMA}`) },
    { schemas: [SCHEMA_SCHEMA], id: GROUP_SCHEMA, name: 'Group', description: 'Group', attributes: GROUP_ATTRIBUTES, meta: meta(base, 'Schema', `Schemas/${GROUP_SCHEMA}`) },
  ];
}

/** A list response (RFC 7644 3.4.2). */
export function listResponse(resources: unknown[], total: number, startIndex: number): Attr {
  return { schemas: [LIST_RESPONSE], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}
