import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { subjectOf } from '../../../demo/idp/index.ts';
import { headerValues } from '../../../demo/airflow-standin/index.ts';
import { queryEvents } from '../../../src/audit/index.ts';
import { CookieJar, loginThroughGateway } from '../../support/login.ts';
import { CraftedAuthenticator } from '../../unit/webauthn/crafted.ts';
import type { TestStack } from '../gateway/harness.ts';
import { revokeToken } from '../../../src/tokens/index.ts';
import { assertMachineAnswer, call, openAdmin, signIn, TOKENS_SECTION, tokenStack } from './support.ts';

const TRIGGER = '/api/v1/dags/etl_daily/dagRuns';
const BODY = '{"conf":{"rows":1000,"note":"agent run \\u00e9"},"dag_run_id":"agent-1"}';

/** Helpers shared by the single-worker and the two-worker suites. */
function helpers(stackRef: () => TestStack) {
  const s = () => stackRef();
  const login = async (user: string) => {
    const r = await loginThroughGateway(s().gatewayUrl, user, `${user}-demo`, { returnTo: '/home', jar: new CookieJar() });
    await r.response.arrayBuffer();
    return r.cookieHeader;
  };
  const wa = (cookie: string, path: string, body: unknown) =>
    fetch(`${s().gatewayUrl}/.airlock/webauthn/${path}`, { method: 'POST', headers: { cookie, origin: s().publicUrl, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** A person signed in who registered a security key and just confirmed with it (a fresh step-up). */
  const keyedLogin = async (user: string) => {
    const cookie = await login(user);
    const key = new CraftedAuthenticator('localhost', s().publicUrl);
    const o = (await (await wa(cookie, 'register/options', {})).json()) as { challenge: string };
    const v = await wa(cookie, 'register/verify', { response: key.register(o.challenge), name: 'Key' });
    assert.equal(v.status, 200, await v.text());
    const ao = (await (await wa(cookie, 'authenticate/options', { purpose: 'step_up' })).json()) as { challenge: string };
    const av = await wa(cookie, 'authenticate/verify', { purpose: 'step_up', response: key.assert(ao.challenge) });
    assert.equal(av.status, 200, await av.text());
    return cookie;
  };
  const hold = async (token: string, body = BODY) => {
    const r = await fetch(`${s().gatewayUrl}${TRIGGER}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    const text = await r.text();
    return { status: r.status, json: JSON.parse(text) as Record<string, any>, headers: r.headers, text };
  };
  const decide = async (cookie: string, id: string, op: 'approve' | 'deny', sha256: string, extra: Record<string, string> = {}) => {
    const r = await fetch(`${s().gatewayUrl}/.airlock/approvals/${id}/${op}`, {
      method: 'POST',
      headers: { cookie, origin: s().publicUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...extra },
      body: `sha256=${encodeURIComponent(sha256)}`,
      redirect: 'manual',
    });
    const text = await r.text();
    let json: Record<string, any> | undefined;
    try {
      json = JSON.parse(text) as Record<string, any>;
    } catch {
      json = undefined;
    }
    return { status: r.status, json, text, headers: r.headers };
  };
  const triggersReceived = () => s().prod.received.filter((r) => r.method === 'POST' && r.url === TRIGGER);
  return { login, keyedLogin, hold, decide, triggersReceived };
}

describe('AI agents under human oversight: held requests and approvals', () => {
  let stack: TestStack;
  let admin: Awaited<ReturnType<typeof openAdmin>>;
  let bot: string;
  let botId: string;
  let forced: string;
  let carolCli: string;
  let other: string;
  let bob: string;
  const h = helpers(() => stack);

  before(async () => {
    stack = await tokenStack({ config: (cfg) => void (cfg.approvals = { agent_actions: { prod: ['trigger'] }, max_body: 4096 }) });
    for (const u of ['carol', 'dave', 'alice']) await signIn(stack, u);
    admin = await openAdmin(stack);
    const issued = await admin.issue({ name: 'bot', envs: ['prod'], dags: ['etl_*'], actions: ['read', 'trigger', 'clear'], owner: 'carol', kind: 'agent', approval: ['trigger', 'clear'], ttl: 3_600_000 });
    bot = issued.token;
    botId = issued.row.id;
    forced = (await admin.issue({ name: 'bot-forced', envs: ['prod'], dags: ['etl_*'], actions: ['read', 'trigger'], owner: 'carol', kind: 'agent', ttl: 3_600_000 })).token;
    carolCli = (await admin.issue({ name: 'carol-cli', envs: ['prod'], dags: ['etl_*'], actions: ['read', 'trigger'], owner: 'carol', ttl: 3_600_000 })).token;
    other = (await admin.issue({ name: 'other-bot', envs: ['prod'], dags: ['etl_*'], actions: ['read', 'trigger'], owner: 'carol', kind: 'agent', ttl: 3_600_000 })).token;
    bob = await h.keyedLogin('bob');
  });
  after(async () => {
    await admin?.close();
    await stack?.close();
  });

  test('--approval must name actions of the token itself', async () => {
    await assert.rejects(admin.issue({ name: 'bad', envs: ['prod'], dags: ['*'], actions: ['read'], owner: 'carol', kind: 'agent', approval: ['trigger'] }), (e: any) => e.code === 'AIRLOCK_TOKEN_REQUEST_REFUSED' && /--approval trigger/.test(e.message));
  });

  test('token/self lists the actions needing approval, per environment', async () => {
    const self = assertMachineAnswer(await call(stack, '/.airlock/token/self', { token: bot }), 200);
    assert.deepEqual(self.actions_needing_approval, ['trigger', 'clear']);
    assert.deepEqual(self.actions_needing_approval_by_env, { prod: ['trigger', 'clear'] });
    assert.equal(self.approval.held_status, 202);
    const f = assertMachineAnswer(await call(stack, '/.airlock/token/self', { token: forced }), 200);
    assert.deepEqual(f.actions_needing_approval_by_env, { prod: ['trigger'] }, 'approvals.agent_actions forces it for agent tokens');
    const p = assertMachineAnswer(await call(stack, '/.airlock/token/self', { token: carolCli }), 200);
    assert.deepEqual(p.actions_needing_approval, [], 'a personal token is not forced');
  });

  test('a held trigger: 202 with id, status URL and expiry; nothing reaches Airflow; the requester polls "pending"; the audit records it', async () => {
    const before = h.triggersReceived().length;
    const r = await h.hold(bot);
    assert.equal(r.status, 202, r.text);
    assert.match(r.json.approval_id, /^apr_[A-Za-z0-9_-]{22}$/);
    assert.equal(r.json.status, 'pending');
    assert.equal(r.json.status_url, `${stack.publicUrl}/.airlock/approvals/${r.json.approval_id}`);
    assert.ok(Date.parse(r.json.expires_at) - Date.now() > 14 * 60_000, 'default 15 minutes');
    assert.equal(h.triggersReceived().length, before, 'nothing forwarded');
    const st = assertMachineAnswer(await call(stack, `/.airlock/approvals/${r.json.approval_id}`, { token: bot }), 200);
    assert.equal(st.status, 'pending');
    assert.equal(st.body_sha256, r.json.body_sha256);
    const held = await admin.store.approvals.get(r.json.approval_id);
    assert.equal(held?.body.toString('utf8'), BODY, 'stored verbatim');
    const events = await queryEvents(admin.store, { requestId: r.headers.get('x-request-id')! });
    const ev = events.find((e) => e.event.type === 'approval');
    assert.equal(ev?.event.detail?.event, 'held');
    assert.equal(ev?.event.detail?.body_sha256, r.json.body_sha256);
    let req = events.find((e) => e.event.type === 'request');
    for (let i = 0; !req && i < 50; i++) {
      await new Promise((res) => setTimeout(res, 100)); // the request event comes in the next batch
      req = (await queryEvents(admin.store, { requestId: r.headers.get('x-request-id')! })).find((e) => e.event.type === 'request');
    }
    assert.equal(req?.event.decision, 'held');
    assert.equal(req?.event.status, 202);
    assert.equal(ev?.event.actor?.token_id, botId);
    // the forced agent token is held too; the owner's personal token is not
    assert.equal((await h.hold(forced)).status, 202);
    const direct = await h.hold(carolCli);
    assert.equal(direct.status, 200, direct.text);
    // another token may not read this approval
    assertMachineAnswer(await call(stack, `/.airlock/approvals/${r.json.approval_id}`, { token: other }), 403, 'AIRLOCK_APPROVAL_NOT_REQUESTER');
  });

  test('refusals: the requesting token, the owner, a person without the right, no fresh step-up, another site, a changed hash; nothing is performed', async () => {
    const r = await h.hold(bot);
    const id = r.json.approval_id as string;
    const sha = r.json.body_sha256 as string;
    const before = h.triggersReceived().length;
    const byToken = await fetch(`${stack.gatewayUrl}/.airlock/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${bot}`, origin: stack.publicUrl, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: `sha256=${sha}` });
    assert.equal(byToken.status, 403);
    assert.equal(((await byToken.json()) as any).error, 'AIRLOCK_APPROVAL_PERSON_REQUIRED');
    const carol = await h.keyedLogin('carol');
    assert.equal((await h.decide(carol, id, 'approve', sha)).json?.error, 'AIRLOCK_APPROVAL_SELF', 'the owner of the agent token');
    const dave = await h.keyedLogin('dave');
    const d = await h.decide(dave, id, 'approve', sha);
    assert.equal(d.status, 403);
    assert.equal(d.json?.error, 'AIRLOCK_APPROVAL_NOT_ALLOWED', 'a Viewer may not trigger');
    assert.equal((await h.decide(dave, id, 'deny', sha)).json?.error, 'AIRLOCK_APPROVAL_NOT_ALLOWED', 'nor deny');
    const page = await fetch(`${stack.gatewayUrl}/.airlock/approvals/${id}`, { headers: { cookie: dave, accept: 'text/html' } });
    assert.equal(page.status, 403, 'nor read the held body');
    await page.arrayBuffer();
    const alice = await h.login('alice');
    const a = await h.decide(alice, id, 'approve', sha);
    assert.equal(a.status, 401);
    assert.equal(a.json?.error, 'AIRLOCK_APPROVAL_STEP_UP_REQUIRED');
    assert.match(a.json?.step_up_url, /\/\.airlock\/webauthn\/step-up\?rd=%2F\.airlock%2Fapprovals%2Fapr_/);
    const x = await h.decide(bob, id, 'approve', sha, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    assert.equal(x.json?.error, 'AIRLOCK_SERVER_CROSS_ORIGIN');
    const changed = await h.decide(bob, id, 'approve', 'A'.repeat(43));
    assert.equal(changed.status, 409);
    assert.equal(changed.json?.error, 'AIRLOCK_APPROVAL_HASH_MISMATCH');
    // a person's own personal token: they cannot approve its held request (bob approves for nobody but others)
    const bobCli = (await admin.issue({ name: 'bob-cli', envs: ['prod'], dags: ['etl_*'], actions: ['trigger'], owner: 'bob', approval: ['trigger'], ttl: 600_000 })).token;
    const own = await h.hold(bobCli);
    assert.equal(own.status, 202);
    assert.equal((await h.decide(bob, own.json.approval_id, 'approve', own.json.body_sha256)).json?.error, 'AIRLOCK_APPROVAL_SELF');
    assert.equal(h.triggersReceived().length, before, 'nothing performed');
    assert.equal((await admin.store.approvals.get(id))?.status, 'pending');
  });

  test('a person allowed to trigger approves with a fresh step-up: performed once with the stored body, both identities named; a replay is refused', async () => {
    const r = await h.hold(bot);
    const id = r.json.approval_id as string;
    const before = h.triggersReceived().length;
    const ok = await h.decide(bob, id, 'approve', r.json.body_sha256);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json?.status, 'executed');
    assert.equal(ok.json?.decided_by, 'bob');
    const got = h.triggersReceived().slice(before);
    assert.equal(got.length, 1, 'exactly one request reached Airflow');
    assert.equal(got[0]!.body.toString('utf8'), BODY, 'byte for byte the held body');
    assert.deepEqual(headerValues(got[0]!.headers, 'content-type'), ['application/json']);
    const [jwt] = headerValues(got[0]!.headers, 'x-airlock-assertion');
    const claims = JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;
    assert.equal(claims.sub, 'agent:bot');
    assert.equal(claims.kind, 'agent');
    assert.deepEqual(claims.act, { sub: subjectOf('carol'), preferred_username: 'carol' });
    assert.deepEqual(claims.approved_by, { sub: subjectOf('bob'), preferred_username: 'bob', approval_id: id });
    assert.ok(!got[0]!.headers.some((x, i) => i % 2 === 0 && x.toLowerCase() === 'authorization'));

    const replay = await h.decide(bob, id, 'approve', r.json.body_sha256);
    assert.equal(replay.status, 409);
    assert.equal(replay.json?.error, 'AIRLOCK_APPROVAL_NOT_PENDING');
    assert.equal(h.triggersReceived().length, before + 1, 'still once');

    const st = assertMachineAnswer(await call(stack, `/.airlock/approvals/${id}`, { token: bot }), 200);
    assert.equal(st.status, 'executed');
    assert.equal(st.upstream_status, 200);
    assert.ok(st.upstream_body && typeof st.upstream_body === 'object', 'the upstream JSON answer');

    const all = (await queryEvents(admin.store, { type: 'approval' })).map((e) => e.event).filter((e) => e.detail?.approval_id === id);
    assert.deepEqual(all.map((e) => e.detail?.event), ['held', 'approved', 'executed']);
    assert.equal(all[1]!.actor?.username, 'bob');
    assert.ok(all[1]!.actor?.credential_id, 'the approver\'s security key');
    assert.equal(all[2]!.actor?.username, 'agent:bot');
    assert.equal(all[2]!.upstream_status, 200);
    assert.equal(all[2]!.detail?.approved_by, 'bob');
  });

  test('approved after the token was revoked: not performed, the approval ends "failed" with the token\'s error', async () => {
    const t = await admin.issue({ name: 'short-bot', envs: ['prod'], dags: ['etl_*'], actions: ['trigger'], owner: 'carol', kind: 'agent', approval: ['trigger'], ttl: 600_000 });
    const r = await h.hold(t.token);
    assert.equal(r.status, 202, r.text);
    await revokeToken(admin.ctx(), t.row.id, 'test');
    const before = h.triggersReceived().length;
    const a = await h.decide(bob, r.json.approval_id, 'approve', r.json.body_sha256);
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json?.status, 'failed');
    assert.equal(a.json?.error, 'AIRLOCK_TOKEN_REVOKED');
    assert.equal(h.triggersReceived().length, before, 'nothing performed');
    const ev = (await queryEvents(admin.store, { type: 'approval' })).map((e) => e.event).filter((e) => e.detail?.approval_id === r.json.approval_id);
    assert.deepEqual(ev.map((e) => e.detail?.event), ['held', 'approved', 'failed']);
    assert.equal(ev[2]!.detail?.error, 'AIRLOCK_TOKEN_REVOKED');
  });

  test('approved after the owner lost the right: decided again at execution, not performed, ends "failed"', async () => {
    const t = await admin.issue({ name: 'owner-bot', envs: ['prod'], dags: ['etl_*'], actions: ['trigger'], owner: 'carol', kind: 'agent', approval: ['trigger'], ttl: 600_000 });
    const r = await h.hold(t.token);
    assert.equal(r.status, 202, r.text);
    const carol = stack.idp.users.find((u) => u.username === 'carol')!;
    const groups = carol.groups;
    try {
      (carol as { groups: readonly string[] }).groups = ['analysts']; // the IdP moves carol to a Viewer group
      await signIn(stack, 'carol');
      const before = h.triggersReceived().length;
      const a = await h.decide(bob, r.json.approval_id, 'approve', r.json.body_sha256);
      assert.equal(a.status, 200, a.text);
      assert.equal(a.json?.status, 'failed');
      assert.equal(h.triggersReceived().length, before, 'nothing performed');
      const ev = (await queryEvents(admin.store, { type: 'approval' })).map((e) => e.event).filter((e) => e.detail?.approval_id === r.json.approval_id);
      assert.deepEqual(ev.map((e) => e.detail?.event), ['held', 'approved', 'failed']);
    } finally {
      (carol as { groups: readonly string[] }).groups = groups;
      await signIn(stack, 'carol');
    }
  });

  test('a denied request is final: never performed, the requester sees "denied"', async () => {
    const r = await h.hold(bot);
    const id = r.json.approval_id as string;
    const before = h.triggersReceived().length;
    const d = await h.decide(bob, id, 'deny', r.json.body_sha256);
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json?.status, 'denied');
    const again = await h.decide(bob, id, 'approve', r.json.body_sha256);
    assert.equal(again.json?.error, 'AIRLOCK_APPROVAL_NOT_PENDING');
    assert.equal(assertMachineAnswer(await call(stack, `/.airlock/approvals/${id}`, { token: bot }), 200).status, 'denied');
    assert.equal(h.triggersReceived().length, before);
  });

  test('an expired request cannot be approved (410) and shows "expired"', async () => {
    const r = await h.hold(bot);
    const id = r.json.approval_id as string;
    await admin.store.db.updateTable('approvals').set({ expires_at: Date.now() - 1 }).where('id', '=', id).execute(); // its 15 minutes have passed
    const before = h.triggersReceived().length;
    const a = await h.decide(bob, id, 'approve', r.json.body_sha256);
    assert.equal(a.status, 410);
    assert.equal(a.json?.error, 'AIRLOCK_APPROVAL_EXPIRED');
    assert.equal(assertMachineAnswer(await call(stack, `/.airlock/approvals/${id}`, { token: bot }), 200).status, 'expired');
    assert.equal(h.triggersReceived().length, before);
  });

  test('an approved request still "being performed" long after the upstream timeout (its worker died) is settled as failed, outcome_unknown, once and audited', async () => {
    const before = h.triggersReceived().length;
    const stuck = await h.hold(bot);
    const fresh = await h.hold(bot);
    assert.equal(stuck.status, 202, stuck.text);
    const approver = JSON.stringify({ sub: subjectOf('bob'), username: 'bob' });
    // as a worker leaves it when it dies between winning the approval and recording the upstream's answer
    const mark = (id: string, decidedAt: number) => admin.store.db.updateTable('approvals').set({ status: 'executing', decided_by: approver, decided_at: decidedAt }).where('id', '=', id).execute();
    await mark(stuck.json.approval_id, Date.now() - 10 * 60_000); // bound: connect_timeout 5 s + timeout 30 s + 60 s
    await mark(fresh.json.approval_id, Date.now() - 1_000);
    const first = assertMachineAnswer(await call(stack, `/.airlock/approvals/${stuck.json.approval_id}`, { token: bot }), 200);
    assert.deepEqual([first.status, first.error, first.upstream_status], ['failed', 'outcome_unknown', null]);
    const second = assertMachineAnswer(await call(stack, `/.airlock/approvals/${stuck.json.approval_id}`, { token: bot }), 200);
    assert.deepEqual([second.status, second.error], ['failed', 'outcome_unknown']);
    const row = await admin.store.approvals.get(stuck.json.approval_id);
    assert.equal(row?.status, 'failed');
    const settled = (await queryEvents(admin.store, { type: 'approval' })).filter((e) => e.event.detail?.approval_id === stuck.json.approval_id && e.event.detail?.error === 'outcome_unknown');
    assert.equal(settled.length, 1, 'settled and audited once');
    assert.equal(settled[0]!.event.decision, 'failed');
    assert.equal(settled[0]!.event.detail?.approved_by, 'bob');
    // one being performed right now is left alone
    const running = assertMachineAnswer(await call(stack, `/.airlock/approvals/${fresh.json.approval_id}`, { token: bot }), 200);
    assert.equal(running.status, 'approved');
    assert.equal((await admin.store.approvals.get(fresh.json.approval_id))?.status, 'executing');
    assert.equal(h.triggersReceived().length, before, 'nothing reached Airflow');
  });

  test('a body over approvals.max_body is refused with 413 AIRLOCK_APPROVAL_BODY_TOO_LARGE; nothing is held or forwarded', async () => {
    const before = h.triggersReceived().length;
    const big = JSON.stringify({ conf: { pad: 'x'.repeat(5000) } });
    const r = await call(stack, TRIGGER, { token: bot, method: 'POST', body: JSON.parse(big) });
    assertMachineAnswer(r, 413, 'AIRLOCK_APPROVAL_BODY_TOO_LARGE');
    assert.equal(r.json?.limit_bytes, 4096);
    assert.equal(h.triggersReceived().length, before);
    const n = await admin.store.db.selectFrom('approvals').select((eb) => eb.fn.countAll().as('n')).where('request_id', '=', r.headers.get('x-request-id')!).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
  });
});

describe('approvals on two workers', () => {
  let stack: TestStack;
  let admin: Awaited<ReturnType<typeof openAdmin>>;
  const h = helpers(() => stack);
  before(async () => {
    stack = await tokenStack({ workers: 2, tokens: TOKENS_SECTION });
    await signIn(stack, 'carol');
    admin = await openAdmin(stack);
  });
  after(async () => {
    await admin?.close();
    await stack?.close();
  });

  test('concurrent approvals (fresh connections, spread over both workers) perform the request exactly once', async () => {
    const bot = (await admin.issue({ name: 'bot', envs: ['prod'], dags: ['etl_*'], actions: ['trigger'], owner: 'carol', kind: 'agent', approval: ['trigger'], ttl: 3_600_000 })).token;
    const bob = await h.keyedLogin('bob');
    const r = await h.hold(bot);
    assert.equal(r.status, 202, r.text);
    const before = h.triggersReceived().length;
    const results = await Promise.all(Array.from({ length: 6 }, () => h.decide(bob, r.json.approval_id, 'approve', r.json.body_sha256)));
    const statuses = results.map((x) => x.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409], JSON.stringify(results.map((x) => x.json?.error ?? x.json?.status)));
    assert.equal(h.triggersReceived().length, before + 1, 'Airflow received the trigger once');
  });
});
