/** Public face of the tokens area: Airlock machine tokens, IdP-issued workload JWTs, scopes and their administration. */
export { TOKEN_PREFIX, TOKEN_LENGTH, TOKEN_SCAN_REGEX, generateToken, parseToken, isWellFormedToken, hashToken, sameHash, newTokenId } from './format.ts';
export { compileTokens, SERVICE_ACCOUNT_PREFIX, type CompiledTokens, type CompiledServiceAccount, type CompiledIssuer } from './compile.ts';
export { readCredential, type Credential, type CredentialSource } from './credentials.ts';
export { TokenService, REVALIDATE_MS, TOUCH_EVERY_MS, type TokenRuntime, type MachineAuth, type TokenServiceOptions } from './token-service.ts';
export { decideForMachine } from './decide.ts';
export { checkScope, scopeLayer, globToRegExp, type ScopeLayer, type ScopeCheck } from './scope.ts';
export type { MachinePrincipal, TokenFacts, WorkloadFacts } from './principal.ts';
export { verifyWorkloadJwt, mapToServiceAccount, looksLikeJwt, type VerifiedWorkload } from './workload.ts';
export { TokenBuckets } from './rate-limit.ts';
export { describeMachine } from './describe.ts';
export { createToken, listTokens, revokeToken, rotateToken, findUser, type TokenAdminContext, type TokenAudit, type CreateTokenRequest, type IssuedToken, type TokenListing } from './admin.ts';
export * as tokenErrors from './errors.ts';
export * as device from './device/index.ts';
