import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { subjectOf } from '../../../demo/idp/index.ts';
import { generateToken, revokeToken, rotateToken } from '../../../src/tokens/index.ts';
import type { TestStack } from '../gateway/harness.ts';
import { assertMachineAnswer, auditOf, call, lastAssertionClaims, openAdmin, signIn, tokenStack } from './support.ts';

/**
 * Airlock tokens end to end (single worker, SQLite): scopes intersected with the service account's or the owner's
 * current rights, JSON-only answers that name the token, its owner and the scope, and every misplaced or bad token
 * refused with its own code.
 */
describe('Airlock tokens at the gateway', () => {
  let stack: TestStack;
  let admin: Awaited<ReturnType<typeof openAdmin>>;
  let ci: string;
  let ciId: string;

  before(async () => {
    stack = await tokenStack();
    for (const u of ['carol', 'bob', 'dave']) await signIn(stack, u); // the gateway knows a person once they signed in
    admin = await openAdmin(stack);
    const issued = await admin.issue({ name: 'etl-ci', envs: ['prod'], dags: ['etl_*'], actions: ['read', 'trigger'], serviceAccount: 'etl-ci', owner: 'carol', ttl: 3_600_000 });
    ci = issued.token;
    ciId = issued.row.id;
  });
  after(async () => {
    await admin?.close();
    await stack?.close();
  });

  test('the CI token triggers etl_* in prod, and Airflow is told who: svc:etl-ci, its token, its owner (act)', async () => {
    const r = await call(stack, '/api/v1/dags/etl_daily/dagRuns', { token: ci, method: 'POST', body: {} });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.deepEqual(r.headers.getSetCookie(), [], 'no cookie on a machine answer');
    const claims = lastAssertionClaims(stack.prod.received);
    assert.equal(claims.kind, 'service');
    assert.equal(claims.sub, 'svc:etl-ci');
    assert.equal(claims.preferred_username, 'svc:etl-ci');
    assert.deepEqual(claims.roles, ['User']);
    assert.equal(claims.token_name, 'etl-ci');
    assert.equal(claims.service_account, 'etl-ci');
    assert.deepEqual(claims.act, { sub: subjectOf('carol'), preferred_username: 'carol' });
    assert.equal(claims.sid, ciId);
    assert.deepEqual(claims.amr, ['token']);
    assert.equal(claims.name, 'ETL CI pipeline');
    // the client's own Authorization never reaches Airflow
    const last = stack.prod.received.at(-1)!;
    assert.ok(!last.headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization'));
    const read = await call(stack, '/api/v1/dags/etl_daily', { token: ci });
    assert.equal(read.status, 200);

    // the audit names the token, its owner and the service account, and the scopes that allowed it
    const events = await auditOf(admin.store, r.headers.get('x-request-id')!);
    const intent = events.find((e) => e.event.type === 'request.intent');
    assert.ok(intent, JSON.stringify(events.map((e) => e.event.type)));
    assert.deepEqual(intent.event.actor, { kind: 'service', sub: 'svc:etl-ci', username: 'svc:etl-ci', token_id: ciId, token_name: 'etl-ci', owner: 'carol', service_account: 'etl-ci' });
    assert.deepEqual(intent.event.reasons?.slice(0, 3), ['service_account', 'token_scope', 'token_scope']);
  });

  test('refused everywhere else: other environment, other DAG, other action, no DAG, every DAG; JSON naming token, owner and scope', async () => {
    const cases: [string, string, string, object | undefined][] = [
      ['POST', '/dev/api/v2/dags/etl_daily/dagRuns', 'token_scope_env', {}],
      ['POST', '/api/v1/dags/finance_monthly/dagRuns', 'token_scope_dag', {}],
      ['PATCH', '/api/v1/dags/etl_daily', 'token_scope_action', { is_paused: true }],
      ['DELETE', '/api/v1/dags/etl_daily', 'token_scope_action', undefined],
      ['GET', '/api/v1/pools', 'token_scope_not_dag', undefined],
      ['GET', '/api/v1/dags', 'token_scope_all_dags', undefined],
    ];
    const before = stack.prod.received.length + stack.dev.received.length;
    for (const [method, path, reason, body] of cases) {
      const r = await call(stack, path, { token: ci, method, ...(body ? { body } : {}) });
      const j = assertMachineAnswer(r, 403, 'AIRLOCK_TOKEN_SCOPE');
      assert.equal(j.reasons.at(-1).code, reason, `${method} ${path}: ${r.text}`);
      assert.match(j.reasons.at(-1).message, /^token "etl-ci" \(tok_[^,]+, owner carol\): /);
      assert.deepEqual(j.caller, { kind: 'service', username: 'svc:etl-ci', token_id: ciId, token_name: 'etl-ci', owner: 'carol', service_account: 'etl-ci' });
      assert.equal(j.reasons[0].code, 'service_account');
    }
    assert.equal(stack.prod.received.length + stack.dev.received.length, before, 'nothing refused reached Airflow');
    const r = await call(stack, '/api/v1/dags/finance_monthly/dagRuns', { token: ci, method: 'POST', body: {} });
    const [event] = await auditOf(admin.store, r.headers.get('x-request-id')!);
    assert.equal(event!.event.decision, 'deny');
    assert.deepEqual(event!.event.reasons, ['service_account', 'token_scope_dag']);
    assert.equal(event!.event.actor?.token_name, 'etl-ci');
  });

  test('GET /.airlock/token/self tells a token what it may do', async () => {
    const r = await call(stack, '/.airlock/token/self', { token: ci });
    const j = assertMachineAnswer(r, 200);
    assert.equal(j.kind, 'service');
    assert.equal(j.name, 'etl-ci');
    assert.equal(j.id, ciId);
    assert.deepEqual(j.owner, { sub: subjectOf('carol'), username: 'carol' });
    assert.equal(j.service_account, 'etl-ci');
    assert.deepEqual(j.envs, ['prod']);
    assert.deepEqual(j.actions, ['read', 'trigger']);
    assert.equal(j.dags, null, 'two scopes: read each one\'s dags');
    assert.deepEqual(j.scopes.map((s: { source: string }) => s.source), ['token', 'service_account']);
    assert.deepEqual(j.actions_needing_approval, []);
    assert.ok(Date.parse(j.expires_at) > Date.now());
    assert.equal(j.acts_as.username, 'svc:etl-ci');
    assertMachineAnswer(await call(stack, '/.airlock/token/self'), 401, 'AIRLOCK_TOKEN_MISSING');
    assertMachineAnswer(await call(stack, '/.airlock/token/self', { token: generateToken('service').token }), 401, 'AIRLOCK_TOKEN_INVALID');
  });

  test('a token in the query string, a cookie or a Basic password is refused, and never forwarded', async () => {
    const before = stack.prod.received.length;
    assertMachineAnswer(await call(stack, `/api/v1/dags/etl_daily?token=${ci}`, { headers: { accept: 'application/json' } }), 400, 'AIRLOCK_TOKEN_IN_URL');
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily?access_token=abc', { headers: { accept: 'application/json' } }), 400, 'AIRLOCK_TOKEN_IN_URL');
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { headers: { cookie: `airlock_token=${ci}`, accept: 'application/json' } }), 400, 'AIRLOCK_TOKEN_IN_COOKIE');
    const basic = `Basic ${Buffer.from(`ci:${ci}`).toString('base64')}`;
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { headers: { authorization: basic } }), 401, 'AIRLOCK_TOKEN_IN_BASIC');
    assertMachineAnswer(await call(stack, '/.airlock/token/self', { headers: { authorization: basic } }), 401, 'AIRLOCK_TOKEN_IN_BASIC');
    assert.equal(stack.prod.received.length, before);
  });

  test('a malformed, unknown, expired or revoked token is refused with its own code', async () => {
    const flipped = ci.slice(0, 10) + (ci[10] === 'A' ? 'B' : 'A') + ci.slice(11);
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { token: flipped }), 401, 'AIRLOCK_TOKEN_INVALID');
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { token: generateToken('service').token }), 401, 'AIRLOCK_TOKEN_INVALID');
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { token: `${ci}x` }), 401, 'AIRLOCK_TOKEN_INVALID');
    const short = await admin.issue({ name: 'short-lived', envs: ['prod'], dags: ['etl_*'], actions: ['read'], serviceAccount: 'etl-ci', ttl: 1 });
    await new Promise((r) => setTimeout(r, 5));
    const expired = assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { token: short.token }), 401, 'AIRLOCK_TOKEN_EXPIRED');
    assert.equal(expired.token_name, 'short-lived');
    const doomed = await admin.issue({ name: 'doomed', envs: ['prod'], dags: ['etl_*'], actions: ['read'], serviceAccount: 'etl-ci' });
    await revokeToken(admin.ctx(), 'doomed', 'test');
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { token: doomed.token }), 401, 'AIRLOCK_TOKEN_REVOKED');
    // an opaque bearer or another scheme without a token: unsupported, as before
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { headers: { authorization: 'Bearer q3em6rDrNk3aQcdc235WQdaYJup8SC5YW1s3hXHVNaM' } }), 401, 'AIRLOCK_SERVER_BEARER_UNSUPPORTED');
  });

  test('a person\'s token has the person\'s CURRENT rights: a lost group is lost at once, a disabled owner stops it', async () => {
    const own = await admin.issue({ name: 'bob-script', envs: ['prod'], dags: ['*'], actions: ['read', 'trigger'], owner: 'bob' });
    assert.equal((await call(stack, '/api/v1/dags/finance_monthly/dagRuns', { token: own.token, method: 'POST', body: {} })).status, 200);
    const claims = lastAssertionClaims(stack.prod.received);
    assert.equal(claims.kind, 'person');
    assert.equal(claims.preferred_username, 'bob');
    assert.equal(claims.token_name, 'bob-script');
    assert.equal(claims.act, undefined, 'the person is the subject');
    const bob = stack.idp.users.find((u) => u.username === 'bob')!;
    const groups = bob.groups;
    try {
      (bob as { groups: readonly string[] }).groups = ['analysts']; // the IdP moves bob from ops to analysts (Viewer)
      await signIn(stack, 'bob');
      const r = await call(stack, '/api/v1/dags/finance_monthly/dagRuns', { token: own.token, method: 'POST', body: {} });
      const j = assertMachineAnswer(r, 403, 'AIRLOCK_SERVER_FORBIDDEN');
      assert.equal(j.reasons[0].code, 'token_owner');
      assert.match(j.reasons[0].message, /owner bob as last known \(groups analysts; roles Viewer\)/);
      assert.ok(j.reasons.some((x: { code: string }) => x.code === 'role_missing_permission'));
      assert.equal((await call(stack, '/api/v1/dags/finance_monthly', { token: own.token })).status, 200, 'reads still allowed to a Viewer');
    } finally {
      (bob as { groups: readonly string[] }).groups = groups;
    }
    // dave's token, then dave is disabled: refused (no cached copy of dave: the first use reads the store)
    const daves = await admin.issue({ name: 'dave-script', envs: ['prod'], dags: ['*'], actions: ['read'], owner: 'dave', kind: 'agent' });
    const davesCi = await admin.issue({ name: 'dave-ci', envs: ['prod'], dags: ['etl_*'], actions: ['read'], owner: 'dave', serviceAccount: 'etl-ci' });
    assert.equal(await admin.store.users.disable(subjectOf('dave'), Date.now()), true);
    assertMachineAnswer(await call(stack, '/api/v1/dags/finance_monthly', { token: daves.token }), 403, 'AIRLOCK_TOKEN_OWNER_INACTIVE');
    // a service account's token is stopped too when the person answering for it is disabled
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { token: davesCi.token }), 403, 'AIRLOCK_TOKEN_OWNER_INACTIVE');
  });

  test('an agent token is its own Airflow user acting for its person (act), with the person\'s rights', async () => {
    const agent = await admin.issue({ name: 'triage-bot', envs: ['prod'], dags: ['etl_*'], actions: ['read'], owner: 'carol', kind: 'agent' });
    assert.equal((await call(stack, '/api/v1/dags/etl_daily', { token: agent.token })).status, 200);
    const claims = lastAssertionClaims(stack.prod.received);
    assert.equal(claims.kind, 'agent');
    assert.equal(claims.preferred_username, 'agent:triage-bot');
    assert.deepEqual(claims.act, { sub: subjectOf('carol'), preferred_username: 'carol' });
    assert.deepEqual(claims.roles, ['User']);
  });

  test('a token wins over a session cookie; without one the session is the person and a stray bearer is dropped', async () => {
    const cookie = await signIn(stack, 'carol');
    assert.equal((await call(stack, '/api/v1/dags/etl_daily', { token: ci, headers: { cookie } })).status, 200);
    assert.equal(lastAssertionClaims(stack.prod.received).preferred_username, 'svc:etl-ci');
    const r = await call(stack, '/api/v1/dags/finance_monthly', { headers: { cookie, authorization: 'Bearer airflow-ui-own-token' } });
    assert.equal(r.status, 200, r.text);
    const last = stack.prod.received.at(-1)!;
    assert.equal(lastAssertionClaims(stack.prod.received).preferred_username, 'carol');
    assert.ok(!last.headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization'), 'the stray bearer is not forwarded');
  });

  test('rotation: the old token works during the overlap, and stops at once without one', async () => {
    const old = await admin.issue({ name: 'rot', envs: ['prod'], dags: ['etl_*'], actions: ['read'], serviceAccount: 'etl-ci' });
    const r = await rotateToken(admin.ctx(), 'rot', { overlap: 600_000 });
    assert.equal((await call(stack, '/api/v1/dags/etl_daily', { token: old.token })).status, 200, 'old token within the overlap');
    assert.equal((await call(stack, '/api/v1/dags/etl_daily', { token: r.token })).status, 200, 'new token');
    assert.equal(lastAssertionClaims(stack.prod.received).sid, r.row.id);
    const stored = await admin.store.tokens.get(old.row.id);
    assert.ok(stored!.expiresAt <= Date.now() + 600_000 && stored!.expiresAt > Date.now() + 590_000);

    const old0 = await admin.issue({ name: 'rot0', envs: ['prod'], dags: ['etl_*'], actions: ['read'], serviceAccount: 'etl-ci' });
    const r0 = await rotateToken(admin.ctx(), 'rot0', { overlap: 0 });
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { token: old0.token }), 401, 'AIRLOCK_TOKEN_EXPIRED');
    assert.equal((await call(stack, '/api/v1/dags/etl_daily', { token: r0.token })).status, 200);
  });

  test('issuing refuses what config does not allow: beyond the service account, over max_ttl, unknown owner, name in use', async () => {
    const refused = async (req: Parameters<typeof admin.issue>[0], pattern: RegExp) =>
      assert.rejects(admin.issue(req), (e: any) => e.code === 'AIRLOCK_TOKEN_REQUEST_REFUSED' && pattern.test(e.publicMessage));
    await refused({ name: 'x1', envs: ['dev'], dags: ['etl_*'], actions: ['read'], serviceAccount: 'etl-ci' }, /outside service account "etl-ci"/);
    await refused({ name: 'x2', envs: ['prod'], dags: ['finance_*'], actions: ['read'], serviceAccount: 'etl-ci' }, /outside service account/);
    await refused({ name: 'x3', envs: ['prod'], dags: ['etl_*'], actions: ['clear'], serviceAccount: 'etl-ci' }, /outside service account/);
    await refused({ name: 'x4', envs: ['prod'], dags: ['etl_*'], actions: ['read'], serviceAccount: 'etl-ci', ttl: 3 * 3_600_000 }, /max_ttl/);
    await refused({ name: 'x5', envs: ['prod'], dags: ['*'], actions: ['read'], owner: 'nobody-here' }, /signed in/);
    await refused({ name: 'x6', envs: ['prod'], dags: ['*'], actions: ['read'] }, /--owner/);
    await refused({ name: 'etl-ci', envs: ['prod'], dags: ['etl_*'], actions: ['read'], serviceAccount: 'etl-ci' }, /live token named "etl-ci"/);
    await refused({ name: 'x7', envs: ['qa'], dags: ['*'], actions: ['read'], owner: 'carol' }, /not a configured environment/);
  });
});
