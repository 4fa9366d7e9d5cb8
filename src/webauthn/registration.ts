import { randomBytes } from 'node:crypto';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { isAirlockError } from '../errors/index.ts';
import { ZERO_AAGUID } from './aaguid-names.ts';
import { attestationChainProblem } from './attestation-chain.ts';
import type { CeremonyDeps, CeremonyPerson } from './ceremony.ts';
import { checkAuthenticatorData, checkClientData, decodeClientData, takeChallenge } from './checks.ts';
import {
  AaguidNotAllowed,
  AlgorithmNotAllowed,
  AttachmentNotAllowed,
  AttestationInvalid,
  AttestationRequired,
  AttestationUntrusted,
  CredentialExists,
  CredentialIdMismatch,
  CredentialIdTooLong,
  ResponseMalformed,
  TooManyKeys,
} from './errors.ts';
import { checkKeyName } from './key-name.ts';
import { webauthnHelpers, webauthnServer } from './library.ts';
import type { StoredCredential } from './repo/index.ts';
import { parseRegistrationResponse } from './response-shape.ts';
import { checkAttestationObjectLength } from './strict-cbor.ts';

/** WebAuthn Level 3, credential ID: "at most 1023 bytes long" (the Relying Party must refuse longer ones). */
export const MAX_CREDENTIAL_ID_BYTES = 1023;

/** Options for navigator.credentials.create(); the challenge is stored, bound to `binding` (the session hash). */
export async function startRegistration(d: CeremonyDeps, person: CeremonyPerson, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const now = d.now();
  const { cfg } = d;
  const handle = await d.repos.userHandles.forSub(person.sub, now);
  const existing = await d.repos.credentials.listBySub(person.sub);
  const { generateRegistrationOptions } = await webauthnServer();
  const options = await generateRegistrationOptions({
    rpName: cfg.rpName,
    rpID: cfg.rpId,
    userName: person.username,
    userID: Buffer.from(handle, 'base64url'),
    userDisplayName: person.displayName ?? person.username,
    challenge: randomBytes(32),
    timeout: cfg.challengeTtl,
    attestationType: cfg.attestation,
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: [...c.transports] })),
    authenticatorSelection: {
      residentKey: cfg.passwordless.enabled ? 'required' : 'preferred',
      requireResidentKey: cfg.passwordless.enabled,
      userVerification: cfg.userVerification,
      ...(cfg.attachment === 'any' ? {} : { authenticatorAttachment: cfg.attachment }),
    },
    supportedAlgorithmIDs: [...cfg.algorithms],
  });
  await d.repos.challenges.insert({ challenge: options.challenge, purpose: 'register', binding, sub: person.sub, createdAt: now, expiresAt: now + cfg.challengeTtl });
  return options;
}

/**
 * Verifies a registration response and stores the credential. Every check has its own error code; the
 * challenge is consumed whether or not the response passes. Emits `enrolled` or `failed`.
 */
export async function finishRegistration(
  d: CeremonyDeps,
  person: CeremonyPerson,
  binding: string,
  body: { readonly response: unknown; readonly name?: unknown },
  requestId?: string,
): Promise<StoredCredential> {
  const base = { sub: person.sub, username: person.username, sessionId: person.sessionId, purpose: 'register', requestId };
  try {
    const cred = await verifyAndStore(d, person, binding, body);
    d.events({ ...base, kind: 'enrolled', credentialId: cred.id, aaguid: cred.aaguid, detail: { fmt: cred.fmt, alg: cred.alg, discoverable: cred.discoverable } });
    return cred;
  } catch (err) {
    if (isAirlockError(err)) d.events({ ...base, kind: 'failed', code: err.code });
    throw err;
  }
}

