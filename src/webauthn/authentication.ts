import { randomBytes } from 'node:crypto';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { isAirlockError } from '../errors/index.ts';
import type { CeremonyDeps, CeremonyPerson } from './ceremony.ts';
import { checkAuthenticatorData, checkClientData, decodeClientData, takeChallenge } from './checks.ts';
import {
  AlgorithmNotAllowed,
  BackupFlagsInvalid,
  CounterRegression,
  CredentialDisabled,
  CredentialOtherUser,
  CredentialUnknown,
  NoKeys,
  SignatureInvalid,
  UserHandleMismatch,
} from './errors.ts';
import type { ChallengePurpose, StoredCredential } from './repo/index.ts';
import { webauthnServer } from './library.ts';
import { parseAuthenticationResponse } from './response-shape.ts';

export type AssertionPurpose = Exclude<ChallengePurpose, 'register'>;

/**
 * Options for navigator.credentials.get(). With a person: their active keys are the allowed credentials.
 * `exclude` leaves one key out (removing a key needs ANOTHER key). Without a person (passwordless): no list, the authenticator offers its discoverable credentials; UV is required.
 */
export async function startAuthentication(
  d: CeremonyDeps,
  input: { readonly purpose: AssertionPurpose; readonly person: CeremonyPerson | null; readonly binding: string; readonly exclude?: string | undefined },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const now = d.now();
  let allow: StoredCredential[] = [];
  if (input.person) {
    allow = (await d.repos.credentials.listBySub(input.person.sub)).filter((c) => c.disabledAt === null && c.id !== input.exclude);
    if (allow.length === 0) throw NoKeys.create();
  }
  const { generateAuthenticationOptions } = await webauthnServer();
  const options = await generateAuthenticationOptions({
    rpID: d.cfg.rpId,
    challenge: randomBytes(32),
    timeout: d.cfg.challengeTtl,
    userVerification: input.purpose === 'passwordless' ? 'required' : d.cfg.userVerification,
    allowCredentials: allow.map((c) => ({ id: c.id, transports: [...c.transports] })),
  });
  await d.repos.challenges.insert({
    challenge: options.challenge,
    purpose: input.purpose,
    binding: input.binding,
    sub: input.person?.sub ?? null,
    createdAt: now,
    expiresAt: now + d.cfg.challengeTtl,
  });
  return options;
}

export interface AssertionResult {
  readonly credential: StoredCredential;
  readonly userVerified: boolean;
  readonly at: number;
}

/**
 * Verifies an assertion: challenge (single use, this binding, this purpose, not expired), origin, RP ID,
 * flags, owner, user handle, algorithm, signature, then the counter (a non-increasing counter after a valid
 * signature = a possible clone: refused, logged, and the key disabled when configured). Emits events.
 */
export async function finishAuthentication(
  d: CeremonyDeps,
  input: { readonly purposes: readonly AssertionPurpose[]; readonly person: CeremonyPerson | null; readonly binding: string; readonly response: unknown; readonly requestId?: string | undefined },
): Promise<AssertionResult> {
  const purpose = input.purposes[0];
  let owner: StoredCredential | undefined;
  try {
    const r = await verifyAssertion(d, input, (c) => {
      owner = c;
    });
    d.events({ kind: 'used', ...actor(input.person, r.credential), purpose, credentialId: r.credential.id, requestId: input.requestId, detail: { counter: r.credential.counter, user_verified: r.userVerified } });
    return r;
  } catch (err) {
    if (isAirlockError(err)) {
      d.events({ kind: 'failed', ...actor(input.person, owner), purpose, code: err.code, credentialId: owner?.id, requestId: input.requestId });
    }
    throw err;
  }
}

function actor(person: CeremonyPerson | null, cred: StoredCredential | undefined) {
  if (person) return { sub: person.sub, username: person.username, sessionId: person.sessionId };
  return cred ? { sub: cred.sub } : {};
}

