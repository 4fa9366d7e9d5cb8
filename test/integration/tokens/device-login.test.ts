import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queryEvents } from '../../../src/audit/index.ts';
import { listTokens } from '../../../src/tokens/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import type { TestStack } from '../gateway/harness.ts';
import { assertMachineAnswer, call, openAdmin, signIn, TOKENS_SECTION, tokenStack } from './support.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
let stack: TestStack;
let admin: Awaited<ReturnType<typeof openAdmin>>;

before(async () => {
  stack = await tokenStack({
    tokens: { ...TOKENS_SECTION, max_ttl: '2h', personal_ttl: '8h' },
    config: (cfg) => {
      cfg.webauthn = { required_for: ['Admin'] };
    },
  });
  admin = await openAdmin(stack);
});
after(async () => {
  await admin?.close();
  await stack?.close();
});

async function form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, any>; headers: Headers }> {
  const res = await fetch(`${stack.gatewayUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, any>, headers: res.headers };
}

async function requestCode(extra: Record<string, string> = {}): Promise<Record<string, any>> {
  const r = await form('/.airlock/device/code', { client_id: 'airlock-cli', ...extra });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

const poll = (deviceCode: string, over: Record<string, string> = {}) => form('/.airlock/device/token', { grant_type: GRANT, device_code: deviceCode, client_id: 'airlock-cli', ...over });

async function page(cookie: string, userCode: string | undefined): Promise<{ status: number; location: string | null; text: string }> {
  const q = userCode === undefined ? '' : `?user_code=${encodeURIComponent(userCode)}`;
  const res = await fetch(`${stack.gatewayUrl}/.airlock/device${q}`, { headers: { cookie }, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

async function decide(cookie: string, userCode: string, decision: 'approve' | 'deny', headers: Record<string, string> = { origin: stack.publicUrl, 'sec-fetch-site': 'same-origin' }): Promise<{ status: number; text: string }> {
  const res = await fetch(`${stack.gatewayUrl}/.airlock/device`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ user_code: userCode, decision }).toString(), redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

const grantRow = (userCode: string) => admin.store.deviceGrants.byUserCode(userCode.replace('-', ''));

describe('airlock login: device authorization at the gateway (RFC 8628)', () => {
  let carol: string;
  before(async () => {
    carol = await signIn(stack, 'carol'); // User: may read and trigger
  });

  test('the device authorization answer; only the device code\'s hash is stored', async () => {
    const a = await requestCode({ env: 'prod', scope: 'read trigger' });
    assert.match(a.device_code, /^[A-Za-z0-9_-]{43}$/);
    assert.match(a.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(a.verification_uri, `${stack.publicUrl}/.airlock/device`);
    assert.equal(a.verification_uri_complete, `${stack.publicUrl}/.airlock/device?user_code=${a.user_code}`);
    assert.equal(a.expires_in, 600);
    assert.equal(a.interval, 5);
    const row = await grantRow(a.user_code);
    assert.ok(row);
    assert.deepEqual([row.status, row.envs, row.actions, row.tokenTtl, row.intervalMs], ['pending', ['prod'], ['read', 'trigger'], 2 * 3_600_000, 5000], 'personal_ttl 8h capped by max_ttl 2h');
    const dump = JSON.stringify(await admin.store.db.selectFrom('device_grants').selectAll().execute());
    assert.ok(!dump.includes(a.device_code), 'the device code itself is nowhere in the table');
  });

  test('refused device authorization requests', async () => {
    const bad = async (fields: Record<string, string>, status: number, error: string, contentType = 'application/x-www-form-urlencoded') => {
      const res = await fetch(`${stack.gatewayUrl}/.airlock/device/code`, { method: 'POST', headers: { 'content-type': contentType }, body: contentType.includes('json') ? JSON.stringify(fields) : new URLSearchParams(fields).toString() });
      const json = (await res.json()) as Record<string, any>;
      assert.deepEqual([res.status, json.error], [status, error], JSON.stringify(fields));
    };
    await bad({ client_id: 'someone-else' }, 401, 'invalid_client');
    await bad({}, 401, 'invalid_client');
    await bad({ client_id: 'airlock-cli', env: 'staging' }, 400, 'invalid_scope');
    await bad({ client_id: 'airlock-cli', scope: 'read root' }, 400, 'invalid_scope');
    await bad({ client_id: 'airlock-cli' }, 400, 'invalid_request', 'application/json');
    const dup = await fetch(`${stack.gatewayUrl}/.airlock/device/code`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=airlock-cli&client_id=airlock-cli' });
    assert.deepEqual([dup.status, ((await dup.json()) as any).error], [400, 'invalid_request'], 'a repeated parameter');
  });

  test('pending, slow_down (the interval grows by 5 s), approved once, then the token works within its scope; a replayed device code is invalid_grant', async () => {
    const a = await requestCode({ env: 'prod', scope: 'read' });
    const p1 = await poll(a.device_code);
    assert.deepEqual([p1.status, p1.json.error], [400, 'authorization_pending']);
    assert.equal(p1.headers.get('cache-control'), 'no-store');
    const p2 = await poll(a.device_code);
    assert.deepEqual([p2.status, p2.json.error], [400, 'slow_down']);
    assert.equal((await grantRow(a.user_code))!.intervalMs, 10_000);

    const shown = await page(carol, a.user_code.toLowerCase().replace('-', ' '));
    assert.equal(shown.status, 200, shown.text);
    assert.ok(shown.text.includes(a.user_code), 'the page shows the code to compare');
    assert.match(shown.text, /<code>prod<\/code>/);
    assert.match(shown.text, /<code>read<\/code>/);
    assert.match(shown.text, /2 hours/);
    assert.match(shown.text, /acts as <strong>carol<\/strong>/);

    const ok = await decide(carol, a.user_code, 'approve');
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /Approved/);
    const row = await grantRow(a.user_code);
    assert.equal(row!.status, 'approved');

    const issued = await poll(a.device_code);
    assert.equal(issued.status, 200, JSON.stringify(issued.json));
    assert.equal(issued.json.token_type, 'Bearer');
    assert.match(issued.json.access_token, /^alk_p_/);
    assert.ok(issued.json.expires_in > 7190 && issued.json.expires_in <= 7200, String(issued.json.expires_in));
    assert.deepEqual([issued.json.scope, issued.json.env], ['read', 'prod']);
    const tok = await admin.store.tokens.get(issued.json.token_id);
    assert.ok(tok);
    const carolRow = await admin.store.db.selectFrom('users').select('sub').where('username', '=', 'carol').executeTakeFirstOrThrow();
    assert.deepEqual([tok.kind, tok.ownerSub, tok.origin, tok.createdBy, tok.dags], ['person', carolRow.sub, 'device', 'device:airlock-cli', ['*']]);
    assert.equal((await grantRow(a.user_code))!.tokenId, tok.id);
    const listed = await listTokens(admin.store, { owner: 'carol', now: Date.now() });
    assert.ok(listed.some((t) => t.id === tok.id && t.origin === 'device' && t.ownerUsername === 'carol' && t.status === 'active'), 'airlock tokens list shows it');

    const replay = await poll(a.device_code);
    assert.deepEqual([replay.status, replay.json.error], [400, 'invalid_grant']);

    const dags = await call(stack, '/api/v1/dags', { token: issued.json.access_token });
    assert.equal(dags.status, 200, dags.text);
    const trigger = await call(stack, '/api/v1/dags/etl_daily/dagRuns', { token: issued.json.access_token, method: 'POST', body: {} });
    assertMachineAnswer(trigger, 403, 'AIRLOCK_TOKEN_SCOPE');
    const dev = await call(stack, '/dev/api/v2/dags', { token: issued.json.access_token });
    assertMachineAnswer(dev, 403, 'AIRLOCK_TOKEN_SCOPE');

    const events = (await queryEvents(admin.store, { type: 'token' })).map((r) => r.event);
    const approval = events.find((e) => e.action === 'device_approve' && e.detail?.actions === 'read');
    assert.ok(approval, 'the approval is audited');
    assert.deepEqual([approval.actor?.username, approval.decision, approval.detail?.envs], ['carol', 'allow', 'prod']);
    assert.ok(events.some((e) => e.action === 'create' && e.actor?.token_id === tok.id && e.detail?.by === 'device:airlock-cli'), 'the issued token is audited');
  });

  test('denied: access_denied, and no token', async () => {
    const a = await requestCode();
    const r = await decide(carol, a.user_code, 'deny');
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /Denied/);
    const p = await poll(a.device_code);
    assert.deepEqual([p.status, p.json.error], [400, 'access_denied']);
    assert.equal((await grantRow(a.user_code))!.tokenId, null);
    const again = await decide(carol, a.user_code, 'approve');
    assert.equal(again.status, 409, 'a decided request cannot be approved afterwards');
    assert.match(again.text, /AIRLOCK_TOKEN_DEVICE_DECIDED/);
    assert.deepEqual([(await poll(a.device_code)).json.error], ['access_denied']);
  });

  test('expired: expired_token at the token endpoint, unknown on the page, and cannot be approved', async () => {
    const a = await requestCode();
    await admin.store.db.updateTable('device_grants').set({ expires_at: Date.now() - 1 }).where('user_code', '=', a.user_code.replace('-', '')).execute();
    const p = await poll(a.device_code);
    assert.deepEqual([p.status, p.json.error], [400, 'expired_token']);
    const shown = await page(carol, a.user_code);
    assert.equal(shown.status, 400);
    assert.match(shown.text, /AIRLOCK_TOKEN_DEVICE_CODE_UNKNOWN/);
    const r = await decide(carol, a.user_code, 'approve');
    assert.equal(r.status, 400);
    assert.equal((await grantRow(a.user_code))!.status, 'pending');
  });

  test('token endpoint refusals: wrong grant type, wrong client, missing or unknown device code', async () => {
    const a = await requestCode();
    for (const [over, status, error] of [
      [{ grant_type: 'authorization_code' }, 400, 'unsupported_grant_type'],
      [{ grant_type: 'client_credentials' }, 400, 'unsupported_grant_type'],
      [{ client_id: 'other' }, 401, 'invalid_client'],
      [{ device_code: '' }, 400, 'invalid_request'],
      [{ device_code: 'x'.repeat(43) }, 400, 'invalid_grant'],
      [{ device_code: `${a.device_code}x` }, 400, 'invalid_grant'],
      [{ device_code: a.user_code }, 400, 'invalid_grant'],
    ] as const) {
      const r = await poll(a.device_code, over as Record<string, string>);
      assert.deepEqual([r.status, r.json.error], [status, error], JSON.stringify(over));
      assert.equal(typeof r.json.error_description, 'string');
    }
    const json = await fetch(`${stack.gatewayUrl}/.airlock/device/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: GRANT, device_code: a.device_code, client_id: 'airlock-cli' }) });
    assert.deepEqual([json.status, ((await json.json()) as any).error], [400, 'invalid_request']);
    const get = await fetch(`${stack.gatewayUrl}/.airlock/device/token`);
    assert.equal(get.status, 405);
    assert.equal((await grantRow(a.user_code))!.status, 'pending', 'none of these changed the grant');
  });

  test('the page: signed out it goes through the sign-in and comes back to the code; no code asks for one', async () => {
    const a = await requestCode();
    const anon = await fetch(`${stack.gatewayUrl}/.airlock/device?user_code=${a.user_code}`, { redirect: 'manual' });
    assert.equal(anon.status, 302);
    assert.equal(anon.headers.get('location'), `/.airlock/login?rd=${encodeURIComponent(`/.airlock/device?user_code=${a.user_code}`)}`);
    const login = await loginThroughGateway(stack.gatewayUrl, 'dave', 'dave-demo', { loginPath: anon.headers.get('location')! });
    assert.equal(login.finalUrl, `${stack.publicUrl}/.airlock/device?user_code=${a.user_code}`);
    const text = await login.response.text();
    assert.match(text, /Approve this sign-in\?/);
    const entry = await page(carol, undefined);
    assert.equal(entry.status, 200);
    assert.match(entry.text, /name="user_code"/);
  });

  test('CSRF: a decision posted from another site, or with no origin at all, is refused and changes nothing', async () => {
    const a = await requestCode();
    const hostile: Record<string, string>[] = [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }, {}, { origin: 'null', 'sec-fetch-site': 'cross-site' }];
    for (const headers of hostile) {
      const r = await decide(carol, a.user_code, 'approve', headers);
      assert.equal(r.status, 403, JSON.stringify(headers));
      assert.match(r.text, /AIRLOCK_SERVER_CROSS_ORIGIN/);
    }
    assert.equal((await grantRow(a.user_code))!.status, 'pending');
    const nobody = await decide('', a.user_code, 'approve');
    assert.equal(nobody.status, 401, 'no session: no decision');
    assert.equal((await grantRow(a.user_code))!.status, 'pending');
  });

  test('a person whose role requires a security key is sent to the step-up first and cannot approve without it (deny works)', async () => {
    const login = await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo'); // Admin: webauthn.required_for
    const alice = login.cookieHeader;
    await login.response.arrayBuffer();
    const a = await requestCode();
    const shown = await page(alice, a.user_code);
    assert.equal(shown.status, 302);
    assert.equal(shown.location, `/.airlock/webauthn/step-up?rd=${encodeURIComponent(`/.airlock/device?user_code=${a.user_code}`)}`);
    const r = await decide(alice, a.user_code, 'approve');
    assert.equal(r.status, 401);
    assert.match(r.text, /AIRLOCK_TOKEN_DEVICE_STEP_UP_REQUIRED/);
    assert.equal((await grantRow(a.user_code))!.status, 'pending');
    const d = await decide(alice, a.user_code, 'deny');
    assert.equal(d.status, 200, d.text);
    assert.equal((await poll(a.device_code)).json.error, 'access_denied');
  });

  test('guessing user codes: 10 wrong codes per person, then even the right one is refused (429)', async () => {
    const guesser = await signIn(stack, 'erin');
    const a = await requestCode();
    const wrong = a.user_code === 'BBBB-BBBB' ? 'CCCC-CCCC' : 'BBBB-BBBB';
    for (let i = 0; i < 10; i++) {
      const r = await page(guesser, i % 2 === 0 ? wrong : 'not a code');
      assert.equal(r.status, 400, `guess ${i}`);
      assert.match(r.text, /AIRLOCK_TOKEN_DEVICE_CODE_UNKNOWN/);
    }
    const limited = await page(guesser, a.user_code);
    assert.equal(limited.status, 429);
    assert.match(limited.text, /AIRLOCK_TOKEN_DEVICE_GUESSES_LIMITED/);
    const post = await decide(guesser, a.user_code, 'approve');
    assert.equal(post.status, 429);
    assert.equal((await grantRow(a.user_code))!.status, 'pending');
    // another person at the same address is not locked out by erin's guesses
    const ok = await page(carol, a.user_code);
    assert.equal(ok.status, 200);
  });
});

