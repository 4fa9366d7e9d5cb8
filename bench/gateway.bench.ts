/**
 * Authenticated GET through Airlock vs straight to the upstream vs nginx as a plain reverse proxy vs a bare
 * Node proxy (no auth, undici, same worker count), in the same run, interleaved rounds.
 *   node --import tsx bench/gateway.bench.ts [--rounds 3] [--seconds 8] [--connections 64] [--workers 2]
 *     [--only direct,nginx,bare,bare-dispatch,airlock,apache,nginx-authz,nginx-bare-authz,airlock-base] [--log-level info] [--audit-batch N] [--audit-writer thread|inline] [--log-file F] [--profile DIR]
 *     [--baseline DIR]
 * --baseline DIR adds the row `airlock-base`: the same Airlock setup run from another checkout (DIR, with its
 * node_modules, e.g. `git worktree add /tmp/base HEAD~1`), interleaved with the others, so a change is measured
 * against its parent in one run (CPU µs/request of both in the same conditions).
 * Also the peers of issue #15: Apache + mod_auth_openidc (signed in through the dev IdP, server-side session
 * cache) and nginx + Airlock forward-auth (auth_request), beside nginx + auth_request to a Node service that answers
 * 200 at once (`nginx-bare-authz`: the ceiling of any forward-auth service in Node). Needs wrk, nginx, apache2 and mod_auth_openidc
 * (Debian: apt-get install wrk nginx-light apache2 libapache2-mod-auth-openidc; bench/run.sh installs them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { createDevIdp } from '../demo/idp/index.ts';
import { loginThroughGateway } from '../test/support/login.ts';
import { freePort } from '../test/integration/gateway/harness.ts';
import { runWrk, type WrkResult } from './wrk.ts';
import { cpuSeconds } from './cpu.ts';
import { apacheLogin } from './apache-login.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '64' },
    workers: { type: 'string', default: '2' },
    /** Write CPU profiles to DIR/<target>/ (one worker per proxy then). */
    profile: { type: 'string' },
    /** Comma-separated subset: direct,nginx,bare,bare-dispatch,airlock,apache,nginx-authz,nginx-bare-authz,airlock-base */
    only: { type: 'string' },
    /** Airlock's log level (default info: one access line per request, as shipped). */
    'log-level': { type: 'string', default: 'info' },
    /** Airlock's audit.batch_size (default: the config default, 200). */
    'audit-batch': { type: 'string' },
    /** Airlock's audit.writer: thread (default) or inline (read events written on the request thread, as before #15). */
    'audit-writer': { type: 'string' },
    /** Keep Airlock's stdout (its JSON log) in this file instead of discarding it. */
    'log-file': { type: 'string' },
    /** Another checkout of Airlock (with node_modules) measured as the row `airlock-base` in the same rounds. */
    baseline: { type: 'string' },
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
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const wanted = (key: string) => !only || only.has(key);
  const [upstreamPort, nginxPort, barePort, bareDispatchPort, gwPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const [nginxAuthzPort, gwAuthzPort, apachePort, gwBasePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const [bareAuthzPort, nginxBareAuthzPort] = [await freePort(), await freePort()];
  const conf = (await readFile(join(root, 'bench/nginx.conf.tpl'), 'utf8'))
    .replaceAll('__DIR__', dir)
    .replaceAll('__ROOT__', root.replace(/\/$/, ''))
    .replaceAll('__UPSTREAM_PORT__', String(upstreamPort))
    .replaceAll('__NGINX_PORT__', String(nginxPort))
    .replaceAll('__NGINX_AUTHZ_PORT__', String(nginxAuthzPort))
    .replaceAll('__AIRLOCK_AUTHZ_PORT__', String(gwAuthzPort))
    .replaceAll('__BARE_AUTHZ_PORT__', String(bareAuthzPort))
    .replaceAll('__NGINX_BARE_AUTHZ_PORT__', String(nginxBareAuthzPort));
  await writeFile(join(dir, 'nginx.conf'), conf);
  await start('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir]);
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  await waitHttp(`${upstream}/api/v1/dags`);

  const publicUrl = `http://localhost:${gwPort}`;
  const authzUrl = `http://localhost:${nginxAuthzPort}`; // public_url of the forward-auth Airlock: nginx
  const apacheUrl = `http://localhost:${apachePort}`;
  const idp = await createDevIdp({
    clients: [
      { client_id: 'bench', client_secret: 'bench-secret-0123456789', redirect_uris: [`${publicUrl}/.airlock/callback`] },
      { client_id: 'bench-authz', client_secret: 'bench-secret-0123456789', redirect_uris: [`${authzUrl}/.airlock/callback`] },
      { client_id: 'bench-apache', client_secret: 'bench-secret-0123456789', redirect_uris: [`${apacheUrl}/oidc/callback`] },
      { client_id: 'bench-base', client_secret: 'bench-secret-0123456789', redirect_uris: [`http://localhost:${gwBasePort}/.airlock/callback`] },
    ],
  });
  await writeFile(join(dir, 'secret'), 'bench-secret-0123456789');
  const airlockConfig = (): Record<string, unknown> => ({
      listen: `127.0.0.1:${gwPort}`,
      public_url: publicUrl,
      workers,
      log: { level: values['log-level'] },
      idp: { issuer: idp.issuer, client_id: 'bench', client_secret: '${file:./secret}', allow_insecure_http: true },
      roles: { 'airflow-admins': 'Admin', analysts: 'Viewer' },
      environments: { prod: { host: 'localhost', upstream, airflow: 2 } },
      store: 'sqlite:./airlock.db',
      ...(values['audit-batch'] || values['audit-writer'] ? { audit: { ...(values['audit-batch'] ? { batch_size: Number(values['audit-batch']) } : {}), ...(values['audit-writer'] ? { writer: values['audit-writer'] } : {}) } } : {}),
  });
  await writeFile(join(dir, 'airlock.yaml'), stringify(airlockConfig()));
  // the forward-auth Airlock: same settings, its own store, asked by nginx (trusted) on loopback
  await writeFile(
    join(dir, 'airlock-authz.yaml'),
    stringify({ ...airlockConfig(), listen: `127.0.0.1:${gwAuthzPort}`, public_url: authzUrl, idp: { issuer: idp.issuer, client_id: 'bench-authz', client_secret: '${file:./secret}', allow_insecure_http: true }, store: 'sqlite:./airlock-authz.db', trusted_proxies: ['127.0.0.1'], forward_auth: { enabled: true } }),
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

  // --baseline: the same Airlock from another checkout, its own port and store
  let gwBase: ChildProcess | undefined;
  let baseCookie = '';
  const baseUrl = `http://localhost:${gwBasePort}`;
  if (values.baseline && wanted('airlock-base')) {
    await writeFile(join(dir, 'airlock-base.yaml'), stringify({ ...airlockConfig(), listen: `127.0.0.1:${gwBasePort}`, public_url: baseUrl, idp: { issuer: idp.issuer, client_id: 'bench-base', client_secret: '${file:./secret}', allow_insecure_http: true }, store: 'sqlite:./airlock-base.db' }));
    gwBase = spawn(process.execPath, [...profileArgs('airlock-base'), 'bin/airlock.js', 'serve', '--config', join(dir, 'airlock-base.yaml'), ...(values.profile ? ['--workers', '1'] : [])], { cwd: values.baseline, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(gwBase);
    await waitHttp(`${baseUrl}/.airlock/healthz`);
    baseCookie = (await loginThroughGateway(baseUrl, 'dave', 'dave-demo')).cookieHeader;
  }

  const bareProc = await start(process.execPath, [...profileArgs('bare'), '--import', 'tsx', 'bench/bare-proxy.ts', String(barePort), upstream, proxyWorkers], 'ready');
  const bareDispatchProc = await start(process.execPath, [...profileArgs('bare-dispatch'), '--import', 'tsx', 'bench/bare-proxy.ts', String(bareDispatchPort), upstream, proxyWorkers, 'dispatch'], 'ready');
  const bareAuthzProc = wanted('nginx-bare-authz') ? await start(process.execPath, [...profileArgs('bare-authz'), '--import', 'tsx', 'bench/bare-proxy.ts', String(bareAuthzPort), upstream, proxyWorkers, 'authz'], 'ready') : undefined;
  const nginxProc = children[0]!;

  // nginx + Airlock forward-auth: a second Airlock (forward_auth on), signed in through nginx
  let authzCookie = '';
  let gwAuthz: ChildProcess | undefined;
  if (wanted('nginx-authz')) {
    gwAuthz = spawn(process.execPath, [...profileArgs('airlock-authz'), 'bin/airlock.js', 'serve', '--config', join(dir, 'airlock-authz.yaml'), ...(values.profile ? ['--workers', '1'] : [])], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(gwAuthz);
    await waitHttp(`http://127.0.0.1:${gwAuthzPort}/.airlock/healthz`);
    authzCookie = (await loginThroughGateway(authzUrl, 'dave', 'dave-demo')).cookieHeader;
    const p = await fetch(`${authzUrl}/api/v1/dags`, { headers: { cookie: authzCookie } });
    if (p.status !== 200) throw new Error(`nginx + Airlock forward-auth probe got ${p.status}: ${await p.text()}`);
  }

  // Apache httpd + mod_auth_openidc, signed in through the dev IdP (sessions in its shared-memory cache)
  let apacheCookie = '';
  let apacheProc: ChildProcess | undefined;
  if (wanted('apache')) {
    const adir = join(dir, 'apache');
    await mkdir(adir);
    // as root Apache's children run as www-data: they may traverse the bench folder and use their own
    await chmod(dir, 0o711);
    await chmod(adir, 0o755);
    const root0 = process.getuid?.() === 0;
    await writeFile(
      join(adir, 'apache.conf'),
      (await readFile(join(root, 'bench/apache.conf.tpl'), 'utf8'))
        .replaceAll('__DIR__', adir)
        .replaceAll('__USER__', root0 ? 'User www-data\nGroup www-data' : '')
        .replaceAll('__APACHE_PORT__', String(apachePort))
        .replaceAll('__UPSTREAM_PORT__', String(upstreamPort))
        .replaceAll('__ISSUER__', idp.issuer)
        .replaceAll('__CLIENT_ID__', 'bench-apache')
        .replaceAll('__CLIENT_SECRET__', 'bench-secret-0123456789')
        .replaceAll('__PASSPHRASE__', randomBytes(24).toString('base64url')),
    );
    apacheProc = spawn('apache2', ['-f', join(adir, 'apache.conf'), '-DFOREGROUND'], { cwd: adir, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(apacheProc);
    for (let i = 0; ; i++) {
      try {
        apacheCookie = await apacheLogin(apacheUrl, 'dave', 'dave-demo');
        break;
      } catch (err) {
        if (i >= 50 || apacheProc.exitCode !== null) throw new Error(`Apache + mod_auth_openidc sign-in failed (see ${adir}/apache-error.log): ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const p = await fetch(`${apacheUrl}/api/v1/dags`, { headers: { cookie: apacheCookie } });
    if (p.status !== 200) throw new Error(`Apache + mod_auth_openidc probe got ${p.status}: ${await p.text()}`);
  }

  const all: Array<{ key: string; name: string; url: string; headers?: Record<string, string>; pid?: number; pids?: number[] }> = [
    { key: 'direct', name: 'upstream direct (nginx static)', url: `${upstream}/api/v1/dags` },
    { key: 'nginx', name: 'nginx reverse proxy (incl. static upstream)', pid: nginxProc.pid!, url: `http://127.0.0.1:${nginxPort}/api/v1/dags` },
    { key: 'bare', name: `bare Node proxy (${workers} workers)`, pid: bareProc.pid!, url: `http://127.0.0.1:${barePort}/api/v1/dags` },
    { key: 'bare-dispatch', name: `bare Node proxy on dispatch() (${workers} workers)`, pid: bareDispatchProc.pid!, url: `http://127.0.0.1:${bareDispatchPort}/api/v1/dags` },
    { key: 'airlock', name: `Airlock, authenticated (${workers} workers)`, pid: gw.pid!, url: `http://localhost:${gwPort}/api/v1/dags`, headers: { cookie: cookieHeader } },
    ...(gwBase ? [{ key: 'airlock-base', name: `Airlock at --baseline (${workers} workers)`, pid: gwBase.pid!, url: `${baseUrl}/api/v1/dags`, headers: { cookie: baseCookie } }] : []),
    ...(apacheProc ? [{ key: 'apache', name: 'Apache + mod_auth_openidc, authenticated', pid: apacheProc.pid!, url: `${apacheUrl}/api/v1/dags`, headers: { cookie: apacheCookie } }] : []),
    ...(bareAuthzProc ? [{ key: 'nginx-bare-authz', name: `nginx + auth_request to a bare Node 200 (${workers} workers, incl. static upstream)`, pids: [nginxProc.pid!, bareAuthzProc.pid!], url: `http://127.0.0.1:${nginxBareAuthzPort}/api/v1/dags` }] : []),
    ...(gwAuthz ? [{ key: 'nginx-authz', name: `nginx + Airlock forward-auth (${workers} workers, incl. static upstream)`, pids: [nginxProc.pid!, gwAuthz.pid!], url: `${authzUrl}/api/v1/dags`, headers: { cookie: authzCookie } }] : []),
  ];
  const targets = all.filter((t) => wanted(t.key));
  // warm-up
  for (const t of targets) await runWrk(t.url, { connections, seconds: 2, ...(t.headers ? { headers: t.headers } : {}) });
  const results = new Map<string, WrkResult[]>();
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) {
      const pids = t.pids ?? (t.pid ? [t.pid] : []);
      const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
      const cpu0 = cpu();
      const res = await runWrk(t.url, { connections, seconds, ...(t.headers ? { headers: t.headers } : {}) });
      const cpuUs = pids.length > 0 ? ((cpu() - cpu0) * 1e6) / (res.rps * seconds) : NaN;
      Object.assign(res, { cpuUs });
      if (res.non2xx > 0 || res.errors > 0) process.stderr.write(`warning: ${t.name}: ${res.non2xx} non-2xx, ${res.errors} socket errors\n`);
      results.set(t.name, [...(results.get(t.name) ?? []), res]);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = targets.map((t) => {
    const rs = results.get(t.name)!;
    return { key: t.key, name: t.name, rps: median(rs.map((x) => x.rps)), p50: median(rs.map((x) => x.p50ms)), p99: median(rs.map((x) => x.p99ms)), cpu: median(rs.map((x) => (x as WrkResult & { cpuUs: number }).cpuUs)) };
  });
  const byKey = (key: string) => summary.find((s) => s.key === key);
  const bare = byKey('bare') ?? summary[0]!;
  const ngx = byKey('nginx') ?? summary[0]!;
  const lines = [
    `Authenticated GET /api/v1/dags, ${connections} connections, ${rounds} interleaved rounds of ${seconds}s (median), wrk -t1, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| target | rps | p50 ms | p99 ms | CPU µs/request | rps vs bare Node | p99 vs bare Node | rps vs nginx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...summary.map((s) => `| ${s.name} | ${s.rps.toFixed(0)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${Number.isFinite(s.cpu) ? s.cpu.toFixed(0) : '-'} | ${(s.rps / bare.rps).toFixed(2)} | ${(s.p99 / bare.p99).toFixed(2)} | ${(s.rps / ngx.rps).toFixed(2)} |`),
  ];
  // the ratios issue #15 sets targets for (same run): only those whose rows were measured
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');
  const al = byKey('airlock');
  const ap = byKey('apache');
  const bd = byKey('bare-dispatch');
  const fa = byKey('nginx-authz');
  const ab = byKey('airlock-base');
  const ng = byKey('nginx');
  const nb = byKey('nginx-bare-authz');
  const targetsLines = [
    ...(al && ap ? [`- Airlock vs Apache + mod_auth_openidc: rps ${ratio(al.rps, ap.rps)}x (target >= 1.6), p99 ${ratio(al.p99, ap.p99)}x (target <= 0.5)`] : []),
    ...(al && bd ? [`- Airlock CPU µs/request vs bare dispatch() proxy: ${ratio(al.cpu, bd.cpu)}x (target <= 1.5)`] : []),
    ...(al && ab ? [`- Airlock vs --baseline: CPU µs/request ${ratio(al.cpu, ab.cpu)}x, rps ${ratio(al.rps, ab.rps)}x`] : []),
    ...(fa && ng ? [`- nginx + Airlock forward-auth vs plain nginx: rps ${ratio(fa.rps, ng.rps)}x (target >= 0.5), p99 ${ratio(fa.p99, ng.p99)}x (target <= 2)`] : []),
    // the ceilings of this stack, same run: what a Node service doing nothing reaches against the same peers
    ...(bd && ap ? [`- ceiling: bare dispatch() proxy (no auth, no audit) vs Apache + mod_auth_openidc: rps ${ratio(bd.rps, ap.rps)}x, p99 ${ratio(bd.p99, ap.p99)}x`] : []),
    ...(nb && ng ? [`- ceiling: nginx + auth_request to a bare Node 200 vs plain nginx: rps ${ratio(nb.rps, ng.rps)}x, p99 ${ratio(nb.p99, ng.p99)}x`] : []),
  ];
  if (targetsLines.length > 0) lines.push('', 'Issue #15 ratios:', ...targetsLines);
  console.log(lines.join('\n'));
  await idp.close();
} finally {
  for (const c of children) c.kill(c === children[1] ? 'SIGINT' : 'SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await rm(dir, { recursive: true, force: true });
}
