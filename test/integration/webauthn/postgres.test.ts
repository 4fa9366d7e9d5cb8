import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { webauthnSchema } from '../../../src/config/schema/webauthn.ts';
import { isAirlockError } from '../../../src/errors/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { compileWebauthn, finishAuthentication, finishRegistration, startAuthentication, startRegistration, webauthnErrors as E, webauthnRepos, type CeremonyDeps } from '../../../src/webauthn/index.ts';
import { CraftedAuthenticator } from '../../unit/webauthn/crafted.ts';
import { freshSchema } from '../store/pg-schema.ts';

const ORIGIN = 'https://airflow.example.com';
let ctx: Awaited<ReturnType<typeof freshSchema>>;
let store: Store;
before(async () => {
  ctx = await freshSchema('airlock_webauthn');
  store = await openStore({ kind: 'postgres', url: ctx.url, pool: 2 });
});
after(async () => {
  await store?.close();
  await ctx?.drop();
});

test('PostgreSQL: register, assert (bigint counter read back as a number), clone detection, unique ids', async () => {
  let clock = 1_750_000_000_000;
  const d: CeremonyDeps = { cfg: compileWebauthn(webauthnSchema.parse({}), ORIGIN), repos: webauthnRepos(store), now: () => clock, events: () => undefined };
  const alice = { sub: 'sub-alice', username: 'alice' };
  const key = new CraftedAuthenticator('airflow.example.com', ORIGIN, { counter: 3_000_000_000 });
  const reg = await startRegistration(d, alice, 'b');
  const cred = await finishRegistration(d, alice, 'b', { response: key.register(reg.challenge), name: 'PG key' });
  const stored = await d.repos.credentials.get(cred.id);
  assert.equal(stored?.counter, 3_000_000_000);
  assert.equal(typeof stored?.createdAt, 'number');
  assert.equal(stored?.backupEligible, false);

  clock += 1000;
  const o = await startAuthentication(d, { purpose: 'login', person: alice, binding: 'b' });
  const r = await finishAuthentication(d, { purposes: ['login'], person: alice, binding: 'b', response: key.assert(o.challenge) });
  assert.equal(r.credential.counter, 3_000_000_001);
  assert.equal((await d.repos.credentials.get(cred.id))?.lastUsedAt, clock);

  const o2 = await startAuthentication(d, { purpose: 'login', person: alice, binding: 'b' });
  await assert.rejects(finishAuthentication(d, { purposes: ['login'], person: alice, binding: 'b', response: key.assert(o2.challenge, { counter: 5 }) }), (err) => isAirlockError(err) && err.code === E.CounterRegression.code);
  assert.notEqual((await d.repos.credentials.get(cred.id))?.disabledAt, null);

  const bob = { sub: 'sub-bob', username: 'bob' };
  const reg2 = await startRegistration(d, bob, 'c');
  const dup = new CraftedAuthenticator('airflow.example.com', ORIGIN, { credentialId: key.credentialId });
  await assert.rejects(finishRegistration(d, bob, 'c', { response: dup.register(reg2.challenge) }), (err) => isAirlockError(err) && err.code === E.CredentialExists.code);
  assert.equal(await d.repos.userHandles.subOf(await d.repos.userHandles.forSub('sub-alice', clock)), 'sub-alice');
});