// Last in this file: they use up this address's device authorization requests in the gateway's worker.
describe('device authorization requests are bounded (unauthenticated endpoint)', () => {
  test('at most 1,000 sign-ins wait for a decision at once: beyond that 503 temporarily_unavailable, and no row is added', async () => {
    const now = Date.now();
    const before = await admin.store.deviceGrants.countPending(now);
    const filler: string[] = [];
    for (let i = before; i < 1_000; i++) {
      const hash = `filler-${i}-${Math.random().toString(36).slice(2)}`;
      filler.push(hash);
      await admin.store.deviceGrants.insert({ deviceCodeHash: hash, userCode: `F${String(i).padStart(7, '0')}`, clientId: 'airlock-cli', envs: ['*'], actions: ['read'], tokenTtl: 60_000, clientIp: null, intervalMs: 5000, createdAt: now, expiresAt: now + 300_000 });
    }
    try {
      const r = await form('/.airlock/device/code', { client_id: 'airlock-cli' });
      assert.equal(r.status, 503, JSON.stringify(r.json));
      assert.equal(r.json.error, 'temporarily_unavailable');
      assert.equal(r.headers.get('retry-after'), '60');
      assert.equal(await admin.store.deviceGrants.countPending(Date.now()), 1_000, 'nothing was added');
    } finally {
      await admin.store.db.deleteFrom('device_grants').where('device_code_hash', 'in', filler).execute();
    }
    await requestCode(); // room again
  });

  test('30 requests a minute per client address: then 429 slow_down with Retry-After, and no row is added', async () => {
    let refused: Awaited<ReturnType<typeof form>> | undefined;
    let allowed = 0;
    for (let i = 0; i < 40 && !refused; i++) {
      const r = await form('/.airlock/device/code', { client_id: 'airlock-cli' });
      if (r.status === 429) refused = r;
      else {
        assert.equal(r.status, 200, JSON.stringify(r.json));
        allowed++;
      }
    }
    assert.ok(refused, 'the 31st request within the minute at the latest is refused');
    assert.ok(allowed <= 31, `${allowed} allowed`);
    assert.equal(refused.json.error, 'slow_down');
    assert.match(refused.json.error_description, /at most 30 a minute/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
    const pending = await admin.store.deviceGrants.countPending(Date.now());
    const again = await form('/.airlock/device/code', { client_id: 'airlock-cli' });
    assert.equal(again.status, 429);
    assert.equal(await admin.store.deviceGrants.countPending(Date.now()), pending, 'a refused request adds no grant');
  });
});
