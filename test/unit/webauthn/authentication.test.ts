import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { finishAuthentication, finishRegistration, startAuthentication, startRegistration, webauthnErrors as E, type CeremonyDeps, type CeremonyPerson } from '../../../src/webauthn/index.ts';
import { CraftedAuthenticator, newKey } from './crafted.ts';
import { alice, ALICE_SESSION, BOB_SESSION, bob, harness, ORIGIN, RP_ID, type Harness, refusedWith } from './setup.ts';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());
beforeEach(() => h.reset());


async function enrolled(d: CeremonyDeps, person: CeremonyPerson = alice, binding = ALICE_SESSION, opts: ConstructorParameters<typeof CraftedAuthenticator>[2] = {}, flags = {}) {
  const key = new CraftedAuthenticator(RP_ID, ORIGIN, opts);
  const options = await startRegistration(d, person, binding);
  await finishRegistration(d, person, binding, { response: key.register(options.challenge, { flags }) });
  return key;
}

async function login(d: CeremonyDeps, key: CraftedAuthenticator, o: Parameters<CraftedAuthenticator['assert']>[1] = {}, person: CeremonyPerson | null = alice, binding = ALICE_SESSION) {
  const options = await startAuthentication(d, { purpose: person ? 'login' : 'passwordless', person, binding });
  return finishAuthentication(d, { purposes: [person ? 'login' : 'passwordless'], person, binding, response: key.assert(options.challenge, o) });
}

