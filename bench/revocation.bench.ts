/**
 * Revocation latency: from a revocation to the first moment every worker refuses the session.
 *   node --import tsx bench/revocation.bench.ts [--runs 20]
 * Gateways run as `airlock serve` processes (2 workers each, session.cache_ttl 10m, so only a pushed or polled
 * revocation can make a worker refuse). Each run signs in a fresh session through the dev IdP, has every worker
 * cache it (16 requests on fresh connections), then revokes it and polls: 4 requests at once on fresh connections
 * (spread over the workers), repeated until all 4 are refused, then 8 more that must all be refused too.
 * Rows:
 *   sqlite  CLI revoke -> other worker   `airlock sessions revoke` code path (revokeSessions + announceRevocation,
 *                                        in this process): the workers see it by polling the store (every 50 ms)
 *   pg      CLI revoke -> host B         same, PostgreSQL store: NOTIFY -> each host's LISTEN -> its workers
 *   pg      logout on A -> host B        POST /.airlock/logout on host A: A's bus -> NOTIFY -> host B's workers
 * Latency = time from the start of the revoking call to the first all-refused burst (so it includes one burst's
 * round trip, about a millisecond on loopback). Needs PostgreSQL at $AIRLOCK_TEST_PG_URL (scratch schema).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createDevIdp, type DevIdp } from '../demo/idp/index.ts';
import { startAirflowStandin, type AirflowStandin } from '../demo/airflow-standin/index.ts';
import { Secret } from '../src/config/index.ts';
import { announceRevocation, revokeSessions } from '../src/session/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { freePort } from '../test/integration/gateway/harness.ts';
import { rawRequest, SESSION_COOKIE } from '../test/integration/gateway/flows.ts';
import { freshSchema } from '../test/integration/store/pg-schema.ts';
import { loginThroughGateway } from '../test/support/login.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const RUNS = Number(args.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new TypeError('--runs must be a positive integer');
const BIN = fileURLToPath(new URL('../bin/airlock.js', import.meta.url));
const CLIENT_ID = 'airlock-bench';
const CLIENT_SECRET = 'bench-client-secret-0123456789abcdef';

interface Host {
  readonly url: string;
  readonly child: ChildProcess;
}

async function startHost(dir: string, name: string, port: number, idp: DevIdp, upstream: AirflowStandin, store: string): Promise<Host> {
  const url = `http://localhost:${port}`;
  const configPath = join(dir, `${name}.yaml`);
  await writeFile(configPath, stringify({
    listen: `127.0.0.1:${port}`,
    public_url: url,
    workers: 2,
    log: { level: 'warn' },
    idp: { issuer: idp.issuer, client_id: CLIENT_ID, client_secret: '${file:./client-secret}', allow_insecure_http: true },
    roles: { 'data-eng': 'User' },
    environments: { prod: { host: 'localhost', upstream: upstream.url, airflow: 2 } },
    session: { cache_ttl: '10m' },
    store,
  }));
  const child = spawn(process.execPath, [BIN, 'serve', '--config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`gateway ${name} exited (${child.exitCode})`);
    const up = await fetch(`${url}/.airlock/healthz`).then((r) => r.status === 200, () => false);
    if (up) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway ${name} did not start`);
}

async function stopHost(h: Host): Promise<void> {
  if (h.child.exitCode !== null) return;
  const exited = new Promise((r) => h.child.once('exit', r));
  h.child.kill('SIGTERM');
  await exited;
}

const burst = (url: string, cookie: string, n: number) => Promise.all(Array.from({ length: n }, () => rawRequest(`${url}/api/v1/dags`, { headers: [['Cookie', cookie], ['Accept', 'application/json']] }).then((r) => r.status)));

async function login(host: Host): Promise<{ cookie: string; jar: Awaited<ReturnType<typeof loginThroughGateway>>['jar'] }> {
  const r = await loginThroughGateway(host.url, 'carol', 'carol-demo');
  await r.response.arrayBuffer();
  return { cookie: `${SESSION_COOKIE}=${r.jar.get(host.url, SESSION_COOKIE)}`, jar: r.jar };
}

/** ms from `revoke()` starting (and from it returning) until the observers refuse the session on every connection. */
async function measure(observers: Host[], cookie: string, revoke: () => Promise<void>): Promise<[number, number]> {
  for (const o of observers) for (const s of await burst(o.url, cookie, 16)) if (s !== 200) throw new Error(`warm-up got ${s}`);
  const t0 = performance.now();
  await revoke();
  const t1 = performance.now();
  for (;;) {
    const statuses = (await Promise.all(observers.map((o) => burst(o.url, cookie, 4)))).flat();
    if (statuses.every((s) => s === 401)) break;
    if (performance.now() - t0 > 60_000) throw new Error('never refused');
  }
  const t2 = performance.now();
  for (const o of observers) for (const s of await burst(o.url, cookie, 8)) if (s !== 401) throw new Error(`served again after refusal (${s})`);
  return [t2 - t0, t2 - t1];
}

