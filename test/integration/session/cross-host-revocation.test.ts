import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createDevIdp, type DevIdp } from '../../../demo/idp/index.ts';
import { startAirflowStandin, type AirflowStandin } from '../../../demo/airflow-standin/index.ts';
import { freePort } from '../gateway/harness.ts';
import { loginUntilCallback, rawRequest, SESSION_COOKIE, type RawResponse } from '../gateway/flows.ts';
import pg from 'pg';
import { freshSchema, PG_URL } from '../store/pg-schema.ts';

/**
 * Issue #12 item 14: two gateway hosts (two `airlock serve` processes, each a node:cluster primary with 2 workers)
 * share one PostgreSQL store. A logout on A must reach every worker of B through PostgreSQL within 250 ms, not after
 * `cache_ttl` (10 minutes here, so only a pushed message can evict B's cached copies).
 */
const BIN = fileURLToPath(new URL('../../../bin/airlock.js', import.meta.url));
const CLIENT_ID = 'airlock-xhost';
const CLIENT_SECRET = 'xhost-client-secret-0123456789abcdef';

interface Host {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
}

let dir: string;
let idp: DevIdp;
let upstream: AirflowStandin;
let schema: Awaited<ReturnType<typeof freshSchema>>;
const hosts: Host[] = [];
const runId = randomBytes(4).toString('hex');
const appName = (host: string) => `airlock_xhost_${host}_${runId}`;

async function startHost(name: string, port: number): Promise<Host> {
  const url = `http://localhost:${port}`;
  const configPath = join(dir, `${name}.yaml`);
  await writeFile(
    configPath,
    stringify({
      listen: `127.0.0.1:${port}`,
      public_url: url,
      workers: 2,
      log: { level: 'info' },
      idp: { issuer: idp.issuer, client_id: CLIENT_ID, client_secret: '${file:./client-secret}', allow_insecure_http: true, timeout: '3s' },
      roles: { 'data-eng': 'User' },
      environments: { prod: { host: 'localhost', upstream: upstream.url, airflow: 2, timeout: '3s', connect_timeout: '1s' } },
      session: { cache_ttl: '10m' },
      // the URL's application_name names every connection of this host (it overrides the built-in names)
      store: { url: `${schema.url.reveal()}&application_name=${appName(name)}`, pool: 2 },
    }),
  );
  const child = spawn(process.execPath, [BIN, 'serve', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const host: Host = { url, child, output: () => out };
  hosts.push(host);
  // the primary logs this once every worker is serving
  const deadline = Date.now() + 60_000;
  while (!/"msg":"airlock cluster started"/.test(out)) {
    if (child.exitCode !== null) throw new Error(`gateway ${name} exited (${child.exitCode}): ${out.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`gateway ${name} did not start: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return host;
}

async function stopHost(h: Host): Promise<void> {
  if (h.child.exitCode !== null || h.child.signalCode !== null) return;
  const exited = new Promise((r) => h.child.once('exit', r));
  h.child.kill('SIGTERM');
  const t = setTimeout(() => h.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-xhost-'));
  await writeFile(join(dir, 'client-secret'), `${CLIENT_SECRET}\n`);
  schema = await freshSchema('airlock_xhost');
  upstream = await startAirflowStandin({ airflow: 2 });
  const ports = [await freePort(), await freePort()];
  idp = await createDevIdp({
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: ports.map((p) => `http://localhost:${p}/.airlock/callback`),
        post_logout_redirect_uris: ports.map((p) => `http://localhost:${p}/.airlock/logged-out`),
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
  });
  // one after the other: the first migrates the fresh schema
  await startHost('a', ports[0]!);
  await startHost('b', ports[1]!);
});

after(async () => {
  await Promise.all(hosts.map(stopHost));
  await Promise.all([idp?.close(), upstream?.close()]);
  await schema?.drop();
  await rm(dir, { recursive: true, force: true });
});

const sessionFrom = (res: RawResponse): string | undefined => {
  for (const line of (res.headers['set-cookie'] as string[] | undefined) ?? []) {
    const m = new RegExp(`^${SESSION_COOKIE}=([^;]+)`).exec(line);
    if (m && !/max-age=0/i.test(line)) return m[1];
  }
  return undefined;
};

/** n requests, each on a fresh TCP connection (so the primary's round-robin spreads them over both workers). */
const statuses = async (base: string, cookie: string, n: number): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < n; i += 4) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(4, n - i) }, () => rawRequest(`${base}/.airlock/whoami`, { headers: [['Cookie', cookie], ['Accept', 'application/json']] })),
    );
    out.push(...batch.map((r) => r.status));
  }
  return out;
};

describe('cross-host revocation: two gateways (2 workers each) on one PostgreSQL', () => {
  test('each host holds exactly one LISTEN connection (its primary\'s), its workers none', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      for (const name of ['a', 'b']) {
        // nothing was revoked yet, so a LISTEN connection's last statement is still its LISTEN
        const r = await admin.query(`select count(*)::int as n from pg_stat_activity where application_name = $1 and query ~* '^\\s*listen\\s'`, [appName(name)]);
        assert.equal(r.rows[0].n, 1, `host ${name}`);
      }
    } finally {
      await admin.end();
    }
  });

  test('a logout on host A is refused by every worker of host B within 250 ms', async (t) => {
    const [a, b] = hosts as [Host, Host];
    const { callbackUrl, jar } = await loginUntilCallback(a.url, 'carol', 'carol-demo');
    const cb = await rawRequest(callbackUrl.href, { headers: [['Cookie', jar.header(a.url)]] });
    assert.equal(cb.status, 302, cb.body.slice(0, 300));
    const id = sessionFrom(cb);
    assert.ok(id, 'a session cookie');
    const cookie = `${SESSION_COOKIE}=${id}`;

    // both workers of both hosts now hold the session in memory (cache_ttl 10 min)
    assert.deepEqual(await statuses(b.url, cookie, 12), Array(12).fill(200), 'B accepts the session (shared store)');
    assert.deepEqual(await statuses(a.url, cookie, 12), Array(12).fill(200));

    const out = await rawRequest(`${a.url}/.airlock/logout`, { method: 'POST', headers: [['Cookie', cookie], ['Origin', a.url]] });
    assert.equal(out.status, 303, out.body.slice(0, 300));
    const t0 = Date.now();

    // poll B (bounded): done when a whole batch over both workers refuses
    let elapsed: number | undefined;
    while (Date.now() - t0 < 3_000) {
      const batch = await statuses(b.url, cookie, 4);
      if (batch.every((s) => s === 401)) {
        elapsed = Date.now() - t0;
        break;
      }
    }
    assert.ok(elapsed !== undefined, `host B still accepted the session 3 s after the logout on A (${b.output().split('\n').filter((l) => /revocation/.test(l)).join(' | ').slice(0, 800)})`);
    t.diagnostic(`host B refused the session ${elapsed} ms after the logout on A returned`);
    assert.ok(elapsed < 250, `host B refused the session only ${elapsed} ms after the logout on A`);
    assert.deepEqual(await statuses(b.url, cookie, 20), Array(20).fill(401), 'no worker of B accepts it any more');
    assert.deepEqual(await statuses(a.url, cookie, 8), Array(8).fill(401), 'nor of A');
  });
});
