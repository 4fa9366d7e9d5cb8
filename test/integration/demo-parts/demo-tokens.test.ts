import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoBanner, startDemo, type RunningDemo } from '../../../demo/index.ts';
import { CookieJar, loginThroughGateway } from '../../support/login.ts';
import { CraftedAuthenticator } from '../../unit/webauthn/crafted.ts';
import { freePort } from '../gateway/harness.ts';

let demo: RunningDemo;
let dir: string;
let port: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-demo-tokens-'));
  port = await freePort();
  demo = await startDemo({ port, idpPort: 0, quiet: true, dir });
});
after(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const fileToken = (path: string) => readFileSync(path, 'utf8').trim();

async function call(path: string, token: string, method = 'GET') {
  const res = await fetch(`${demo.gatewayUrl}${path}`, {
    method, redirect: 'manual',
    headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  const text = await res.text();
  let json: Record<string, any> | undefined;
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, type: res.headers.get('content-type') ?? '' };
}

const triggers = (dag: string) => demo.standins.prod.received.filter((r) => r.method === 'POST' && r.url === `/api/v1/dags/${dag}/dagRuns`).length;

test('the token files are private, next to the config, and hold the issued secrets', () => {
  assert.equal(demo.tokens.ciTokenPath, join(dir, 'etl-ci.token'));
  assert.equal(demo.tokens.agentTokenPath, join(dir, 'demo-agent.token'));
  for (const [path, secret] of [[demo.tokens.ciTokenPath, demo.tokens.ciToken], [demo.tokens.agentTokenPath, demo.tokens.agentToken]] as const) {
    assert.equal(statSync(path).mode & 0o777, 0o600, path);
    assert.equal(fileToken(path), secret);
    assert.match(secret, /^alk_/);
  }
  const yaml = readFileSync(demo.configPath, 'utf8');
  assert.ok(!yaml.includes(demo.tokens.ciToken) && !yaml.includes(demo.tokens.agentToken), 'no secret in the config');
  assert.ok(!demo.banner.includes(demo.tokens.ciToken) && !demo.banner.includes(demo.tokens.agentToken), 'no secret in the banner');
});

test('the CI token reads and triggers example_etl in prod, and is refused finance_daily with a JSON code', async () => {
  const ci = fileToken(demo.tokens.ciTokenPath);
  const runs = await call('/api/v1/dags/example_etl/dagRuns', ci);
  assert.equal(runs.status, 200, runs.text);
  const before = triggers('example_etl');
  const ok = await call('/api/v1/dags/example_etl/dagRuns', ci, 'POST');
  assert.ok(ok.status >= 200 && ok.status < 300, `${ok.status} ${ok.text}`);
  assert.equal(triggers('example_etl'), before + 1, 'the stand-in Airflow received the trigger');

  const financeBefore = triggers('finance_daily');
  const refused = await call('/api/v1/dags/finance_daily/dagRuns', ci, 'POST');
  assert.equal(refused.status, 403, refused.text);
  assert.match(refused.type, /^application\/json/);
  assert.equal(refused.json?.error, 'AIRLOCK_TOKEN_SCOPE');
  assert.equal(refused.json?.caller?.service_account, 'etl-ci');
  assert.equal(triggers('finance_daily'), financeBefore, 'nothing reached Airflow');
  const list = await call('/api/v1/dags', ci);
  assert.equal(list.status, 403, 'a token limited to example_etl may not list every DAG');
  assert.equal(list.json?.error, 'AIRLOCK_TOKEN_SCOPE');
});

test('the agent token lists DAGs, and its trigger is held: 202 with an approval id and a status URL, nothing forwarded', async () => {
  const agent = fileToken(demo.tokens.agentTokenPath);
  const self = await call('/.airlock/token/self', agent);
  assert.equal(self.status, 200, self.text);
  assert.deepEqual(self.json?.actions_needing_approval_by_env, { prod: ['trigger'] }, 'trigger is the agent\'s only held action it may take');
  const dags = await call('/api/v1/dags', agent);
  assert.equal(dags.status, 200, dags.text);
  assert.ok((dags.json?.dags as Array<{ dag_id: string }>).some((d) => d.dag_id === 'example_etl'));

  const before = demo.standins.prod.received.filter((r) => r.method === 'POST').length;
  const held = await call('/api/v1/dags/example_etl/dagRuns', agent, 'POST');
  assert.equal(held.status, 202, held.text);
  assert.match(held.json?.approval_id, /^apr_/);
  assert.equal(held.json?.status, 'pending');
  assert.equal(held.json?.status_url, `${demo.gatewayUrl}/.airlock/approvals/${held.json?.approval_id}`);
  assert.equal(demo.standins.prod.received.filter((r) => r.method === 'POST').length, before, 'nothing reached the stand-in');
  const status = await call(new URL(held.json!.status_url).pathname, agent);
  assert.equal(status.status, 200, status.text);
  assert.equal(status.json?.status, 'pending');
});

/** A person signed in to the demo who registered a security key and just confirmed with it (as the banner tells). */
async function keyedLogin(user: string): Promise<string> {
  const r = await loginThroughGateway(demo.gatewayUrl, user, `${user}-demo`, { returnTo: '/home', jar: new CookieJar() });
  await r.response.arrayBuffer();
  const cookie = r.cookieHeader;
  const wa = (path: string, body: unknown) =>
    fetch(`${demo.gatewayUrl}/.airlock/webauthn/${path}`, { method: 'POST', headers: { cookie, origin: demo.gatewayUrl, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const key = new CraftedAuthenticator('localhost', demo.gatewayUrl);
  const o = (await (await wa('register/options', {})).json()) as { challenge: string };
  const v = await wa('register/verify', { response: key.register(o.challenge), name: 'Key' });
  assert.equal(v.status, 200, await v.text());
  const ao = (await (await wa('authenticate/options', { purpose: 'step_up' })).json()) as { challenge: string };
  const av = await wa('authenticate/verify', { purpose: 'step_up', response: key.assert(ao.challenge) });
  assert.equal(av.status, 200, await av.text());
  return cookie;
}

test('the banner\'s approval: bob (the owner) may not approve; alice with a security key approves and the trigger runs once', async () => {
  const agent = fileToken(demo.tokens.agentTokenPath);
  const held = await call('/api/v1/dags/example_etl/dagRuns', agent, 'POST');
  assert.equal(held.status, 202, held.text);
  const url = held.json!.status_url as string;
  const decide = async (cookie: string) => {
    const r = await fetch(`${url}/approve`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie, origin: demo.gatewayUrl, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: `sha256=${encodeURIComponent(held.json!.body_sha256 as string)}`,
    });
    return { status: r.status, json: (await r.json()) as Record<string, any> };
  };
  const before = triggers('example_etl');
  const bob = await decide(await keyedLogin('bob'));
  assert.equal(bob.status, 403);
  assert.equal(bob.json.error, 'AIRLOCK_APPROVAL_SELF');
  assert.equal(triggers('example_etl'), before);
  const alice = await decide(await keyedLogin('alice'));
  assert.ok(alice.status < 400, JSON.stringify(alice.json));
  assert.equal(triggers('example_etl'), before + 1, 'performed once');
  const status = await call(new URL(url).pathname, agent);
  assert.equal(status.json?.status, 'executed', status.text);
  assert.equal(status.json?.decided_by, 'alice');
});

test('the banner prints ready-to-paste commands for both tokens', () => {
  const url = demo.gatewayUrl;
  const ci = `-H "Authorization: Bearer $(cat ${demo.tokens.ciTokenPath})"`;
  const ag = `-H "Authorization: Bearer $(cat ${demo.tokens.agentTokenPath})"`;
  const post = (auth: string, dag: string) => `curl -s -X POST ${auth} -H 'Content-Type: application/json' -d '{}' ${url}/api/v1/dags/${dag}/dagRuns`;
  const lines = demo.banner.split('\n').map((l) => l.trim());
  for (const cmd of [
    `curl -s ${ci} ${url}/api/v1/dags/example_etl/dagRuns`,
    post(ci, 'example_etl'),
    post(ci, 'finance_daily'),
    `curl -s ${ag} ${url}/.airlock/token/self`,
    `curl -s ${ag} ${url}/api/v1/dags`,
    post(ag, 'example_etl'),
  ]) assert.ok(lines.includes(cmd), `banner line: ${cmd}`);
  assert.match(demo.banner, /403 AIRLOCK_TOKEN_SCOPE/);
  assert.match(demo.banner, /held, 202 with an approval id and a status_url/);
  assert.match(demo.banner, /sign in as alice/);
  // the banner is a pure function: a path with a space or a quote is quoted for the shell; no tokens, no token lines
  const odd = demoBanner({ gatewayUrl: url, issuer: 'http://localhost:1', users: demo.users, configPath: 'c', tokens: { ciTokenPath: "/t/a b/it's", agentTokenPath: '/t/x' } });
  assert.ok(odd.includes(`$(cat '/t/a b/it'\\''s')`), odd);
  const none = demoBanner({ gatewayUrl: url, issuer: 'http://localhost:1', users: demo.users, configPath: 'c' });
  assert.ok(!none.includes('Authorization'));
});

test('a restart in the same dir revokes the previous tokens and issues new ones', async () => {
  const oldCi = demo.tokens.ciToken;
  const oldAgent = demo.tokens.agentToken;
  await demo.close();
  demo = await startDemo({ port, idpPort: 0, quiet: true, dir });
  assert.notEqual(demo.tokens.ciToken, oldCi);
  assert.equal(fileToken(demo.tokens.ciTokenPath), demo.tokens.ciToken);
  for (const old of [oldCi, oldAgent]) {
    const r = await call('/api/v1/dags/example_etl/dagRuns', old);
    assert.equal(r.status, 401, r.text);
  }
  const fresh = await call('/api/v1/dags/example_etl/dagRuns', demo.tokens.ciToken);
  assert.equal(fresh.status, 200, fresh.text);
});