describe('assertions with crafted responses', () => {
  test('a valid assertion passes, moves the counter and logs "used"', async () => {
    const d = h.deps();
    const key = await enrolled(d);
    const r = await login(d, key);
    assert.equal(r.credential.id, key.id);
    assert.equal(r.userVerified, true);
    assert.equal((await d.repos.credentials.get(key.id))?.counter, key.counter);
    assert.equal((await d.repos.credentials.get(key.id))?.lastUsedAt, h.clock);
    assert.equal(h.events.at(-1)?.kind, 'used');
  });

  test('wrong origin -> ORIGIN_MISMATCH', async () => {
    const d = h.deps();
    await refusedWith(login(d, await enrolled(d), { origin: 'https://localhost:8443' }), E.OriginMismatch.code);
  });

  test('wrong rpIdHash -> RP_ID_MISMATCH', async () => {
    const d = h.deps();
    await refusedWith(login(d, await enrolled(d), { rpId: 'example.com' }), E.RpIdMismatch.code);
  });

  test('a replayed assertion -> CHALLENGE_UNKNOWN', async () => {
    const d = h.deps();
    const key = await enrolled(d);
    const options = await startAuthentication(d, { purpose: 'login', person: alice, binding: ALICE_SESSION });
    const response = key.assert(options.challenge);
    await finishAuthentication(d, { purposes: ['login'], person: alice, binding: ALICE_SESSION, response });
    await refusedWith(finishAuthentication(d, { purposes: ['login'], person: alice, binding: ALICE_SESSION, response }), E.ChallengeUnknown.code);
  });

  test('an expired challenge -> CHALLENGE_EXPIRED', async () => {
    const d = h.deps({ challenge_ttl: '30s' });
    const key = await enrolled(d);
    const options = await startAuthentication(d, { purpose: 'login', person: alice, binding: ALICE_SESSION });
    h.clock += 31_000;
    await refusedWith(finishAuthentication(d, { purposes: ['login'], person: alice, binding: ALICE_SESSION, response: key.assert(options.challenge) }), E.ChallengeExpired.code);
  });

  test('a step-up challenge answered as a login -> CHALLENGE_MISMATCH', async () => {
    const d = h.deps();
    const key = await enrolled(d);
    const options = await startAuthentication(d, { purpose: 'step_up', person: alice, binding: ALICE_SESSION });
    await refusedWith(finishAuthentication(d, { purposes: ['login'], person: alice, binding: ALICE_SESSION, response: key.assert(options.challenge) }), E.ChallengeMismatch.code);
  });

  test('counter regression -> COUNTER_REGRESSION, logged as clone_suspected, credential disabled', async () => {
    const d = h.deps();
    const key = await enrolled(d, alice, ALICE_SESSION, { counter: 10 });
    await login(d, key); // counter 11
    await refusedWith(login(d, key, { counter: 11 }), E.CounterRegression.code);
    assert.ok(h.events.some((e) => e.kind === 'clone_suspected' && e.credentialId === key.id && e.detail?.stored_counter === 11));
    assert.ok(h.events.some((e) => e.kind === 'disabled' && e.credentialId === key.id));
    assert.notEqual((await d.repos.credentials.get(key.id))?.disabledAt, null);
    await refusedWith(login(d, key), E.NoKeys.code); // no active key left to ask for
    await enrolled(d); // a second key: the disabled one, presented anyway, is refused
    await refusedWith(login(d, key), E.CredentialDisabled.code);
  });

  test('counter regression with on_counter_regression: refuse -> refused but the key stays usable', async () => {
    const d = h.deps({ on_counter_regression: 'refuse' });
    const key = await enrolled(d, alice, ALICE_SESSION, { counter: 5 });
    await login(d, key);
    await refusedWith(login(d, key, { counter: 3 }), E.CounterRegression.code);
    assert.equal((await d.repos.credentials.get(key.id))?.disabledAt, null);
    await login(d, key);
  });

  test('a forged low counter with a bad signature does not disable the key -> SIGNATURE_INVALID', async () => {
    const d = h.deps();
    const key = await enrolled(d, alice, ALICE_SESSION, { counter: 20 });
    await refusedWith(login(d, key, { counter: 1, signWith: newKey('ES256') }), E.SignatureInvalid.code);
    assert.equal((await d.repos.credentials.get(key.id))?.disabledAt, null);
  });

  test('an unknown credential -> CREDENTIAL_UNKNOWN', async () => {
    const d = h.deps();
    await enrolled(d);
    await refusedWith(login(d, new CraftedAuthenticator(RP_ID, ORIGIN)), E.CredentialUnknown.code);
  });

  test("another user's credential -> CREDENTIAL_OTHER_USER", async () => {
    const d = h.deps();
    await enrolled(d);
    const bobsKey = await enrolled(d, bob, BOB_SESSION);
    await refusedWith(login(d, bobsKey), E.CredentialOtherUser.code);
  });

  test("another user's user handle -> USER_HANDLE_MISMATCH", async () => {
    const d = h.deps();
    const key = await enrolled(d);
    await enrolled(d, bob, BOB_SESSION);
    const bobsHandle = await d.repos.userHandles.forSub(bob.sub, h.clock);
    await refusedWith(login(d, key, { userHandle: bobsHandle }), E.UserHandleMismatch.code);
  });

  test('UP flag missing -> USER_PRESENCE_MISSING', async () => {
    const d = h.deps();
    await refusedWith(login(d, await enrolled(d), { flags: { up: false } }), E.UserPresenceMissing.code);
  });

  test('UV flag missing while required -> USER_VERIFICATION_MISSING', async () => {
    const d = h.deps();
    await refusedWith(login(d, await enrolled(d), { flags: { uv: false } }), E.UserVerificationMissing.code);
  });

  test('backup eligibility changing after registration -> BACKUP_FLAGS_INVALID', async () => {
    const d = h.deps();
    await refusedWith(login(d, await enrolled(d), { flags: { be: true } }), E.BackupFlagsInvalid.code);
  });

  test('a stored credential whose algorithm is no longer allowed -> ALGORITHM_NOT_ALLOWED', async () => {
    const key = await enrolled(h.deps({ algorithms: ['EdDSA', 'ES256'] }), alice, ALICE_SESSION, { alg: 'EdDSA' });
    await refusedWith(login(h.deps({ algorithms: ['ES256'] }), key), E.AlgorithmNotAllowed.code);
  });

  test('a bad signature -> SIGNATURE_INVALID', async () => {
    const d = h.deps();
    await refusedWith(login(d, await enrolled(d), { signWith: newKey('ES256') }), E.SignatureInvalid.code);
  });

  test('passwordless: discoverable credential with its user handle passes; without a user handle -> USER_HANDLE_MISMATCH', async () => {
    const d = h.deps({ passwordless: { enabled: true } });
    const carol = { sub: 'sub-carol', username: 'carol' };
    const key = await enrolled(d, carol, 'carol-session');
    const handle = await d.repos.userHandles.forSub(carol.sub, h.clock);
    const r = await login(d, key, { userHandle: handle }, null, 'browser-binding');
    assert.equal(r.credential.sub, carol.sub);
    await refusedWith(login(d, key, {}, null, 'browser-binding'), E.UserHandleMismatch.code);
  });

  test('two keys: either one works', async () => {
    const d = h.deps();
    const dave = { sub: 'sub-dave', username: 'dave' };
    const one = await enrolled(d, dave, 'dave-s');
    const two = await enrolled(d, dave, 'dave-s');
    assert.equal((await login(d, one, {}, dave, 'dave-s')).credential.id, one.id);
    assert.equal((await login(d, two, {}, dave, 'dave-s')).credential.id, two.id);
  });
});
