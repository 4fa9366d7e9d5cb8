/**
 * Authenticated GET through Airlock vs straight to the upstream vs nginx as a plain reverse proxy vs a bare
 * Node proxy (no auth, undici, same worker count), in the same run, interleaved rounds.
 *   node --import tsx bench/gateway.bench.ts [--rounds 3] [--seconds 8] [--connections 64] [--workers 2]
 *     [--only direct,nginx,bare,bare-dispatch,airlock] [--log-level info] [--audit-batch N] [--log-file F] [--profile DIR]
 * Needs wrk and nginx (Debian: apt-get install wrk nginx-light).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { createDevIdp } from '../demo/idp/index.ts';
import { loginThroughGateway } from '../test/support/login.ts';
import { freePort } from '../test/integration/gateway/harness.ts';
import { runWrk, type WrkResult } from './wrk.ts';
import { cpuSeconds } from './cpu.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '64' },
    workers: { type: 'string', default: '2' },
    /** Write CPU profiles to DIR/<target>/ (one worker per proxy then). */
    profile: { type: 'string' },
    /** Comma-separated subset: direct,nginx,bare,bare-dispatch,airlock */
    only: { type: 'string' },
    /** Airlock's log level (default info: one access line per request, as shipped). */
    'log-level': { type: 'string', default: 'info' },
    /** Airlock's audit.batch_size (default: the config default, 200). */
    'audit-batch': { type: 'string' },
    /** Keep Airlock's stdout (its JSON log) in this file instead of discarding it. */
    'log-file': { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const workers = Number(values.workers);
const root = new URL('..', import.meta.url).pathname;
const children: ChildProcess[] = [];

function start(cmd: string, args: string[], readyText?: string): Promise<ChildProcess> {
  const p = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(p);
  return new Promise((resolve, reject) => {
    if (!readyText) return resolve(p);
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d;
      if (buf.includes(readyText)) resolve(p);
    };
    p.stdout!.on('data', onData);
    p.stderr!.on('data', (d) => (buf += d));
    p.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${buf.slice(-2000)}`)));
  });
}

async function waitHttp(url: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-'));
try {
  for (const d of ['tmp-body', 'tmp-proxy', 'tmp-fcgi', 'tmp-uwsgi', 'tmp-scgi']) await mkdir(join(dir, d));
  const [upstreamPort, nginxPort, barePort, bareDispatchPort, gwPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const conf = (await readFile(join(root, 'bench/nginx.conf.tpl'), 'utf8'))
    .replaceAll('__DIR__', dir)
    .replaceAll('__UPSTREAM_PORT__', String(upstreamPort))
    .replaceAll('__NGINX_PORT__', String(nginxPort));
  await writeFile(join(dir, 'nginx.conf'), conf);
  await start('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir]);
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  await waitHttp(`${upstream}/api/v1/dags`);

  const publicUrl = `http://localhost:${gwPort}`;
  const idp = await createDevIdp({ clients: [{ client_id: 'bench', client_secret: 'bench-secret-0123456789', redirect_uris: [`${publicUrl}/.airlock/callback`] }] });
  await writeFile(join(dir, 'secret'), 'bench-secret-0123456789');
  await writeFile(
    join(dir, 'airlock.yaml'),
    stringify({
      listen: `127.0.0.1:${gwPort}`,
      public_url: publicUrl,
      workers,
      log: { level: values['log-level'] },
      idp: { issuer: idp.issuer, client_id: 'bench', client_secret: '${file:./secret}', allow_insecure_http: true },
      roles: { 'airflow-admins': 'Admin', analysts: 'Viewer' },
      environments: { prod: { host: 'localhost', upstream, airflow: 2 } },
      store: 'sqlite:./airlock.db',
      ...(values['audit-batch'] ? { audit: { batch_size: Number(values['audit-batch']) } } : {}),
    }),
  );
  // --profile: one worker per target, each target's profiles in its own folder (cluster workers inherit execArgv)
  const profileArgs = (name: string) => (values.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(values.profile, name)}`] : []);
  const proxyWorkers = String(values.profile ? 1 : workers);
  const gw = spawn(process.execPath, [...profileArgs('airlock'), 'bin/airlock.js', 'serve', '--config', join(dir, 'airlock.yaml'), ...(values.profile ? ['--workers', '1'] : [])], { cwd: root, stdio: ['ignore', values['log-file'] ? openSync(values['log-file'], 'w') : 'ignore', 'inherit'] });
  children.push(gw);
  await waitHttp(`${publicUrl}/.airlock/healthz`);
  const { cookieHeader } = await loginThroughGateway(publicUrl, 'dave', 'dave-demo');
  const probe = await fetch(`${publicUrl}/api/v1/dags`, { headers: { cookie: cookieHeader } });
  if (probe.status !== 200) throw new Error(`authenticated probe got ${probe.status}: ${await probe.text()}`);

  const bareProc = await start(process.execPath, [...profileArgs('bare'), '--import', 'tsx', 'bench/bare-proxy.ts', String(barePort), upstream, proxyWorkers], 'ready');
  const bareDispatchProc = await start(process.execPath, [...profileArgs('bare-dispatch'), '--import', 'tsx', 'bench/bare-proxy.ts', String(bareDispatchPort), upstream, proxyWorkers, 'dispatch'], 'ready');
  const nginxProc = children[0]!;

  const all: Array<{ key: string; name: string; url: string; headers?: Record<string, string>; pid?: number }> = [
    { key: 'direct', name: 'upstream direct (nginx static)', url: `${upstream}/api/v1/dags` },
    { key: 'nginx', name: 'nginx reverse proxy (incl. static upstream)', pid: nginxProc.pid!, url: `http://127.0.0.1:${nginxPort}/api/v1/dags` },
    { key: 'bare', name: `bare Node proxy (${workers} workers)`, pid: bareProc.pid!, url: `http://127.0.0.1:${barePort}/api/v1/dags` },
    { key: 'bare-dispatch', name: `bare Node proxy on dispatch() (${workers} workers)`, pid: bareDispatchProc.pid!, url: `http://127.0.0.1:${bareDispatchPort}/api/v1/dags` },
    { key: 'airlock', name: `Airlock, authenticated (${workers} workers)`, pid: gw.pid!, url: `http://localhost:${gwPort}/api/v1/dags`, headers: { cookie: cookieHeader } },
  ];
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const targets = all.filter((t) => !only || only.has(t.key));
  // warm-up
  for (const t of targets) await runWrk(t.url, { connections, seconds: 2, ...(t.headers ? { headers: t.headers } : {}) });
  const results = new Map<string, WrkResult[]>();
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) {
      const cpu0 = t.pid ? cpuSeconds(t.pid) : 0;
      const res = await runWrk(t.url, { connections, seconds, ...(t.headers ? { headers: t.headers } : {}) });
      const cpuUs = t.pid ? ((cpuSeconds(t.pid) - cpu0) * 1e6) / (res.rps * seconds) : NaN;
      Object.assign(res, { cpuUs });
      if (res.non2xx > 0 || res.errors > 0) process.stderr.write(`warning: ${t.name}: ${res.non2xx} non-2xx, ${res.errors} socket errors\n`);
      results.set(t.name, [...(results.get(t.name) ?? []), res]);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = targets.map((t) => {
    const rs = results.get(t.name)!;
    return { name: t.name, rps: median(rs.map((x) => x.rps)), p50: median(rs.map((x) => x.p50ms)), p99: median(rs.map((x) => x.p99ms)), cpu: median(rs.map((x) => (x as WrkResult & { cpuUs: number }).cpuUs)) };
  });
  const bare = summary.find((s) => s.name.startsWith('bare Node proxy (')) ?? summary[0]!;
  const ngx = summary.find((s) => s.name.startsWith('nginx')) ?? summary[0]!;
  const lines = [
    `Authenticated GET /api/v1/dags, ${connections} connections, ${rounds} interleaved rounds of ${seconds}s (median), wrk -t1, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| target | rps | p50 ms | p99 ms | CPU µs/request | rps vs bare Node | p99 vs bare Node | rps vs nginx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...summary.map((s) => `| ${s.name} | ${s.rps.toFixed(0)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${Number.isFinite(s.cpu) ? s.cpu.toFixed(0) : '-'} | ${(s.rps / bare.rps).toFixed(2)} | ${(s.p99 / bare.p99).toFixed(2)} | ${(s.rps / ngx.rps).toFixed(2)} |`),
  ];
  console.log(lines.join('\n'));
  await idp.close();
} finally {
  for (const c of children) c.kill(c === children[1] ? 'SIGINT' : 'SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await rm(dir, { recursive: true, force: true });
}
