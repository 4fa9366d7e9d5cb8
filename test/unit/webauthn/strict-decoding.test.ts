import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { finishAuthentication, finishRegistration, startAuthentication, startRegistration, webauthnErrors as E, type CeremonyDeps } from '../../../src/webauthn/index.ts';
import { cbor, CraftedAuthenticator } from './crafted.ts';
import { alice, ALICE_SESSION, harness, ORIGIN, RP_ID, type Harness, refusedWith } from './setup.ts';

/**
 * Issue #12 items 5 and 6: credential ids are at most 1023 bytes (WebAuthn L3), and every CBOR structure
 * (the attestation object, the credential public key, the extension data) and authenticatorData itself must
 * be consumed to the last byte: nothing may trail what the encoding and the flags declare.
 */
let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());
beforeEach(() => h.reset());

type RegisterOptions = Parameters<CraftedAuthenticator['register']>[1];

async function enrol(d: CeremonyDeps, key: CraftedAuthenticator, o: RegisterOptions = {}) {
  const options = await startRegistration(d, alice, ALICE_SESSION);
  return finishRegistration(d, alice, ALICE_SESSION, { response: key.register(options.challenge, o), name: 'Test key' });
}

async function login(d: CeremonyDeps, key: CraftedAuthenticator, o: Parameters<CraftedAuthenticator['assert']>[1] = {}) {
  const options = await startAuthentication(d, { purpose: 'login', person: alice, binding: ALICE_SESSION });
  return finishAuthentication(d, { purposes: ['login'], person: alice, binding: ALICE_SESSION, response: key.assert(options.challenge, o) });
}

/** CBOR half-precision +Infinity: three bytes that @simplewebauthn's CBOR library re-encodes as five. */
const HALF_INFINITY = Buffer.from([0xf9, 0x7c, 0x00]);
/** `{ "x": +Infinity }` as extension data (6 bytes; re-encoded by the library: 8). */
const FLOAT_EXTENSIONS = Buffer.concat([Buffer.from([0xa1, 0x61, 0x78]), HALF_INFINITY]);

/** The key's COSE map with one more entry, "ext": +Infinity (half precision). */
function coseWithFloat(key: CraftedAuthenticator): Buffer {
  const cose = Buffer.from(key.key.cosePublicKey);
  assert.equal(cose[0], 0xa5, 'an ES256 COSE key is a map of five entries');
  cose[0] = 0xa6;
  return Buffer.concat([cose, cbor('ext'), HALF_INFINITY]);
}

const append = (...extra: number[]) => (b: Buffer) => Buffer.concat([b, Buffer.from(extra)]);

describe('credential id length (WebAuthn L3: at most 1023 bytes)', () => {
  test('a 1024-byte credential id is refused at registration with CREDENTIAL_ID_TOO_LONG and logged as failed; 1023 bytes is accepted', async () => {
    const d = h.deps();
    await refusedWith(enrol(d, new CraftedAuthenticator(RP_ID, ORIGIN, { credentialId: randomBytes(1024) })), 'AIRLOCK_WEBAUTHN_CREDENTIAL_ID_TOO_LONG');
    assert.deepEqual([h.events.at(-1)?.kind, h.events.at(-1)?.code], ['failed', 'AIRLOCK_WEBAUTHN_CREDENTIAL_ID_TOO_LONG']);
    assert.deepEqual(await d.repos.credentials.listBySub(alice.sub), [], 'nothing was stored');

    const longest = await enrol(d, new CraftedAuthenticator(RP_ID, ORIGIN, { credentialId: randomBytes(1023) }));
    assert.equal(Buffer.from(longest.id, 'base64url').length, 1023);
  });

  test('a far longer id (the most the response shape lets through) is refused the same way', async () => {
    // 1050 bytes = 1400 base64url characters, the response-shape limit
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN, { credentialId: randomBytes(1050) })), 'AIRLOCK_WEBAUTHN_CREDENTIAL_ID_TOO_LONG');
  });
});