function stats(xs: number[]): { p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
}

const rows: Array<[string, Array<[number, number]>]> = [];
const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-revocation-'));
await writeFile(join(dir, 'client-secret'), `${CLIENT_SECRET}\n`);
const ports = [await freePort(), await freePort(), await freePort()];
const idp = await createDevIdp({
  clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: ports.map((p) => `http://localhost:${p}/.airlock/callback`), post_logout_redirect_uris: ports.map((p) => `http://localhost:${p}/.airlock/logged-out`) }],
});
const upstream = await startAirflowStandin({ airflow: 2 });
const schema = await freshSchema('airlock_bench_revocation');
const hosts: Host[] = [];
const stores: Store[] = [];
try {
  // SQLite: one host, 2 workers; the CLI path in this process, the workers poll the store
  const sqlitePath = join(dir, 'airlock.db');
  const solo = await startHost(dir, 'solo', ports[0]!, idp, upstream, `sqlite:${sqlitePath}`);
  hosts.push(solo);
  const sqliteStore = await openStore({ kind: 'sqlite', path: sqlitePath, pool: 1 } as never);
  stores.push(sqliteStore);
  const sqliteRuns: Array<[number, number]> = [];
  for (let i = 0; i < RUNS; i++) {
    const { cookie } = await login(solo);
    sqliteRuns.push(await measure([solo], cookie, async () => {
      const ended = await revokeSessions(sqliteStore, { user: 'carol' }, 'bench', Date.now());
      await announceRevocation({ kind: 'sqlite' }, ended.map((s) => s.idHash));
    }));
  }
  rows.push(['sqlite  CLI revoke -> other worker', sqliteRuns]);
  await stopHost(solo);

  // PostgreSQL: hosts A and B, 2 workers each
  const pgUrl = schema.url.reveal();
  const a = await startHost(dir, 'a', ports[1]!, idp, upstream, pgUrl);
  hosts.push(a);
  const b = await startHost(dir, 'b', ports[2]!, idp, upstream, pgUrl);
  hosts.push(b);
  const pgStore = await openStore({ kind: 'postgres', url: new Secret(pgUrl, 'bench'), pool: 2 });
  stores.push(pgStore);
  const cliRuns: Array<[number, number]> = [];
  for (let i = 0; i < RUNS; i++) {
    const { cookie } = await login(a);
    cliRuns.push(await measure([b], cookie, async () => {
      const ended = await revokeSessions(pgStore, { user: 'carol' }, 'bench', Date.now());
      await announceRevocation({ kind: 'postgres', url: schema.url }, ended.map((s) => s.idHash));
    }));
  }
  rows.push(['pg      CLI revoke -> host B', cliRuns]);
  const logoutRuns: Array<[number, number]> = [];
  for (let i = 0; i < RUNS; i++) {
    const { cookie } = await login(a);
    logoutRuns.push(await measure([b], cookie, async () => {
      const r = await fetch(`${a.url}/.airlock/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: a.url } });
      await r.arrayBuffer();
      if (r.status !== 303) throw new Error(`logout answered ${r.status}`);
    }));
  }
  rows.push(['pg      logout on A -> host B', logoutRuns]);
} finally {
  await Promise.all(hosts.map(stopHost));
  for (const s of stores) await s.close();
  await Promise.all([idp.close(), upstream.close()]);
  await schema.drop();
  await rm(dir, { recursive: true, force: true });
}

const f = (x: number) => x.toFixed(1).padStart(7);
process.stdout.write(`\nrevocation -> refused (ms), ${RUNS} runs each, 2 workers per host, session.cache_ttl 10m\n\n`);
process.stdout.write('total: from the start of the revoking call; after call: from its return (store written, NOTIFY sent)\n\n');
process.stdout.write(`| path                                | total p50 | total p99 | after call p50 | after call p99 |\n|---|---:|---:|---:|---:|\n`);
for (const [name, xs] of rows) {
  const total = stats(xs.map((x) => x[0]));
  const afterCall = stats(xs.map((x) => x[1]));
  process.stdout.write(`| ${name.padEnd(35)} | ${f(total.p50)} | ${f(total.p99)} | ${f(afterCall.p50)} | ${f(afterCall.p99)} |\n`);
}
process.stdout.write(`\n(load average during the run: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).availableParallelism()} CPUs)\n`);
