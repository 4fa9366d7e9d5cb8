import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { headerValues } from '../../../demo/airflow-standin/index.ts';
import { appendEvents, buildEvent, queryEvents } from '../../../src/audit/index.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { createToken } from '../../../src/tokens/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { captureLog, type LogCapture } from '../identity/log-capture.ts';
import { bodyOf, NGINX_SNIPPET, startNginxStack, type NginxStack } from './nginx-stack.ts';

const TRIGGER = '/api/v1/dags/example_etl/dagRuns';
const JSON_API = { accept: 'application/json', 'content-type': 'application/json' };

/** One request over a fresh socket, optionally from a chosen local address (127.0.0.2 is outside trusted_proxies). */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Record<string, any> }> {
  // the target as written (new URL() would resolve "%2e%2e" and "..")
  const m = /^http:\/\/([^/:]+):(\d+)(\/.*)$/.exec(url)!;
  return new Promise((resolve, reject) => {
    const r = request({ host: m[1], port: Number(m[2]), path: m[3], method: opts.method ?? 'GET', headers: { connection: 'close', ...opts.headers }, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body: Record<string, any>;
        try {
          body = text ? (JSON.parse(text) as Record<string, any>) : {};
        } catch {
          body = { text };
        }
        resolve({ status: res.statusCode!, headers: res.headers, body });
      });
    });
    r.on('error', reject);
    r.end(opts.body);
  });
}

function claimsOf(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;
}