describe('registration: the attestation object is exactly one CBOR item', () => {
  test('bytes after the attestation object (a zero byte, a second CBOR item) -> RESPONSE_MALFORMED; nothing stored', async () => {
    const d = h.deps();
    for (const tamperAttestationObject of [append(0x00), (att: Buffer) => Buffer.concat([att, cbor(new Map([['fmt', 'none']]))])]) {
      await refusedWith(enrol(d, new CraftedAuthenticator(RP_ID, ORIGIN), { tamperAttestationObject }), E.ResponseMalformed.code);
    }
    assert.deepEqual(await d.repos.credentials.listBySub(alice.sub), []);
    assert.deepEqual(h.events.map((e) => [e.kind, e.code]), Array(2).fill(['failed', E.ResponseMalformed.code]));
  });

  test('an attestation object cut short (its last byte missing) -> RESPONSE_MALFORMED', async () => {
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN), { tamperAttestationObject: (att) => att.subarray(0, att.length - 1) }), E.ResponseMalformed.code);
  });

  test('bytes after the credential public key in authenticatorData (no extensions flag) -> RESPONSE_MALFORMED', async () => {
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN), { tamperAuthData: append(0xde, 0xad) }), E.ResponseMalformed.code);
  });

  test('trailing bytes hidden behind a public key whose CBOR re-encodes longer -> RESPONSE_MALFORMED (the same key without them is accepted)', async () => {
    const key = new CraftedAuthenticator(RP_ID, ORIGIN);
    const d = h.deps();
    await refusedWith(enrol(d, key, { cosePublicKey: coseWithFloat(key), tamperAuthData: append(0xde, 0xad) }), E.ResponseMalformed.code);
    const ok = await enrol(d, key, { cosePublicKey: coseWithFloat(key) });
    assert.equal(ok.id, key.id, 'the strict decoder accepts an exact encoding with a float value');
  });
});

describe('assertions: authenticatorData ends where its flags say', () => {
  test('bytes after the 37-byte header without the extensions flag -> RESPONSE_MALFORMED, counter untouched', async () => {
    const d = h.deps();
    const key = new CraftedAuthenticator(RP_ID, ORIGIN);
    await enrol(d, key);
    for (const extra of [[0x00], [0xa0], [0xde, 0xad, 0xbe, 0xef]]) {
      await refusedWith(login(d, key, { tamperAuthData: append(...extra) }), E.ResponseMalformed.code);
    }
    assert.equal((await d.repos.credentials.get(key.id))?.counter, 0, 'no refused assertion moved the counter');
    assert.equal((await login(d, key)).credential.id, key.id, 'the untampered key still works');
  });

  test('bytes after the extension data -> RESPONSE_MALFORMED, also when the extension CBOR re-encodes longer; exact extension data is accepted', async () => {
    const d = h.deps();
    const key = new CraftedAuthenticator(RP_ID, ORIGIN);
    await enrol(d, key);
    const plainExtensions = cbor(new Map([['credProtect', 2]]));
    await refusedWith(login(d, key, { extensions: plainExtensions, tamperAuthData: append(0x00) }), E.ResponseMalformed.code);
    await refusedWith(login(d, key, { extensions: FLOAT_EXTENSIONS, tamperAuthData: append(0xde, 0xad) }), E.ResponseMalformed.code);
    assert.equal((await d.repos.credentials.get(key.id))?.counter, 0);
    assert.equal((await login(d, key, { extensions: plainExtensions })).credential.id, key.id);
    assert.equal((await login(d, key, { extensions: FLOAT_EXTENSIONS })).credential.id, key.id);
  });

  test('the extensions flag without extension data, or with a truncated item -> RESPONSE_MALFORMED', async () => {
    const d = h.deps();
    const key = new CraftedAuthenticator(RP_ID, ORIGIN);
    await enrol(d, key);
    const setEd = (ad: Buffer) => {
      const b = Buffer.from(ad);
      b[32] = b[32]! | 0x80;
      return b;
    };
    await refusedWith(login(d, key, { tamperAuthData: setEd }), E.ResponseMalformed.code);
    await refusedWith(login(d, key, { extensions: Buffer.from([0xa1, 0x61, 0x78]) }), E.ResponseMalformed.code);
  });
});

describe('compatibility', () => {
  test("Firefox 117's EdDSA key (a COSE map declared with 3 entries holding 4) is read as @simplewebauthn reads it, not refused as trailing bytes", async () => {
    const key = new CraftedAuthenticator(RP_ID, ORIGIN, { alg: 'EdDSA' });
    const x = key.key.cosePublicKey.subarray(key.key.cosePublicKey.length - 32);
    const firefox117 = Buffer.concat([Buffer.from('a301634f4b500327206745643235353139', 'hex'), Buffer.from([0x21, 0x58, 0x20]), x]);
    const cred = await enrol(h.deps(), key, { cosePublicKey: firefox117 });
    assert.equal(cred.alg, -8);
    await refusedWith(enrol(h.deps(), new CraftedAuthenticator(RP_ID, ORIGIN, { alg: 'EdDSA' }), { cosePublicKey: firefox117, tamperAuthData: append(0x00) }), E.ResponseMalformed.code);
  });
});