async function verifyAssertion(
  d: CeremonyDeps,
  input: { readonly purposes: readonly AssertionPurpose[]; readonly person: CeremonyPerson | null; readonly binding: string; readonly response: unknown; readonly requestId?: string | undefined },
  found: (c: StoredCredential) => void,
): Promise<AssertionResult> {
  const { cfg } = d;
  const now = d.now();
  const response = parseAuthenticationResponse(input.response);
  const cd = decodeClientData(response.response.clientDataJSON);
  const row = await takeChallenge(d.repos.challenges, cd, { purposes: input.purposes, binding: input.binding, sub: input.person?.sub ?? null }, now);
  checkClientData(cd, 'webauthn.get', cfg);

  const cred = await d.repos.credentials.get(response.id);
  if (!cred) throw CredentialUnknown.create({ logMessage: 'assertion with an unregistered credential id' });
  if (input.person && cred.sub !== input.person.sub) {
    found(cred);
    throw CredentialOtherUser.create({ logMessage: `credential of ${cred.sub} presented by ${input.person.sub}` });
  }
  found(cred);
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== cred.userHandle) throw UserHandleMismatch.create({ logMessage: 'userHandle is not the credential owner\'s' });
  if (input.person === null && handle === undefined) throw UserHandleMismatch.create({ logMessage: 'passwordless assertion without a userHandle (not a discoverable credential)' });
  if (cred.disabledAt !== null) throw CredentialDisabled.create({ logMessage: `credential disabled: ${cred.disabledReason ?? 'no reason'}` });
  if (!cfg.algorithms.includes(cred.alg)) throw AlgorithmNotAllowed.create({ logMessage: `stored credential algorithm ${cred.alg} is no longer allowed` });

  const uvRequired = cfg.userVerification === 'required' || row.purpose === 'passwordless';
  const parsed = await checkAuthenticatorData(Buffer.from(response.response.authenticatorData, 'base64url'), cfg, { uvRequired });
  if (parsed.flags.be !== cred.backupEligible) throw BackupFlagsInvalid.create({ logMessage: 'backup eligibility differs from registration' });

  const { verifyAuthenticationResponse } = await webauthnServer();
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: row.challenge,
      expectedOrigin: cfg.origin,
      expectedRPID: cfg.rpId,
      expectedType: 'webauthn.get',
      // The counter is checked below, after the signature (so a forged low counter cannot disable a key).
      credential: { id: cred.id, publicKey: Buffer.from(cred.publicKey, 'base64url'), counter: 0, transports: [...cred.transports] as never },
      requireUserVerification: uvRequired,
    });
  } catch (cause) {
    throw SignatureInvalid.create({ cause, logMessage: 'assertion verification failed' });
  }
  if (!verified.verified) throw SignatureInvalid.create({ logMessage: 'assertion signature not verified' });

  const counter = parsed.counter;
  if ((counter > 0 || cred.counter > 0) && counter <= cred.counter) await cloneSuspected(d, cred, counter, input, row.purpose);
  if (!(await d.repos.credentials.recordUse(cred.id, cred.counter, { counter, backedUp: parsed.flags.bs, at: now }))) {
    const again = await d.repos.credentials.get(cred.id);
    if (!again || again.disabledAt !== null) throw CredentialDisabled.create({ logMessage: 'credential disabled or removed during the assertion' });
    if ((counter > 0 || again.counter > 0) && counter <= again.counter) await cloneSuspected(d, again, counter, input, row.purpose);
    if (!(await d.repos.credentials.recordUse(cred.id, again.counter, { counter, backedUp: parsed.flags.bs, at: now }))) {
      throw CounterRegression.create({ logMessage: 'concurrent assertions with the same credential' });
    }
  }
  return { credential: Object.freeze({ ...cred, counter, backedUp: parsed.flags.bs, lastUsedAt: now }), userVerified: parsed.flags.uv, at: now };
}

async function cloneSuspected(
  d: CeremonyDeps,
  cred: StoredCredential,
  counter: number,
  input: { readonly person: CeremonyPerson | null; readonly requestId?: string | undefined },
  purpose: string,
): Promise<never> {
  const who = actor(input.person, cred);
  d.events({ kind: 'clone_suspected', ...who, purpose, credentialId: cred.id, code: CounterRegression.code, requestId: input.requestId, detail: { stored_counter: cred.counter, presented_counter: counter } });
  if (d.cfg.onCounterRegression === 'disable' && (await d.repos.credentials.disable(cred.id, 'counter regression (possible clone)', d.now()))) {
    d.events({ kind: 'disabled', ...who, purpose, credentialId: cred.id, code: CounterRegression.code, requestId: input.requestId });
  }
  throw CounterRegression.create({ logMessage: `counter ${counter} not above stored ${cred.counter}` });
}
