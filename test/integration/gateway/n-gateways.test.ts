import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createDevIdp, type DevIdp } from '../../../demo/idp/index.ts';
import { startAirflowStandin, type AirflowStandin } from '../../../demo/airflow-standin/index.ts';
import { queryEvents } from '../../../src/audit/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { freshSchema, PG_URL } from '../store/pg-schema.ts';
import { GROUP, ok, patchOp, scim, SCIM_TOKEN, USER } from '../scim/support.ts';
import { freePort } from './harness.ts';
import { loginUntilCallback, rawRequest, SESSION_COOKIE } from './flows.ts';
import { BIN, refusedAt, roundRobin, sessionFrom, startHost, statuses, stopHost, type Balancer, type Host } from './hosts.ts';

/**
 * Issue #14 item 5: N gateways, one PostgreSQL. Three `airlock serve` processes (2 workers each) share one
 * PostgreSQL schema and one public URL behind a round-robin TCP balancer without affinity. A session made on one
 * host is good on every other; a revocation anywhere is refused everywhere within 250 ms; every host signs
 * assertions with the same keys (one JWKS) and appends to one audit chain; a stopped host's peers carry on.
 */
const CLIENT_ID = 'airlock-ngw';
const CLIENT_SECRET = 'ngw-client-secret-0123456789abcdef';
const WORKERS = 2;
const POOL = 2;
const BOUND_MS = 250;

