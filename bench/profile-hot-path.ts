/**
 * CPU profile of one in-process Airlock worker under load (steady state only, startup excluded).
 *   node --import tsx bench/profile-hot-path.ts [seconds] [connections]
 * Writes bench/results/hot-path.cpuprofile (open it in Chrome DevTools) and prints the top functions.
 * Caveat: the dev IdP runs in this process and oidc-provider uses AsyncLocalStorage, which makes every promise
 * dearer here than in `airlock serve`; for absolute numbers profile the real worker (gateway.bench.ts --profile).
 */
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createDevIdp } from '../demo/idp/index.ts';
import { startGateway } from '../src/server/index.ts';
import { createLogger } from '../src/server/logger.ts';
import { loginThroughGateway } from '../test/support/login.ts';
import { freePort } from '../test/integration/gateway/harness.ts';
import { runWrk } from './wrk.ts';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 32);
const root = new URL('..', import.meta.url).pathname;
const dir = await mkdtemp(join(tmpdir(), 'airlock-prof-'));
for (const d of ['tmp-body', 'tmp-proxy', 'tmp-fcgi', 'tmp-uwsgi', 'tmp-scgi']) await mkdir(join(dir, d));
const [up, ngx, gwPort] = [await freePort(), await freePort(), await freePort()];
// the template's other servers (forward-auth rows of gateway.bench.ts) get ports nobody answers on: unused here
const unused = async () => String(await freePort());
await writeFile(
  join(dir, 'nginx.conf'),
  (await readFile(join(root, 'bench/nginx.conf.tpl'), 'utf8'))
    .replaceAll('__DIR__', dir)
    .replaceAll('__ROOT__', root.replace(/\/$/, ''))
    .replaceAll('__UPSTREAM_PORT__', String(up))
    .replaceAll('__NGINX_PORT__', String(ngx))
    .replaceAll('__NGINX_AUTHZ_PORT__', await unused())
    .replaceAll('__AIRLOCK_AUTHZ_PORT__', await unused())
    .replaceAll('__BARE_AUTHZ_PORT__', await unused())
    .replaceAll('__NGINX_BARE_AUTHZ_PORT__', await unused()),
);
const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
const publicUrl = `http://localhost:${gwPort}`;
const idp = await createDevIdp({ clients: [{ client_id: 'prof', client_secret: 'prof-secret-0123456789', redirect_uris: [`${publicUrl}/.airlock/callback`] }] });
await writeFile(join(dir, 'secret'), 'prof-secret-0123456789');
await writeFile(join(dir, 'airlock.yaml'), stringify({
  listen: `127.0.0.1:${gwPort}`, public_url: publicUrl, workers: 1, log: { level: 'info' },
  idp: { issuer: idp.issuer, client_id: 'prof', client_secret: '${file:./secret}', allow_insecure_http: true },
  roles: { analysts: 'Viewer' },
  environments: { prod: { host: 'localhost', upstream: `http://127.0.0.1:${up}`, airflow: 2 } },
  store: 'sqlite:./airlock.db',
}));
const { createWriteStream } = await import('node:fs');
const gw = await startGateway({ configPath: join(dir, 'airlock.yaml'), logger: createLogger({ destination: createWriteStream('/dev/null') }) });
try {
  const { cookieHeader } = await loginThroughGateway(publicUrl, 'dave', 'dave-demo');
  const headers = { cookie: cookieHeader };
  await runWrk(`${publicUrl}/api/v1/dags`, { connections, seconds: 2, headers });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const c0 = process.cpuUsage();
  const r = await runWrk(`${publicUrl}/api/v1/dags`, { connections, seconds, headers });
  const c1 = process.cpuUsage(c0);
  const { profile } = await session.post('Profiler.stop');
  await mkdir(join(root, 'bench/results'), { recursive: true });
  await writeFile(join(root, 'bench/results/hot-path.cpuprofile'), JSON.stringify(profile));
  console.log(`rps ${r.rps.toFixed(0)} p50 ${r.p50ms}ms p99 ${r.p99ms}ms, CPU µs/request ${((c1.user + c1.system) / (r.rps * seconds)).toFixed(1)}`);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  profile.samples!.forEach((id, i) => {
    const dt = profile.timeDeltas![i]!;
    total += dt;
    const key = (nid: number) => { const cf = nodes.get(nid)!.callFrame; return `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`; };
    self.set(key(id), (self.get(key(id)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) { const k = key(n); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + dt); } }
  });
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((v / total) * 100).toFixed(1).padStart(5)}% ${k}`).join('\n');
  console.log('--- self\n' + top(self, 25) + '\n--- inclusive\n' + top(incl, 45));
} finally {
  await gw.close();
  await idp.close();
  nginx.kill();
  await rm(dir, { recursive: true, force: true });
}
