export type { Identity, MfaState } from './identity.ts';
export { readClaim, claimString, claimGroups } from './claims.ts';
export { compileRoleMapper, type RoleMapper } from './map-roles.ts';
export { mapIdentity } from './map-identity.ts';
export { safeReturnTo } from './return-to.ts';
export { RelyingParty, type AuthorizationStart, type LoginResult } from './relying-party.ts';
export { memoryLoginStateStore, newBrowserBinding, hashBinding, type LoginState, type LoginStateStore } from './login-state.ts';
export * as identityErrors from './errors.ts';