let dir: string;
let idp: DevIdp;
let upstream: AirflowStandin;
let schema: Awaited<ReturnType<typeof freshSchema>>;
let lb: Balancer;
let store: Store;
const hosts: Host[] = [];
const runId = randomBytes(4).toString('hex');
const appName = (host: string) => `airlock_ngw_${host}_${runId}`;
const A = () => hosts[0]!;
const B = () => hosts[1]!;
const C = () => hosts[2]!;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-ngw-'));
  await writeFile(join(dir, 'client-secret'), `${CLIENT_SECRET}\n`);
  await writeFile(join(dir, 'scim-token'), `${SCIM_TOKEN}\n`);
  schema = await freshSchema('airlock_ngw');
  const ports = [await freePort(), await freePort(), await freePort()];
  lb = await roundRobin(ports);
  // Airflow verifies every assertion against host A's JWKS only: one set of signing keys serves all hosts
  upstream = await startAirflowStandin({ airflow: 2, jwksUrl: `http://127.0.0.1:${ports[0]}/.airlock/jwks.json`, issuer: lb.url, audience: 'prod' });
  idp = await createDevIdp({
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${lb.url}/.airlock/callback`], post_logout_redirect_uris: [`${lb.url}/.airlock/logged-out`], token_endpoint_auth_method: 'client_secret_basic' }],
  });
  // one after the other: the first migrates the fresh schema and creates the signing key
  for (const [i, name] of ['a', 'b', 'c'].entries()) {
    hosts.push(
      await startHost({
        name,
        dir,
        port: ports[i]!,
        publicUrl: lb.url,
        workers: WORKERS,
        issuer: idp.issuer,
        clientId: CLIENT_ID,
        upstream: upstream.url,
        store: { url: `${schema.url.reveal()}&application_name=${appName(name)}`, pool: POOL },
        config: (cfg) => {
          cfg.roles = { 'airflow-admins': 'Admin', 'data-eng': 'User' };
          cfg.scim = { token: '${file:./scim-token}' };
        },
      }),
    );
  }
  store = await openStore({ kind: 'postgres', url: schema.url, pool: 1 });
});

after(async () => {
  await Promise.all(hosts.map(stopHost));
  await store?.close();
  await Promise.all([idp?.close(), upstream?.close(), lb?.close()]);
  await schema?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** Signs in starting on `first` (login page, state written) and finishing on `second` (callback): no affinity. */
async function signIn(user: string, first: Host, second: Host): Promise<string> {
  const { callbackUrl, jar } = await loginUntilCallback(first.url, user, `${user}-demo`);
  const cb = await rawRequest(`${second.url}${callbackUrl.pathname}${callbackUrl.search}`, { headers: [['Cookie', jar.header(first.url)]] });
  assert.equal(cb.status, 302, cb.body.slice(0, 300));
  const id = sessionFrom(cb);
  assert.ok(id, 'a session cookie');
  return `${SESSION_COOKIE}=${id}`;
}
const cookieHeader = (cookie: string): Array<[string, string]> => [['Cookie', cookie]];

describe('three gateways (2 workers each) on one PostgreSQL behind a balancer without affinity', () => {
  test('every host serves the same JWKS: the signing keys live in the shared store', async () => {
    const sets = await Promise.all(hosts.map(async (h) => (await rawRequest(`${h.url}/.airlock/jwks.json`)).body));
    const keys = JSON.parse(sets[0]!).keys as Array<{ kid: string }>;
    assert.ok(keys.length >= 1);
    assert.equal(sets[1], sets[0]);
    assert.equal(sets[2], sets[0]);
  });

  test('a sign-in started on A and finished on B gives a session every host accepts, and the balancer spreads it over all three', async () => {
    const cookie = await signIn('alice', A(), B());
    for (const h of hosts) assert.deepEqual(await statuses(h.url, cookieHeader(cookie), 8), Array(8).fill(200), `host ${h.name}`);
    const before = lb.picks.length;
    assert.deepEqual(await statuses(lb.url, cookieHeader(cookie), 12), Array(12).fill(200), 'through the balancer');
    assert.equal(new Set(lb.picks.slice(before)).size, 3, 'the balancer used every host');
  });

  test('each host holds at most workers × pool + 1 PostgreSQL connections (one of them its LISTEN)', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      for (const h of hosts) {
        const r = await admin.query(`select count(*)::int as n, count(*) filter (where query ~* '^\\s*listen\\s')::int as listen from pg_stat_activity where application_name = $1`, [appName(h.name)]);
        assert.ok(r.rows[0].n <= WORKERS * POOL + 1, `host ${h.name}: ${r.rows[0].n} connections`);
        assert.ok(r.rows[0].listen <= 1, `host ${h.name}: ${r.rows[0].listen} LISTEN connections`);
      }
    } finally {
      await admin.end();
    }
  });

  test('a logout on B is refused by every worker of A and C within 250 ms', async (t) => {
    const cookie = await signIn('alice', A(), A());
    for (const h of hosts) assert.deepEqual(await statuses(h.url, cookieHeader(cookie), 8), Array(8).fill(200), `host ${h.name} holds the session`);
    const out = await rawRequest(`${B().url}/.airlock/logout`, { method: 'POST', headers: [['Cookie', cookie], ['Origin', lb.url]] });
    assert.equal(out.status, 303, out.body.slice(0, 300));
    const t0 = Date.now();
    const elapsed = await refusedAt([A().url, C().url], cookieHeader(cookie), t0);
    t.diagnostic(`A and C refused the session ${elapsed} ms after the logout on B returned`);
    assert.ok(elapsed !== undefined && elapsed < BOUND_MS, `A and C refused the session only after ${elapsed} ms`);
    for (const h of hosts) assert.deepEqual(await statuses(h.url, cookieHeader(cookie), 8), Array(8).fill(401), `host ${h.name}`);
  });

  test('a SCIM deactivation on C ends the person\'s sessions on A and B within 250 ms', async (t) => {
    const carol = ok(await scim(C().url, 'POST', '/Users', { schemas: [USER], userName: 'carol', active: true }), 201);
    ok(await scim(C().url, 'POST', '/Groups', { schemas: [GROUP], displayName: 'data-eng', members: [{ value: carol.id }] }), 201);
    const cookie = await signIn('carol', B(), A());
    for (const h of [A(), B()]) assert.deepEqual(await statuses(h.url, cookieHeader(cookie), 8), Array(8).fill(200));
    ok(await scim(C().url, 'PATCH', `/Users/${carol.id}`, patchOp({ op: 'replace', value: { active: false } })), 200);
    const t0 = Date.now();
    const elapsed = await refusedAt([A().url, B().url], cookieHeader(cookie), t0);
    t.diagnostic(`A and B refused carol's session ${elapsed} ms after the SCIM deactivation on C returned`);
    assert.ok(elapsed !== undefined && elapsed < BOUND_MS, `refused only after ${elapsed} ms`);
  });

  test('a DAG trigger through each host is audited before forwarding, in one chain without forks (airlock audit verify)', async () => {
    const cookie = await signIn('alice', C(), B());
    const ids: string[] = [];
    for (const h of hosts) {
      const r = await rawRequest(`${h.url}/api/v1/dags/finance_daily/dagRuns`, { method: 'POST', headers: [['Cookie', cookie], ['Content-Type', 'application/json'], ['Accept', 'application/json']], body: '{"conf":{}}' });
      assert.equal(r.status, 200, `host ${h.name}: ${r.body.slice(0, 300)}`); // Airflow verified the assertion with A's JWKS
      ids.push(String(r.headers['x-request-id']));
    }
    for (const id of ids) {
      let types: string[] = [];
      for (let i = 0; i < 40 && types.length < 2; i++) {
        types = (await queryEvents(store, { requestId: id })).map((e) => e.event.type);
        if (types.length < 2) await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(types, ['request.intent', 'request.outcome'], `request ${id}`);
    }
    const v = await cli(['audit', 'verify', '--json', '--config', join(dir, 'a.yaml')]);
    assert.equal(v.code, 0, v.out + v.err);
    const report = JSON.parse(v.out) as { ok: boolean; events: number; firstSeq: number; lastSeq: number; problems: unknown[] };
    assert.equal(report.ok, true);
    assert.deepEqual(report.problems, []);
    assert.equal(report.events, report.lastSeq - report.firstSeq + 1, 'one gap-free chain');
    const seqs = (await store.db.selectFrom('audit_events').select('seq').execute()).map((r) => Number(r.seq));
    assert.equal(new Set(seqs).size, seqs.length, 'no two events share a position (no fork)');
  });

  test('health checks: /.airlock/readyz answers 200 on each host for any Host header; with C stopped, the balancer skips it and the session carries on', async () => {
    for (const h of hosts) {
      const r = await rawRequest(`${h.url}/.airlock/readyz`);
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(JSON.parse(r.body).checks, { idp: 'ok', store: 'ok' });
      assert.equal(await probe(h.port, `10.0.0.${1 + (h.port % 250)}:8080`), 200, `host ${h.name}: a probe by IP address`);
    }
    const cookie = await signIn('alice', A(), C());
    await stopHost(C());
    await assert.rejects(rawRequest(`${C().url}/.airlock/readyz`), 'C is gone');
    const before = lb.picks.length;
    assert.deepEqual(await statuses(lb.url, cookieHeader(cookie), 12), Array(12).fill(200), 'no new sign-in needed');
    assert.ok(!lb.picks.slice(before).includes(C().port), 'the balancer skipped C');
  });
});

/** GET /.airlock/readyz on a port with exactly this Host header. */
async function probe(port: number, host: string): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`GET /.airlock/readyz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    let text = '';
    sock.on('data', (d) => (text += d));
    sock.on('error', reject);
    sock.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])));
  });
}

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}
