import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queryEvents } from '../../../src/audit/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { assertErrorPage } from '../gateway/flows.ts';
import type { TestStack } from '../gateway/harness.ts';
import { refusedAt, statuses } from '../gateway/hosts.ts';
import { openAdmin, TOKENS_SECTION } from '../tokens/support.ts';
import { GROUP, ok, patchOp, scim, scimStack, USER } from './support.ts';

/**
 * What a SCIM change does to live access, on a gateway of 2 worker processes (requests below go on fresh TCP
 * connections, so both workers serve them): the person's sessions end on every worker (the logout path: store, then
 * the revocation bus), their machine tokens are revoked or act with the new groups (each worker re-reads a token
 * within 200 ms), and sign-in follows the SCIM record. "Within 250 ms" is the bound the issue asks for.
 */
let stack: TestStack;
let admin: Awaited<ReturnType<typeof openAdmin>>;
before(async () => {
  stack = await scimStack({
    workers: 2,
    config: (cfg) => {
      cfg.tokens = TOKENS_SECTION;
      cfg.session = { cache_ttl: '10m' }; // only a pushed revocation can evict a worker's copy in time
    },
  });
  admin = await openAdmin(stack);
});
after(async () => {
  await admin?.close();
  await stack?.close();
});

const BOUND_MS = 250;

async function login(user: string): Promise<string> {
  const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`);
  await r.response.arrayBuffer();
  return r.cookieHeader;
}

async function whoami(cookie: string): Promise<any> {
  const r = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie, accept: 'application/json' } });
  assert.equal(r.status, 200);
  return r.json();
}

async function personToken(owner: string, name: string): Promise<string> {
  return (await admin.issue({ name, envs: ['prod'], dags: ['*'], actions: ['read', 'trigger'], owner })).token;
}

const DAG = '/api/v1/dags/finance_daily';
const asCookie = (cookie: string): Array<[string, string]> => [['Cookie', cookie]];
const asToken = (token: string): Array<[string, string]> => [['Authorization', `Bearer ${token}`]];

async function scimEvent(requestId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 20; i++) {
    const rows = await queryEvents(admin.store, { requestId, type: 'scim' });
    if (rows.length === 1) return rows[0]!.event as unknown as Record<string, unknown>;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no scim audit event for ${requestId}`);
}

let carolId: string;
let analysts: string;