describe('forward-auth behind Debian nginx (auth_request) in front of the Airflow stand-in', () => {
  let s: NginxStack;
  let log: LogCapture;
  let alice: string;
  let dave: string;
  const received = (method: string, path: string) => s.airflow.received.filter((r) => r.method === method && r.url.split('?')[0] === path).length;

  before(async () => {
    log = captureLog('info');
    s = await startNginxStack({
      logger: log.logger,
      config: (cfg) => {
        cfg.policy = { step_up: [{ env: 'prod', actions: ['trigger'], within: '5m' }] };
        cfg.dags = [
          { id: 'no-finance-clear', env: 'prod', match: 'finance_*', deny: { clear: ['role:Admin'] } },
          { id: 'carol-no-hr', env: 'prod', match: 'hr_*', deny: { read: ['user:carol'] } },
        ];
        cfg.environments.prod.airflow_filters_dags = true;
        cfg.tokens = { service_accounts: { reporting: { role: 'Viewer', actions: ['read'] } } };
        cfg.roles.marketing = 'Viewer';
        cfg.webauthn = { required_for: ['group:marketing'] };
      },
    });
    alice = (await loginThroughGateway(s.publicUrl, 'alice', 'alice-demo')).cookieHeader;
    dave = (await loginThroughGateway(s.publicUrl, 'dave', 'dave-demo')).cookieHeader;
  });
  after(() => s?.close());

  test('the nginx config of docs/forward-auth.md is the file this test runs', async () => {
    const doc = await readFile(new URL('../../../docs/forward-auth.md', import.meta.url), 'utf8');
    const snippet = await readFile(NGINX_SNIPPET, 'utf8');
    assert.ok(doc.includes(snippet.trim()), 'docs/forward-auth.md shows examples/forward-auth/nginx-airlock.conf verbatim');
  });

  test('sign-in: an unauthenticated browser is sent to the login with rd, signs in through nginx and lands on the page; an API client gets 401 JSON', async () => {
    const r = await fetch(`${s.publicUrl}/home?tab=1`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), `${s.publicUrl}/.airlock/login?rd=${encodeURIComponent('/home?tab=1')}`);
    await r.arrayBuffer();

    const login = await loginThroughGateway(s.publicUrl, 'bob', 'bob-demo', { loginPath: new URL(r.headers.get('location')!).pathname + new URL(r.headers.get('location')!).search });
    assert.equal(login.finalUrl, `${s.publicUrl}/home?tab=1`);
    assert.equal(login.response.status, 200);
    assert.match(await login.response.text(), /bob/, 'Airflow (the stand-in) shows the person signed in through Airlock');

    const n = s.airflow.received.length;
    const api = await fetch(`${s.publicUrl}/api/v1/dags`, { headers: { accept: 'application/json' }, redirect: 'manual' });
    assert.equal(api.status, 401);
    assert.equal((await bodyOf(api)).error, 'AIRLOCK_SERVER_NOT_AUTHENTICATED');
    assert.equal(s.airflow.received.length, n, 'nothing reached Airflow');
  });

  test('allowed: Airflow receives a valid assertion of the person (a forged one and forged identity headers are replaced)', async () => {
    const before = s.airflow.received.length;
    const r = await fetch(`${s.publicUrl}/api/v1/dags`, { headers: { cookie: dave, accept: 'application/json', 'x-airlock-assertion': 'forged.jwt.value', 'x-airlock-user': 'mallory', 'x-airlock-roles': 'Admin' } });
    assert.equal(r.status, 200, 'the stand-in verified the assertion against the JWKS (else 401)');
    assert.ok(Array.isArray((await bodyOf(r)).dags));
    const got = s.airflow.received.slice(before).find((x) => x.url === '/api/v1/dags')!;
    const assertions = headerValues(got.headers, 'x-airlock-assertion');
    assert.equal(assertions.length, 1);
    const claims = claimsOf(assertions[0]!);
    assert.equal(claims.preferred_username, 'dave');
    assert.equal(claims.aud, 'prod');
    assert.equal(claims.iss, s.publicUrl);
    assert.deepEqual(claims.roles, ['Viewer']);
    assert.deepEqual(headerValues(got.headers, 'x-airlock-user'), ['dave']);
    assert.deepEqual(headerValues(got.headers, 'x-airlock-roles'), ['Viewer']);
    const requestId = headerValues(got.headers, 'x-request-id')[0];
    assert.ok(requestId, "Airlock's request id reaches Airflow");
    const line = (await log.entries()).find((e) => e.reqId === requestId && e.msg === 'request');
    assert.equal(line?.env, 'prod', 'the access log counts the decision under the environment');
    assert.equal(line?.decision, 'allow');
    assert.equal(line?.user, 'dave');
  });

  test('refused: 403 with the code and the reasons; nothing reaches Airflow; Airlock answers API clients JSON with every reason', async () => {
    const n = received('POST', TRIGGER);
    const r = await fetch(`${s.publicUrl}${TRIGGER}`, { method: 'POST', headers: { cookie: dave, ...JSON_API }, body: '{}' });
    assert.equal(r.status, 403);
    const b = await bodyOf(r);
    assert.equal(b.error, 'AIRLOCK_SERVER_FORBIDDEN');
    assert.match(b.reasons, /role_missing_permission/);
    assert.equal(received('POST', TRIGGER), n);

    // what nginx asked (the same decision, straight from Airlock as a trusted peer): the full JSON
    const direct = await raw(`${s.gatewayUrl}/.airlock/authz`, { headers: { host: new URL(s.publicUrl).host, cookie: dave, accept: 'application/json', 'x-original-method': 'POST', 'x-original-uri': TRIGGER } });
    assert.equal(direct.status, 403);
    assert.equal(direct.headers['x-airlock-error'], 'AIRLOCK_SERVER_FORBIDDEN');
    assert.equal(direct.body.error, 'AIRLOCK_SERVER_FORBIDDEN');
    assert.equal(direct.body.action, 'trigger');
    assert.deepEqual(direct.body.dag_ids, ['example_etl']);
    assert.ok(direct.body.reasons.some((x: { code: string }) => x.code === 'role_missing_permission'));
  });

  test('step-up: a trigger where step_up is configured sends a browser to the security-key page and gives an API client 401 JSON', async () => {
    const n = received('POST', TRIGGER);
    const api = await fetch(`${s.publicUrl}${TRIGGER}`, { method: 'POST', headers: { cookie: alice, ...JSON_API }, body: '{}' });
    assert.equal(api.status, 401);
    assert.equal((await bodyOf(api)).error, 'AIRLOCK_WEBAUTHN_STEP_UP_REQUIRED');

    const page = await fetch(`${s.publicUrl}/dags/example_etl/trigger`, { method: 'POST', headers: { cookie: alice, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: 'conf=%7B%7D', redirect: 'manual' });
    assert.equal(page.status, 302);
    const to = page.headers.get('location')!;
    assert.equal(to, `${s.publicUrl}/.airlock/webauthn/step-up?rd=${encodeURIComponent('/dags/example_etl/trigger')}`);
    await page.arrayBuffer();
    const stepUp = await fetch(to, { headers: { cookie: alice, accept: 'text/html' } });
    assert.equal(stepUp.status, 200, 'the WebAuthn step-up page, served by Airlock through nginx');
    await stepUp.arrayBuffer();
    assert.equal(received('POST', TRIGGER), n);
    assert.equal(received('POST', '/dags/example_etl/trigger'), 0);

    const direct = await raw(`${s.gatewayUrl}/.airlock/authz`, { headers: { host: new URL(s.publicUrl).host, cookie: alice, accept: 'application/json', 'x-original-method': 'POST', 'x-original-uri': TRIGGER } });
    assert.equal(direct.status, 401);
    assert.equal(direct.body.step_up_url, `${s.publicUrl}/.airlock/webauthn/step-up?rd=${encodeURIComponent(TRIGGER)}`);
  });

  test('an allowed mutation is audited durably before nginx forwards it, marked forward_auth', async () => {
    const r = await fetch(`${s.publicUrl}/api/v1/dags/example_etl`, { method: 'PATCH', headers: { cookie: alice, ...JSON_API }, body: '{"is_paused":true}' });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    const got = s.airflow.received.filter((x) => x.method === 'PATCH').at(-1)!;
    assert.equal(got.body.toString(), '{"is_paused":true}', 'nginx forwarded the body');
    const requestId = headerValues(got.headers, 'x-request-id')[0]!;
    await new Promise((res) => setTimeout(res, 50));
    await s.gateway.worker!.services.audit.flush();
    const events = await queryEvents(s.gateway.worker!.services.store, { requestId });
    assert.deepEqual(events.map((e) => e.event.type), ['request.intent', 'request.outcome']);
    const intent = events[0]!.event;
    assert.equal(intent.method, 'PATCH');
    assert.equal(intent.path, '/api/v1/dags/example_etl');
    assert.equal(intent.decision, 'allow');
    assert.equal(intent.actor?.username, 'alice');
    assert.equal(intent.client_ip, '127.0.0.1');
    assert.deepEqual(intent.detail, { forward_auth: 'nginx' });
    assert.equal(events[1]!.event.detail?.forward_auth, 'nginx');
  });

  test('untrusted source: X-Original-URI from a peer outside trusted_proxies is refused (403, logged, audited), directly and through an nginx that is not trusted', async () => {
    const direct = await raw(`${s.gatewayUrl}/.airlock/authz`, { localAddress: '127.0.0.2', headers: { host: new URL(s.publicUrl).host, cookie: alice, 'x-original-method': 'GET', 'x-original-uri': '/api/v1/dags' } });
    assert.equal(direct.status, 403);
    assert.equal(direct.body.error, 'AIRLOCK_AUTHZ_UNTRUSTED_SOURCE');
    assert.equal(direct.headers['x-airlock-assertion'], undefined);
    const entries = await log.entries();
    assert.ok(entries.some((e) => e.level === 'warn' && e.peer === '127.0.0.2' && String(e.msg).includes('trusted_proxies')), 'a warning names the peer');
    await s.gateway.worker!.services.audit.flush();
    const [ev] = await queryEvents(s.gateway.worker!.services.store, { requestId: String(direct.headers['x-request-id']) });
    assert.equal(ev?.event.decision, 'deny');
    assert.deepEqual(ev?.event.reasons, ['AIRLOCK_AUTHZ_UNTRUSTED_SOURCE']);
    assert.deepEqual(ev?.event.detail, { forward_auth: 'untrusted' });

    const n = s.airflow.received.length;
    const via = await fetch(`${s.untrustedUrl}/api/v1/dags`, { headers: { cookie: alice, accept: 'application/json' } });
    assert.equal(via.status, 403);
    assert.equal((await bodyOf(via)).error, 'AIRLOCK_AUTHZ_UNTRUSTED_SOURCE');
    assert.equal(s.airflow.received.length, n);
  });

  test('body-dependent: nginx cannot send the body, so a request whose DAG ids are in it is refused (403 AIRLOCK_AUTHZ_BODY_REQUIRED); an ingress that sends the body gets it decided', async () => {
    const form = { cookie: alice, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' };
    const r = await fetch(`${s.publicUrl}/clear`, { method: 'POST', headers: form, body: 'dag_id=example_etl&task_id=extract&execution_date=2024-01-01' });
    assert.equal(r.status, 403);
    assert.equal((await bodyOf(r)).error, 'AIRLOCK_AUTHZ_BODY_REQUIRED');
    assert.equal(received('POST', '/clear'), 0);

    // the same question with the body (Envoy's with_request_body form): decided on the DAG in the body
    const host = new URL(s.publicUrl).host;
    const ok = await raw(`${s.gatewayUrl}/.airlock/authz/clear`, { method: 'POST', headers: { ...form, host }, body: 'dag_id=example_etl&task_id=extract' });
    assert.equal(ok.status, 200);
    assert.ok(String(ok.headers['x-airlock-assertion']).split('.').length === 3);
    const denied = await raw(`${s.gatewayUrl}/.airlock/authz/clear`, { method: 'POST', headers: { ...form, host, accept: 'application/json' }, body: 'dag_id=finance_daily&task_id=extract' });
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.body.dag_ids, ['finance_daily']);
    assert.ok(denied.body.reasons.some((x: { rule?: { id: string } }) => x.rule?.id === 'no-finance-clear'));
    // a body Envoy cut at max_request_bytes (allow_partial_message) is not decided on
    const partial = await raw(`${s.gatewayUrl}/.airlock/authz/clear`, { method: 'POST', headers: { ...form, host, accept: 'application/json', 'x-envoy-auth-partial-body': 'true' }, body: 'dag_id=example_etl' });
    assert.equal(partial.status, 413);
    assert.equal(partial.body.error, 'AIRLOCK_AUTHZ_PARTIAL_BODY');
  });

  test('an ambiguous original target is refused as the proxy refuses it (through nginx: 403 with the code)', async () => {
    const direct = await raw(`${s.gatewayUrl}/.airlock/authz`, { headers: { host: new URL(s.publicUrl).host, cookie: alice, accept: 'application/json', 'x-original-method': 'GET', 'x-original-uri': '/api/v1/dags/%2e%2e/connections' } });
    assert.equal(direct.status, 403, 'nginx style: any 4xx but 401/403 is answered 403 (nginx would turn it into a 500)');
    assert.equal(direct.headers['x-airlock-status'], '400');
    assert.equal(direct.body.error, 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
    const envoy = await raw(`${s.gatewayUrl}/.airlock/authz/api/v1/dags/%2e%2e/connections`, { headers: { host: new URL(s.publicUrl).host, cookie: alice, accept: 'application/json' } });
    assert.equal(envoy.status, 400, 'Envoy and Traefik relay any status');
    assert.equal(envoy.body.error, 'AIRLOCK_POLICY_AMBIGUOUS_TARGET');
  });

  test('hostile describing headers from the client change nothing: nginx sets X-Original-* itself and clears Traefik\'s', async () => {
    const n = received('POST', TRIGGER);
    const r = await fetch(`${s.publicUrl}${TRIGGER}`, {
      method: 'POST',
      headers: { cookie: dave, ...JSON_API, 'x-original-uri': '/api/v1/health', 'x-original-method': 'GET', 'x-forwarded-uri': '/api/v1/health', 'x-forwarded-method': 'GET', 'x-forwarded-host': 'elsewhere.example.com' },
      body: '{}',
    });
    assert.equal(r.status, 403);
    assert.equal((await bodyOf(r)).error, 'AIRLOCK_SERVER_FORBIDDEN', 'decided on the real request (a Viewer may not trigger)');
    assert.equal(received('POST', TRIGGER), n);
  });

  test('Traefik-shaped questions (X-Forwarded-Method/-Uri/-Host): 302 to sign-in, 200 with the identity headers; a GET carrying a body is refused, a POST with its body is decided on it', async () => {
    const host = new URL(s.publicUrl).host;
    const traefik = (method: string, uri: string, extra: Record<string, string> = {}) => ({ host: '127.0.0.1', 'x-forwarded-method': method, 'x-forwarded-uri': uri, 'x-forwarded-host': host, 'x-forwarded-proto': 'http', 'x-forwarded-for': '203.0.113.7', ...extra });
    const anon = await raw(`${s.gatewayUrl}/.airlock/authz`, { headers: traefik('GET', '/home', { accept: 'text/html' }) });
    assert.equal(anon.status, 302);
    assert.equal(anon.headers.location, `${s.publicUrl}/.airlock/login?rd=%2Fhome`);
    const ok = await raw(`${s.gatewayUrl}/.airlock/authz`, { headers: traefik('GET', '/api/v1/dags', { cookie: dave, accept: 'application/json' }) });
    assert.equal(ok.status, 200);
    assert.equal(claimsOf(String(ok.headers['x-airlock-assertion'])).preferred_username, 'dave');
    assert.equal(ok.headers['x-airlock-user'], 'dave');
    // forwardBody without preserveRequestMethod: Traefik asks with GET and the body
    const getWithBody = await raw(`${s.gatewayUrl}/.airlock/authz`, { headers: traefik('POST', '/clear', { cookie: alice, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' }), body: 'dag_id=example_etl' });
    assert.equal(getWithBody.status, 400);
    assert.equal(getWithBody.body.error, 'AIRLOCK_PROXY_UNEXPECTED_BODY');
    const post = await raw(`${s.gatewayUrl}/.airlock/authz`, { method: 'POST', headers: traefik('POST', '/clear', { cookie: alice, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' }), body: 'dag_id=finance_daily' });
    assert.equal(post.status, 403);
    assert.deepEqual(post.body.dag_ids, ['finance_daily']);
  });

  test('answers repeat exactly for a subject and differ between subjects (the header set is reused per assertion, never shared)', async () => {
    const host = new URL(s.publicUrl).host;
    const ask = (cookie: string) => raw(`${s.gatewayUrl}/.airlock/authz`, { headers: { host: '127.0.0.1', 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/api/v1/dags', 'x-forwarded-host': host, 'x-forwarded-proto': 'http', cookie, accept: 'application/json' } });
    const [d1, d2, a1] = [await ask(dave), await ask(dave), await ask(alice)];
    for (const r of [d1, d2, a1]) assert.equal(r.status, 200);
    for (const h of ['x-airlock-assertion', 'x-airlock-user', 'x-airlock-roles', 'cache-control', 'content-length']) assert.equal(d2.headers[h], d1.headers[h], h);
    assert.equal(d1.headers['cache-control'], 'no-store');
    assert.equal(a1.headers['x-airlock-user'], 'alice');
    assert.equal(claimsOf(String(a1.headers['x-airlock-assertion'])).preferred_username, 'alice');
    assert.notEqual(a1.headers['x-airlock-assertion'], d1.headers['x-airlock-assertion']);
    assert.notEqual(d1.headers['x-request-id'], d2.headers['x-request-id'], 'each answer has its own request id');
  });

  test('Envoy-shaped questions (path_prefix): 302 to sign-in for a browser, 200 with the assertion when allowed', async () => {
    const host = new URL(s.publicUrl).host;
    const anon = await raw(`${s.gatewayUrl}/.airlock/authz/home`, { headers: { host, accept: 'text/html' } });
    assert.equal(anon.status, 302);
    assert.equal(anon.headers.location, `${s.publicUrl}/.airlock/login?rd=%2Fhome`);
    const ok = await raw(`${s.gatewayUrl}/.airlock/authz/api/v1/dags/example_etl`, { method: 'PATCH', headers: { host, cookie: alice, ...JSON_API, 'content-length': '18' }, body: '{"is_paused":true}' });
    assert.equal(ok.status, 200);
    assert.equal(claimsOf(String(ok.headers['x-airlock-assertion'])).preferred_username, 'alice');
  });

  test('machines: an Airlock token is decided as in the proxy; its refusal is JSON with the code, through nginx too', async () => {
    const config = await loadConfig(s.configPath);
    const store = await openStore(config.store);
    const now = Date.now();
    const issued = await createToken({ store, config, by: 'cli:test', now, audit: async (e) => void (await appendEvents(store, [buildEvent(e, now)])) }, { name: 'reports', envs: ['prod'], dags: ['*'], actions: ['read'], serviceAccount: 'reporting' });
    await store.close();
    const token = (issued as { token: string }).token;
    const before = s.airflow.received.length;
    const ok = await fetch(`${s.publicUrl}/api/v1/dags`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    const got = s.airflow.received.slice(before).find((x) => x.url === '/api/v1/dags')!;
    const claims = claimsOf(headerValues(got.headers, 'x-airlock-assertion')[0]!);
    assert.equal(claims.service_account, 'reporting');
    assert.equal(claims.kind, 'service');
    const refused = await fetch(`${s.publicUrl}${TRIGGER}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...JSON_API }, body: '{}' });
    assert.equal(refused.status, 403);
    const b = await bodyOf(refused);
    assert.equal(b.error, 'AIRLOCK_TOKEN_SCOPE');
    assert.match(b.reasons, /token_scope/);
    const inUrl = await raw(`${s.gatewayUrl}/.airlock/authz`, { headers: { host: new URL(s.publicUrl).host, accept: 'application/json', 'x-original-method': 'GET', 'x-original-uri': `/api/v1/dags?access_token=${token}` } });
    assert.equal(inUrl.status, 403, 'nginx style: the 400 is answered 403');
    assert.equal(inUrl.body.error, 'AIRLOCK_TOKEN_IN_URL');
  });

  test('a person who must confirm a security key first goes to the verify page (webauthn.required_for)', async () => {
    const erin = (await loginThroughGateway(s.publicUrl, 'erin', 'erin-demo', { returnTo: '/.airlock/whoami' })).cookieHeader;
    const page = await fetch(`${s.publicUrl}/home`, { headers: { cookie: erin, accept: 'text/html' }, redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), `${s.publicUrl}/.airlock/webauthn/verify?rd=%2Fhome`);
    await page.arrayBuffer();
    const api = await fetch(`${s.publicUrl}/api/v1/dags`, { headers: { cookie: erin, accept: 'application/json' } });
    assert.equal(api.status, 401);
    assert.equal((await bodyOf(api)).error, 'AIRLOCK_WEBAUTHN_VERIFICATION_REQUIRED');
  });

  test('audit store unwritable: an allowed mutation gets 503 from Airlock (nginx: 500) and never reaches Airflow', async () => {
    const store = s.gateway.worker!.services.store;
    const warm = await fetch(`${s.publicUrl}/api/v1/dags`, { headers: { cookie: alice, accept: 'application/json' } });
    await warm.arrayBuffer(); // a fresh session cache entry: authentication needs no store write
    const patches = s.airflow.received.filter((x) => x.method === 'PATCH').length;
    await sql`pragma query_only = on`.execute(store.db);
    try {
      const direct = await raw(`${s.gatewayUrl}/.airlock/authz`, { headers: { host: new URL(s.publicUrl).host, cookie: alice, accept: 'application/json', 'x-original-method': 'PATCH', 'x-original-uri': '/api/v1/dags/example_etl' } });
      assert.equal(direct.status, 503);
      assert.equal(direct.body.error, 'AIRLOCK_AUDIT_UNAVAILABLE');
      assert.equal(direct.headers['x-airlock-assertion'], undefined);
      const via = await fetch(`${s.publicUrl}/api/v1/dags/example_etl`, { method: 'PATCH', headers: { cookie: alice, ...JSON_API }, body: '{"is_paused":false}' });
      assert.equal(via.status, 500, 'auth_request fails closed');
      await via.arrayBuffer();
    } finally {
      await sql`pragma query_only = off`.execute(store.db);
    }
    assert.equal(s.airflow.received.filter((x) => x.method === 'PATCH').length, patches);
  });

  test('a DAG list allowed only because Airflow filters it is refused: forward-auth cannot check the filter marker', async () => {
    const carol = (await loginThroughGateway(s.publicUrl, 'carol', 'carol-demo', { returnTo: '/.airlock/whoami' })).cookieHeader;
    const n = s.airflow.received.length;
    const r = await fetch(`${s.publicUrl}/api/v1/dags`, { headers: { cookie: carol, accept: 'application/json' } });
    assert.equal(r.status, 403);
    assert.equal((await bodyOf(r)).error, 'AIRLOCK_AUTHZ_DAG_FILTER_UNCHECKED');
    assert.equal(s.airflow.received.length, n);
    const one = await fetch(`${s.publicUrl}/api/v1/dags/example_etl`, { headers: { cookie: carol, accept: 'application/json' } });
    assert.equal(one.status, 200, 'a DAG asked for by id is decided on its own');
    await one.arrayBuffer();
  });

  test("Airflow's own Log Out goes to Airlock's sign-out confirmation", async () => {
    const r = await fetch(`${s.publicUrl}/logout/`, { headers: { cookie: dave, accept: 'text/html' }, redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), `${s.publicUrl}/.airlock/logout`);
    await r.arrayBuffer();
    assert.equal(s.airflow.received.filter((x) => x.url.startsWith('/logout')).length, 0);
  });
});

describe('forward-auth off (the default)', () => {
  let s: NginxStack;
  before(async () => {
    s = await startNginxStack({ config: (cfg) => void (cfg.forward_auth = { enabled: false }) });
  });
  after(() => s?.close());

  test('/.airlock/authz answers 404 AIRLOCK_AUTHZ_DISABLED on public_url\'s host and 421 on another; nginx lets nothing through', async () => {
    const q = { 'x-original-method': 'GET', 'x-original-uri': '/api/v1/dags', accept: 'application/json' };
    const onPublic = await raw(`${s.gatewayUrl}/.airlock/authz`, { headers: { host: new URL(s.publicUrl).host, ...q } });
    assert.equal(onPublic.status, 404);
    assert.equal(onPublic.body.error, 'AIRLOCK_AUTHZ_DISABLED');
    const other = await raw(`${s.gatewayUrl}/.airlock/authz`, { headers: { host: 'internal.example', ...q } });
    assert.equal(other.status, 421);
    const via = await fetch(`${s.publicUrl}/api/v1/dags`, { headers: { accept: 'application/json' } });
    assert.equal(via.status, 500, 'auth_request fails closed on a 404');
    await via.arrayBuffer();
    assert.equal(s.airflow.received.length, 0);
  });
});
