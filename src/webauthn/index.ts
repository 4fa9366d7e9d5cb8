/** Public face of the webauthn area: security-key ceremonies, enrolment gate, IdP MFA, key management. */
export { webauthnFor, compileWebauthn, type CompiledWebauthn } from './compile.ts';
export { COSE_ALGORITHMS, algorithmName, type AlgorithmName } from './algorithms.ts';
export { KNOWN_AUTHENTICATORS, authenticatorName, ZERO_AAGUID } from './aaguid-names.ts';
export type { CeremonyDeps, CeremonyPerson } from './ceremony.ts';
export { startRegistration, finishRegistration } from './registration.ts';
export { startAuthentication, finishAuthentication, type AssertionPurpose, type AssertionResult } from './authentication.ts';
export { mustUseKey, sessionVerified, gateFor, freshForManagement, firstKeyLoginFresh, firstKeyMfaAt } from './gate.ts';
export { idpMfaFrom, type IdpMfaResult } from './idp-mfa.ts';
export { checkKeyName } from './key-name.ts';
export { sha256b64 } from './checks.ts';
export { loggingSink, toAuditInput, type WebauthnEvent, type WebauthnEventKind, type WebauthnEventSink, type WebauthnAuditInput, type EventLogger } from './events.ts';
export { webauthnRepos, type WebauthnRepos, type StoredCredential, type NewCredential, type CredentialRepo, type ChallengeRepo, type ChallengeRow, type ChallengePurpose, type UserHandleRepo } from './repo/index.ts';
export { BROWSER_BUNDLE } from './browser-bundle.ts';
export * as webauthnErrors from './errors.ts';
export { listKeys, revokeKey, type KeyListing } from './admin.ts';