async function verifyAndStore(d: CeremonyDeps, person: CeremonyPerson, binding: string, body: { readonly response: unknown; readonly name?: unknown }): Promise<StoredCredential> {
  const { cfg } = d;
  const now = d.now();
  const response = parseRegistrationResponse(body.response);
  const name = body.name === undefined ? undefined : checkKeyName(body.name);
  const cd = decodeClientData(response.response.clientDataJSON);
  const row = await takeChallenge(d.repos.challenges, cd, { purposes: ['register'], binding, sub: person.sub }, now);
  checkClientData(cd, 'webauthn.create', cfg);

  let fmt: string;
  let authData: Uint8Array;
  let x5c: unknown;
  const attestationObject = Buffer.from(response.response.attestationObject, 'base64url');
  checkAttestationObjectLength(attestationObject);
  const { decodeAttestationObject, decodeCredentialPublicKey } = await webauthnHelpers();
  try {
    const att = decodeAttestationObject(attestationObject);
    fmt = att.get('fmt');
    authData = att.get('authData');
    x5c = att.get('attStmt')?.get('x5c');
  } catch (cause) {
    throw ResponseMalformed.create({ cause, logMessage: 'attestationObject is not CBOR of the expected shape' });
  }
  if (typeof fmt !== 'string' || !(authData instanceof Uint8Array)) throw ResponseMalformed.create({ logMessage: 'attestationObject lacks fmt or authData' });
  const uvRequired = cfg.userVerification === 'required';
  const parsed = await checkAuthenticatorData(authData, cfg, { uvRequired });
  if (!parsed.flags.at || !parsed.credentialID || !parsed.credentialPublicKey || !parsed.aaguid) {
    throw ResponseMalformed.create({ logMessage: 'authenticatorData carries no attested credential data' });
  }
  if (parsed.credentialID.length > MAX_CREDENTIAL_ID_BYTES) {
    throw CredentialIdTooLong.create({ logMessage: `credential id of ${parsed.credentialID.length} bytes, more than ${MAX_CREDENTIAL_ID_BYTES}`, details: { max_bytes: MAX_CREDENTIAL_ID_BYTES } });
  }
  const credentialId = Buffer.from(parsed.credentialID).toString('base64url');
  if (credentialId !== response.id) throw CredentialIdMismatch.create({ logMessage: 'credential id in authenticatorData differs from the response id' });
  let alg: unknown;
  try {
    alg = decodeCredentialPublicKey(parsed.credentialPublicKey).get(3);
  } catch (cause) {
    throw ResponseMalformed.create({ cause, logMessage: 'credential public key is not COSE' });
  }
  if (typeof alg !== 'number' || !cfg.algorithms.includes(alg)) throw AlgorithmNotAllowed.create({ logMessage: `credential algorithm ${String(alg)} is not allowed`, details: { alg: typeof alg === 'number' ? alg : null } });
  const aaguid = formatAaguid(parsed.aaguid);
  if (cfg.attestation === 'direct') {
    if (fmt === 'none') throw AttestationRequired.create({ logMessage: 'attestation "none" while direct attestation is required' });
    if (!cfg.allowedAaguids.has(aaguid)) throw AaguidNotAllowed.create({ logMessage: `AAGUID ${aaguid} is not allowed`, details: { aaguid } });
  }
  if (cfg.attachment !== 'any' && response.authenticatorAttachment !== undefined && response.authenticatorAttachment !== cfg.attachment) {
    throw AttachmentNotAllowed.create({ logMessage: `authenticator attachment ${response.authenticatorAttachment}, expected ${cfg.attachment}` });
  }
  if (await d.repos.credentials.get(credentialId)) throw CredentialExists.create({ logMessage: 'credential id already registered' });
  const mine = await d.repos.credentials.listBySub(person.sub);
  if (mine.length >= cfg.maxKeys) throw TooManyKeys.create();

  const { verifyRegistrationResponse } = await webauthnServer();
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: row.challenge,
      expectedOrigin: cfg.origin,
      expectedRPID: cfg.rpId,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: uvRequired,
      supportedAlgorithmIDs: [...cfg.algorithms],
    });
  } catch (cause) {
    throw AttestationInvalid.create({ cause, logMessage: 'attestation verification failed' });
  }
  if (!verified.verified) throw AttestationInvalid.create({ logMessage: 'attestation not verified' });
  if (cfg.attestation === 'direct') {
    // @simplewebauthn checked the statement's signature; who made the key is proven only by a chain to a root we trust
    const certs = Array.isArray(x5c) && x5c.every((c) => c instanceof Uint8Array) ? (x5c as Uint8Array[]) : [];
    if (certs.length === 0) throw AttestationRequired.create({ logMessage: `"${fmt}" attestation without a certificate (self attestation) while direct attestation is required` });
    const problem = attestationChainProblem(certs, cfg.attestationRoots, now);
    if (problem) throw AttestationUntrusted.create({ logMessage: `AAGUID ${aaguid}: ${problem}`, details: { aaguid } });
  }
  const info = verified.registrationInfo;
  const ext = response.clientExtensionResults as { credProps?: { rk?: unknown } };
  const cred = {
    id: credentialId,
    sub: person.sub,
    userHandle: await d.repos.userHandles.forSub(person.sub, now),
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    alg,
    counter: info.credential.counter,
    transports: Object.freeze([...(response.response.transports ?? [])]),
    aaguid,
    fmt,
    name: name ?? defaultName(d, aaguid, mine.length),
    backupEligible: parsed.flags.be,
    backedUp: parsed.flags.bs,
    discoverable: ext.credProps?.rk === true,
    createdAt: now,
  };
  if (!(await d.repos.credentials.insert(cred))) throw CredentialExists.create({ logMessage: 'credential id registered concurrently' });
  return Object.freeze({ ...cred, lastUsedAt: null, disabledAt: null, disabledReason: null });
}

function formatAaguid(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  if (h.length !== 32) return ZERO_AAGUID;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function defaultName(d: CeremonyDeps, aaguid: string, count: number): string {
  const model = aaguid === ZERO_AAGUID ? undefined : d.cfg.names.get(aaguid);
  return `${model ?? 'Security key'} ${count + 1}`;
}

