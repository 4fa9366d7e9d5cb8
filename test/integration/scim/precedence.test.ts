import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { subjectOf } from '../../../demo/idp/demo-users.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { CraftedAuthenticator } from '../../unit/webauthn/crafted.ts';
import type { TestStack } from '../gateway/harness.ts';
import { GROUP, ok, patchOp, scim, scimStack, USER } from './support.ts';

/**
 * The SCIM record as a source of groups (docs/scim.md, "Precedence"): scim.groups replace / merge, scim.match
 * userName / email / externalId, the claims refresh (session.claims_max_age) re-applying it, and passwordless
 * sign-in (no IdP involved) refused for a deactivated record. One worker; the config is changed by reloading.
 */
let stack: TestStack;
const MAX_AGE_MS = 2_000;
before(async () => {
  stack = await scimStack({
    config: (cfg) => {
      cfg.session = { claims_max_age: '2s', claims_max_stale: '1h', cache_ttl: '10m' };
      cfg.webauthn = { passwordless: { enabled: true, max_idp_login_age: '1h' } };
    },
  });
});
after(() => stack?.close());

async function reconfigure(scimChanges: Record<string, unknown>): Promise<void> {
  await stack.writeConfig((cfg) => Object.assign(cfg.scim, scimChanges));
  const r = await stack.gateway.worker!.services.holder.reload();
  assert.ok(r.ok, JSON.stringify(r));
}

async function login(user: string): Promise<string> {
  const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`);
  await r.response.arrayBuffer();
  return r.cookieHeader;
}

async function whoami(cookie: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie, accept: 'application/json' } });
  return { status: r.status, body: await r.json() };
}

const user = async (userName: string, extra: Record<string, unknown> = {}) => ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName, active: true, ...extra }), 201);
const group = async (displayName: string, members: string[]) => ok(await scim(stack, 'POST', '/Groups', { schemas: [GROUP], displayName, members: members.map((value) => ({ value })) }), 201);

describe('SCIM groups at sign-in', () => {
  test('merge: the token\'s groups and the SCIM groups; replace (default): the SCIM groups only', async () => {
    const carol = await user('carol');
    await group('analysts', [carol.id]);
    await reconfigure({ groups: 'merge' });
    const merged = (await whoami(await login('carol'))).body;
    assert.deepEqual([merged.groups, merged.roles], [['data-eng', 'analysts'], ['User', 'Viewer']]);
    await reconfigure({ groups: 'replace' });
    const replaced = (await whoami(await login('carol'))).body;
    assert.deepEqual([replaced.groups, replaced.roles], [['analysts'], ['Viewer']]);
  });

  test('match: email (the primary email) and externalId (the subject); userName no longer matches then', async () => {
    const d = await user('dave-in-scim', { emails: [{ value: 'other@example.com' }, { value: 'Dave@Example.com', primary: true }] });
    await group('email-matched', [d.id]);
    await reconfigure({ match: 'email' });
    assert.deepEqual((await whoami(await login('dave'))).body.groups, ['email-matched']);
    const e = await user('erin-in-scim', { externalId: subjectOf('erin') });
    await group('sub-matched', [e.id]);
    await reconfigure({ match: 'externalId' });
    assert.deepEqual((await whoami(await login('erin'))).body.groups, ['sub-matched']);
    assert.deepEqual((await whoami(await login('carol'))).body.groups, ['data-eng'], 'carol\'s record matches by userName only');
    await reconfigure({ match: 'userName' });
  });
});

describe('SCIM groups at each claims refresh', () => {
  test('a change written while the session lived (no effect reached it) applies at the next refresh; a deactivation ends the session', async () => {
    const cookie = await login('carol');
    assert.deepEqual((await whoami(cookie)).body.groups, ['analysts']);
    const store = stack.gateway.worker!.services.store;
    // straight into the store: no SCIM effect ends the session; only the refresh can notice
    const carol = (await store.scim.listUsers({ attr: 'userName', value: 'carol' }, 0, 1)).rows[0]!;
    const extra = await group('late-group', []);
    await store.scim.updateGroup(extra.id, 1, { displayName: 'late-group', externalId: null }, [carol.id], [], Date.now());
    assert.deepEqual((await whoami(cookie)).body.groups, ['analysts'], 'claims still fresh');
    await sleep(MAX_AGE_MS + 300);
    assert.deepEqual((await whoami(cookie)).body.groups, ['analysts', 'late-group'], 'refreshed: the SCIM groups again');
    await store.scim.updateUser(carol.id, carol.version, { userName: carol.userName, externalId: carol.externalId, emailKey: carol.emailKey, active: false, resource: carol.resource }, Date.now());
    await sleep(MAX_AGE_MS + 300);
    const ended = await whoami(cookie);
    assert.equal(ended.status, 401);
    assert.equal(ended.body.error, 'AIRLOCK_SESSION_REFRESH_REFUSED');
    assert.equal((await whoami(cookie)).status, 401, 'the session is over');
    ok(await scim(stack, 'PATCH', `/Users/${carol.id}`, patchOp({ op: 'replace', path: 'active', value: true })), 200);
  });
});

describe('passwordless sign-in (no IdP in the loop)', () => {
  const call = (cookie: string, path: string, body: unknown) =>
    fetch(`${stack.gatewayUrl}/.airlock/webauthn/${path}`, { method: 'POST', headers: { cookie, origin: stack.publicUrl, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('a deactivated SCIM record refuses the security key too; active, the key signs in with the SCIM groups', async () => {
    const cookie = await login('carol');
    const key = new CraftedAuthenticator('localhost', stack.publicUrl);
    const o = (await (await call(cookie, 'register/options', {})).json()) as any;
    const reg = await call(cookie, 'register/verify', { response: key.register(o.challenge), name: 'Crafted' });
    assert.equal(reg.status, 200, await reg.clone().text());
    const userHandle = o.user.id as string;

    const signIn = async () => {
      const opts = await fetch(`${stack.gatewayUrl}/.airlock/webauthn/passwordless/options`, { method: 'POST', headers: { origin: stack.publicUrl, 'content-type': 'application/json' }, body: '{}' });
      const binding = opts.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
      const { challenge } = (await opts.json()) as any;
      return call(binding, 'passwordless/verify', { response: key.assert(challenge, { userHandle }) });
    };
    const good = await signIn();
    assert.equal(good.status, 200, await good.clone().text());
    const session = good.headers.getSetCookie().find((c) => c.startsWith('airlock='))!.split(';')[0]!;
    assert.deepEqual((await whoami(session)).body.groups, ['analysts', 'late-group']);

    const carolId = ok(await scim(stack, 'GET', '/Users?filter=userName%20eq%20%22carol%22'), 200).Resources[0].id;
    ok(await scim(stack, 'PATCH', `/Users/${carolId}`, patchOp({ op: 'replace', value: { active: false } })), 200);
    const refused = await signIn();
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as any).error, 'AIRLOCK_SCIM_USER_INACTIVE');
    assert.deepEqual(refused.headers.getSetCookie().filter((c) => c.startsWith('airlock=') && !/max-age=0/i.test(c)), [], 'no session');
  });
});