describe('SCIM effects with 2 workers', () => {
  test('sign-in: a person with a SCIM record gets their SCIM groups (scim.groups: replace) and roles from them; others keep the token\'s', async () => {
    carolId = ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'carol', emails: [{ value: 'carol@example.com', primary: true }], active: true }), 201).id;
    analysts = ok(await scim(stack, 'POST', '/Groups', { schemas: [GROUP], displayName: 'analysts', members: [{ value: carolId }] }), 201).id;
    const carol = await whoami(await login('carol')); // the IdP says data-eng
    assert.deepEqual([carol.groups, carol.roles], [['analysts'], ['Viewer']]);
    const erin = await whoami(await login('erin')); // no SCIM record
    assert.deepEqual(erin.groups, ['marketing']);
  });

  test('a membership change ends the person\'s sessions on every worker within 250 ms; their tokens act with the new groups at once', async () => {
    const cookie = await login('carol');
    const token = await personToken('carol', 'carol-cli');
    assert.deepEqual(await statuses(stack.gatewayUrl, asCookie(cookie), 8), Array(8).fill(200), 'both workers hold the session');
    assert.deepEqual(await statuses(stack.gatewayUrl, asToken(token), 8, DAG), Array(8).fill(200), 'the token reads as a Viewer');

    const r = await scim(stack, 'PATCH', `/Groups/${analysts}`, patchOp({ op: 'remove', path: `members[value eq "${carolId}"]` }));
    ok(r, 200);
    const t0 = Date.now();
    const sessionGone = await refusedAt([stack.gatewayUrl], asCookie(cookie), t0);
    const tokenNoRole = await refusedAt([stack.gatewayUrl], asToken(token), t0, { status: 403, path: DAG });
    assert.ok(sessionGone !== undefined && sessionGone < BOUND_MS, `sessions refused after ${sessionGone} ms`);
    assert.ok(tokenNoRole !== undefined && tokenNoRole < BOUND_MS, `token refused after ${tokenNoRole} ms`);
    assert.deepEqual(await statuses(stack.gatewayUrl, asCookie(cookie), 8), Array(8).fill(401));
    const event = await scimEvent(r.headers.get('x-request-id')!);
    assert.deepEqual((event as any).actor, { kind: 'service', sub: 'scim', username: 'scim' });
    assert.deepEqual((event as any).detail, { action: 'patch', resource: 'Group', id: analysts, name: 'analysts', people: 1, sessions_ended: (event as any).detail.sessions_ended, tokens_revoked: 0 });
    assert.ok((event as any).detail.sessions_ended >= 2, 'this session and the one of the first sign-in');

    // signed in again: the new (empty) SCIM groups; added back (Entra ID's form), the role returns at the next sign-in
    assert.deepEqual((await whoami(await login('carol'))).groups, []);
    ok(await scim(stack, 'PATCH', `/Groups/${analysts}`, patchOp({ op: 'Add', path: 'members', value: [{ $ref: null, value: carolId }] })), 200);
    assert.deepEqual((await whoami(await login('carol'))).roles, ['Viewer']);
    assert.deepEqual(await statuses(stack.gatewayUrl, asToken(token), 4, DAG), Array(4).fill(200), 'the token acts with the group again');
  });

  test('deactivation ends every session and token of the person at once; sign-in is refused until reactivated', async () => {
    const cookie = await login('carol');
    const token = await personToken('carol', 'carol-ci');
    const other = await login('erin');
    assert.deepEqual(await statuses(stack.gatewayUrl, asCookie(cookie), 8), Array(8).fill(200));
    assert.deepEqual(await statuses(stack.gatewayUrl, asToken(token), 8, DAG), Array(8).fill(200));

    const r = await scim(stack, 'PATCH', `/Users/${carolId}`, patchOp({ op: 'replace', value: { active: false } }));
    assert.equal(ok(r, 200).active, false);
    const t0 = Date.now();
    const sessionGone = await refusedAt([stack.gatewayUrl], asCookie(cookie), t0);
    const tokenGone = await refusedAt([stack.gatewayUrl], asToken(token), t0, { path: DAG });
    assert.ok(sessionGone !== undefined && sessionGone < BOUND_MS, `sessions refused after ${sessionGone} ms`);
    assert.ok(tokenGone !== undefined && tokenGone < BOUND_MS, `token refused after ${tokenGone} ms`);
    const refusal = await fetch(`${stack.gatewayUrl}${DAG}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    assert.equal(((await refusal.json()) as any).error, 'AIRLOCK_TOKEN_REVOKED');
    assert.deepEqual(await statuses(stack.gatewayUrl, asCookie(other), 4), Array(4).fill(200), 'nobody else is touched');

    const event = (await scimEvent(r.headers.get('x-request-id')!)) as any;
    assert.equal(event.detail.tokens_revoked, 2, 'both of carol\'s live tokens');
    assert.ok(event.detail.sessions_ended >= 1);
    const revoked = (await admin.store.tokens.list({ name: 'carol-ci' }))[0]!;
    assert.deepEqual([revoked.revokedBy, revoked.revokeReason], ['scim', 'scim: user deactivated']);
    const tokenEvents = (await queryEvents(admin.store, { type: 'token', action: 'revoke' })).map((e) => e.event as any);
    assert.ok(tokenEvents.some((e) => e.actor?.token_id === revoked.id && e.detail?.by === 'scim'), 'each token revocation is a token event');

    const refused = await loginThroughGateway(stack.gatewayUrl, 'carol', 'carol-demo');
    await assertErrorPage(refused.response, 403, 'AIRLOCK_SCIM_USER_INACTIVE');

    ok(await scim(stack, 'PATCH', `/Users/${carolId}`, patchOp({ op: 'Replace', path: 'active', value: 'True' })), 200);
    assert.deepEqual((await whoami(await login('carol'))).roles, ['Viewer'], 'reactivated: signs in again');
    assert.deepEqual(await statuses(stack.gatewayUrl, asToken(token), 4, DAG), Array(4).fill(401), 'a revoked token stays revoked');
  });

  test('a new record (replace), a renamed or deleted group end the person\'s sessions; a change of other attributes does not', async () => {
    const first = await login('erin'); // no SCIM record yet: the token's groups
    assert.deepEqual((await whoami(first)).groups, ['marketing']);
    const erin = ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'erin', active: true }), 201);
    assert.deepEqual(await statuses(stack.gatewayUrl, asCookie(first), 4), Array(4).fill(401), 'created: her groups now come from SCIM');
    const g = ok(await scim(stack, 'POST', '/Groups', { schemas: [GROUP], displayName: 'marketing', members: [{ value: erin.id }] }), 201);
    const s1 = await login('erin');
    assert.deepEqual((await whoami(s1)).groups, ['marketing']);
    ok(await scim(stack, 'PATCH', `/Users/${erin.id}`, patchOp({ op: 'Replace', path: 'name.familyName', value: 'Marketing-Smith' })), 200);
    assert.deepEqual(await statuses(stack.gatewayUrl, asCookie(s1), 4), Array(4).fill(200), 'a name change ends nothing');
    ok(await scim(stack, 'PATCH', `/Groups/${g.id}`, patchOp({ op: 'Replace', path: 'displayName', value: 'marketing-emea' })), 200);
    assert.deepEqual(await statuses(stack.gatewayUrl, asCookie(s1), 4), Array(4).fill(401), 'renamed: sessions ended');
    const s2 = await login('erin');
    assert.deepEqual((await whoami(s2)).groups, ['marketing-emea']);
    assert.equal((await scim(stack, 'DELETE', `/Groups/${g.id}`)).status, 204);
    assert.deepEqual(await statuses(stack.gatewayUrl, asCookie(s2), 4), Array(4).fill(401), 'deleted: sessions ended');
    assert.deepEqual((await whoami(await login('erin'))).groups, []);
  });

  test('deletion ends sessions and tokens; the person stays refused at sign-in until provisioned again', async () => {
    const cookie = await login('carol');
    const token = await personToken('carol', 'carol-del');
    const r = await scim(stack, 'DELETE', `/Users/${carolId}`);
    assert.equal(r.status, 204);
    const t0 = Date.now();
    const sessionGone = await refusedAt([stack.gatewayUrl], asCookie(cookie), t0);
    const tokenGone = await refusedAt([stack.gatewayUrl], asToken(token), t0, { path: DAG });
    assert.ok(sessionGone !== undefined && sessionGone < BOUND_MS, `sessions refused after ${sessionGone} ms`);
    assert.ok(tokenGone !== undefined && tokenGone < BOUND_MS, `token refused after ${tokenGone} ms`);
    const refused = await loginThroughGateway(stack.gatewayUrl, 'carol', 'carol-demo');
    await assertErrorPage(refused.response, 403, 'AIRLOCK_SCIM_USER_INACTIVE');
    const again = ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'carol', active: true }), 201);
    assert.notEqual(again.id, carolId);
    assert.deepEqual((await whoami(await login('carol'))).groups, [], 'a new record: its (no) groups');
  });
});
