/** Public face of the SCIM area: SCIM 2.0 provisioning (docs/scim.md) and the SCIM record as a source of groups. */
export { ScimService, isId, type PersonChange, type ScimResult } from './service.ts';
export { applyScim, matchKeyOf } from './precedence.ts';
export { parseFilter, parsePaging, type Paging } from './filter.ts';
export { parsePatch, parsePath, type PatchOperation, type PatchPath } from './patch-op.ts';
export { patchUser } from './patch-user.ts';
export { patchGroup } from './patch-group.ts';
export { parseUser, renderUser, userDocument } from './user-resource.ts';
export { parseGroup, renderGroup } from './group-resource.ts';
export { serviceProviderConfig, resourceTypes, schemaDocuments, listResponse, MAX_RESULTS, USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_SCHEMA, PATCH_OP, ERROR_SCHEMA, LIST_RESPONSE } from './schemas.ts';
export * as scimErrors from './errors.ts';
