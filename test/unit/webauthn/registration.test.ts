import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { finishRegistration, startRegistration, webauthnErrors as E, type CeremonyDeps } from '../../../src/webauthn/index.ts';
import { attestationKey, attestationPem, der } from '../../support/attestation-fixtures.ts';
import { aaguidBytes, CraftedAuthenticator } from './crafted.ts';
import { alice, ALICE_SESSION, BOB_SESSION, bob, harness, ORIGIN, RP_ID, type Harness, refusedWith } from './setup.ts';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());
beforeEach(() => h.reset());


async function enrol(d: CeremonyDeps, key: CraftedAuthenticator, o: Parameters<CraftedAuthenticator['register']>[1] = {}, person = alice, binding = ALICE_SESSION) {
  const options = await startRegistration(d, person, binding);
  return finishRegistration(d, person, binding, { response: key.register(options.challenge, o), name: 'Test key' });
}

const YUBIKEY_5 = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

describe('registration with crafted responses', () => {
  test('a well-formed "none" attestation is stored and logged as enrolled', async () => {
    const d = h.deps();
    const key = new CraftedAuthenticator(RP_ID, ORIGIN);
    const options = await startRegistration(d, alice, ALICE_SESSION);
    assert.equal(options.rp.id, RP_ID);
    assert.equal(options.authenticatorSelection?.userVerification, 'required');
    const cred = await finishRegistration(d, alice, ALICE_SESSION, { response: key.register(options.challenge), name: 'Desk key' });
    assert.equal(cred.id, key.id);
    assert.equal(cred.name, 'Desk key');
    assert.equal(cred.alg, -7);
    assert.equal((await d.repos.credentials.get(key.id))?.sub, alice.sub);
    assert.deepEqual(h.events.map((e) => [e.kind, e.credentialId]), [['enrolled', key.id]]);
  });

  test('wrong origin -> ORIGIN_MISMATCH', async () => {
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN), { origin: 'http://localhost.evil.example' }), E.OriginMismatch.code);
    assert.equal(h.events.at(-1)?.kind, 'failed');
    assert.equal(h.events.at(-1)?.code, E.OriginMismatch.code);
  });

  test('wrong rpIdHash -> RP_ID_MISMATCH', async () => {
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN), { rpId: 'evil.example' }), E.RpIdMismatch.code);
  });

  test('a get() clientData in a create() ceremony -> CLIENT_DATA_TYPE', async () => {
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN), { type: 'webauthn.get' }), E.ClientDataType.code);
  });

  test('UP flag missing -> USER_PRESENCE_MISSING', async () => {
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN), { flags: { up: false } }), E.UserPresenceMissing.code);
  });

  test('UV flag missing while required -> USER_VERIFICATION_MISSING; accepted when only preferred', async () => {
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN), { flags: { uv: false } }), E.UserVerificationMissing.code);
    const cred = await enrol(h.deps({ user_verification: 'preferred' }), new CraftedAuthenticator(RP_ID, ORIGIN), { flags: { uv: false } });
    assert.equal(cred.sub, alice.sub);
  });

  test('backup state without backup eligibility -> BACKUP_FLAGS_INVALID', async () => {
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN), { flags: { be: false, bs: true } }), E.BackupFlagsInvalid.code);
  });

  test('an algorithm outside webauthn.algorithms -> ALGORITHM_NOT_ALLOWED', async () => {
    await refusedWith(enrol(h.deps({ algorithms: ['ES256'] }), new CraftedAuthenticator(RP_ID, ORIGIN, { alg: 'EdDSA' })), E.AlgorithmNotAllowed.code);
    const ok = await enrol(h.deps({ algorithms: ['ES256', 'EdDSA'] }), new CraftedAuthenticator(RP_ID, ORIGIN, { alg: 'EdDSA' }));
    assert.equal(ok.alg, -8);
  });

  describe('direct attestation (allowed_aaguids + attestation_roots)', () => {
    const direct = () => h.deps({ attestation: 'direct', allowed_aaguids: [YUBIKEY_5], attestation_roots: attestationPem.makerRoot });
    const maker = { key: attestationKey('maker'), x5c: [der(attestationPem.makerAttestation), der(attestationPem.makerIntermediate)] };
    // the fixtures are valid from when they were made; the chain is checked at the ceremony's clock
    beforeEach(() => {
      h.clock = Date.now();
    });

    test('a chain from the trusted maker root with an allowed AAGUID is stored', async () => {
      const ok = await enrol(direct(), new CraftedAuthenticator(RP_ID, ORIGIN), { fmt: 'packed', aaguid: aaguidBytes(YUBIKEY_5), attestation: maker });
      assert.equal(ok.aaguid, YUBIKEY_5);
      assert.equal(ok.fmt, 'packed');
      // the root itself at the end of x5c is accepted too
      const withRoot = { ...maker, x5c: [...maker.x5c, der(attestationPem.makerRoot)] };
      assert.equal((await enrol(direct(), new CraftedAuthenticator(RP_ID, ORIGIN), { fmt: 'packed', aaguid: aaguidBytes(YUBIKEY_5), attestation: withRoot })).fmt, 'packed');
    });

    test('"none" or self attestation (no certificate) claiming an allowed AAGUID -> ATTESTATION_REQUIRED', async () => {
      await refusedWith(enrol(direct(), new CraftedAuthenticator(RP_ID, ORIGIN), { fmt: 'none', aaguid: aaguidBytes(YUBIKEY_5) }), E.AttestationRequired.code);
      await refusedWith(enrol(direct(), new CraftedAuthenticator(RP_ID, ORIGIN), { fmt: 'packed', aaguid: aaguidBytes(YUBIKEY_5) }), E.AttestationRequired.code);
    });

    test('an AAGUID outside the allow-list -> AAGUID_NOT_ALLOWED, even from the trusted maker', async () => {
      await refusedWith(enrol(direct(), new CraftedAuthenticator(RP_ID, ORIGIN), { fmt: 'packed', aaguid: aaguidBytes('ee882879-721c-4913-9775-3dfcce97072a'), attestation: maker }), E.AaguidNotAllowed.code);
    });

    test('hostile chains claiming an allowed AAGUID -> ATTESTATION_UNTRUSTED: a self-made root with the same names, a missing intermediate, a leaf posing as a CA', async () => {
      const rogue = { key: attestationKey('rogue'), x5c: [der(attestationPem.rogueAttestation)] };
      const rogueWithRoot = { ...rogue, x5c: [...rogue.x5c, der(attestationPem.rogueRoot)] };
      const noIntermediate = { ...maker, x5c: [der(attestationPem.makerAttestation)] };
      const leafAsCa = { ...maker, x5c: [der(attestationPem.makerAttestation), der(attestationPem.rogueAttestation), der(attestationPem.makerIntermediate)] };
      for (const attestation of [rogue, rogueWithRoot, noIntermediate, leafAsCa]) {
        await refusedWith(enrol(direct(), new CraftedAuthenticator(RP_ID, ORIGIN), { fmt: 'packed', aaguid: aaguidBytes(YUBIKEY_5), attestation }), E.AttestationUntrusted.code);
      }
      const refused = h.events.filter((e) => e.kind === 'failed').map((e) => e.code);
      assert.deepEqual(refused, Array(4).fill(E.AttestationUntrusted.code), 'each refusal is an audited WebAuthn event');
    });

    test('a chain outside its validity at the ceremony time (expired, or not valid yet) -> ATTESTATION_UNTRUSTED', async () => {
      for (const at of [Date.now() + 200 * 365 * 86_400_000, Date.parse('2020-01-01T00:00:00Z')]) {
        h.clock = at;
        await refusedWith(enrol(direct(), new CraftedAuthenticator(RP_ID, ORIGIN), { fmt: 'packed', aaguid: aaguidBytes(YUBIKEY_5), attestation: maker }), E.AttestationUntrusted.code);
      }
    });

    test('an attestation from a maker root that is not configured is untrusted, and trusted once its root is configured', async () => {
      const rogue = { key: attestationKey('rogue'), x5c: [der(attestationPem.rogueAttestation)] };
      await refusedWith(enrol(direct(), new CraftedAuthenticator(RP_ID, ORIGIN), { fmt: 'packed', aaguid: aaguidBytes(YUBIKEY_5), attestation: rogue }), E.AttestationUntrusted.code);
      const both = h.deps({ attestation: 'direct', allowed_aaguids: [YUBIKEY_5], attestation_roots: `${attestationPem.makerRoot}\n${attestationPem.rogueRoot}` });
      assert.equal((await enrol(both, new CraftedAuthenticator(RP_ID, ORIGIN), { fmt: 'packed', aaguid: aaguidBytes(YUBIKEY_5), attestation: rogue })).aaguid, YUBIKEY_5);
    });
  });

  test('a replayed registration (same challenge twice) -> CHALLENGE_UNKNOWN', async () => {
    const d = h.deps();
    const key = new CraftedAuthenticator(RP_ID, ORIGIN);
    const options = await startRegistration(d, alice, ALICE_SESSION);
    const response = key.register(options.challenge);
    await finishRegistration(d, alice, ALICE_SESSION, { response });
    await refusedWith(finishRegistration(d, alice, ALICE_SESSION, { response }), E.ChallengeUnknown.code);
  });

  test('an expired challenge -> CHALLENGE_EXPIRED', async () => {
    const d = h.deps({ challenge_ttl: '1m' });
    const options = await startRegistration(d, alice, ALICE_SESSION);
    h.clock += 61_000;
    try {
      await refusedWith(finishRegistration(d, alice, ALICE_SESSION, { response: new CraftedAuthenticator(RP_ID, ORIGIN).register(options.challenge) }), E.ChallengeExpired.code);
    } finally {
      h.clock -= 61_000;
    }
  });

  test('a challenge answered from another session -> CHALLENGE_MISMATCH', async () => {
    const d = h.deps();
    const options = await startRegistration(d, alice, ALICE_SESSION);
    await refusedWith(finishRegistration(d, bob, BOB_SESSION, { response: new CraftedAuthenticator(RP_ID, ORIGIN).register(options.challenge) }), E.ChallengeMismatch.code);
  });

  test('a credential id already registered to another user -> CREDENTIAL_EXISTS', async () => {
    const d = h.deps();
    const key = new CraftedAuthenticator(RP_ID, ORIGIN);
    await enrol(d, key);
    const clone = new CraftedAuthenticator(RP_ID, ORIGIN, { credentialId: key.credentialId });
    await refusedWith(enrol(d, clone, {}, bob, BOB_SESSION), E.CredentialExists.code);
    assert.equal((await d.repos.credentials.get(key.id))?.sub, alice.sub);
  });

  test('the response id differs from the credential in authenticatorData -> CREDENTIAL_ID_MISMATCH', async () => {
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN), { responseId: Buffer.from('another-credential').toString('base64url') }), E.CredentialIdMismatch.code);
  });

  test('a roaming-only policy refuses a platform authenticator -> ATTACHMENT_NOT_ALLOWED', async () => {
    await refusedWith(enrol(h.deps({ authenticator_attachment: 'cross-platform' }), new CraftedAuthenticator(RP_ID, ORIGIN), { attachment: 'platform' }), E.AttachmentNotAllowed.code);
  });

  test('malformed JSON shapes -> RESPONSE_MALFORMED', async () => {
    const d = h.deps();
    await startRegistration(d, alice, ALICE_SESSION);
    for (const response of [null, 'x', { id: 'a', rawId: 'b', type: 'public-key', response: {}, clientExtensionResults: {} }, { id: 'a!', rawId: 'a!' }]) {
      await refusedWith(finishRegistration(d, alice, ALICE_SESSION, { response }), E.ResponseMalformed.code);
    }
  });
});
