/**
 * Startup: `airlock --version` (from dist/ and from the sources through tsx), and the cold start of
 * `airlock serve` (spawn -> /.airlock/healthz answers 200) with 1 worker and with `workers: 2`, plus the RSS of
 * an idle worker. Median and max over N runs; the table goes to docs/benchmarks.md.
 *   node --import tsx bench/startup.bench.ts [--runs 10]
 * Builds dist/ first (npm run build).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { createDevIdp } from '../demo/idp/index.ts';
import { freePort } from '../test/integration/gateway/harness.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin', 'airlock.js');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => ms.toFixed(0);

function timeVersion(dist: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, '--version'], { env: { ...process.env, AIRLOCK_RUN_DIST: dist ? '1' : '' } });
    if (r.status !== 0) throw new Error(`--version failed: ${r.stderr}`);
    out.push(performance.now() - t0);
  }
  return out;
}

async function waitHealthy(url: string, deadline: number, gw: ChildProcess, stderr: () => string): Promise<void> {
  while (performance.now() < deadline) {
    if (gw.exitCode !== null || gw.signalCode !== null) throw new Error(`airlock serve exited (${gw.exitCode ?? gw.signalCode}) before ${url} answered 200:\n${stderr()}`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${url} did not answer 200 in time`);
}

/** Linux: resident set size (kB) of a process and its children. */
async function rssKb(pid: number): Promise<number[]> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean).map(Number);
  const one = async (p: number) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
  return Promise.all([pid, ...children].map(one));
}

execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
const dir = await mkdtemp(join(tmpdir(), 'airlock-startup-'));
const idp = await createDevIdp({ clients: [{ client_id: 'bench', client_secret: 'bench-secret-0123456789', redirect_uris: ['http://localhost/.airlock/callback'] }] });
try {
  const rows: string[] = [];
  for (const dist of [true, false]) {
    const t = timeVersion(dist);
    rows.push(`| \`airlock --version\` (${dist ? 'dist/' : 'sources via tsx'}) | ${fmt(median(t))} | ${fmt(Math.max(...t))} | - |`);
  }
  await writeFile(join(dir, 'secret'), 'bench-secret-0123456789');
  for (const workers of [1, 2]) {
    const times: number[] = [];
    let rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const port = await freePort();
      const cfg = join(dir, `airlock-${workers}-${i}.yaml`);
      await writeFile(cfg, stringify({
        listen: `127.0.0.1:${port}`, public_url: `http://localhost:${port}`, workers, log: { level: 'warn' },
        idp: { issuer: idp.issuer, client_id: 'bench', client_secret: '${file:./secret}', allow_insecure_http: true },
        roles: { 'airflow-admins': 'Admin' }, environments: { prod: { host: 'localhost', upstream: 'http://127.0.0.1:9', airflow: 2 } },
        store: `sqlite:./airlock-${workers}-${i}.db`,
      }));
      const t0 = performance.now();
      const gw = spawn(process.execPath, [bin, 'serve', '--config', cfg], { cwd: dir, env: { ...process.env, AIRLOCK_RUN_DIST: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      gw.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
      try {
        await waitHealthy(`http://127.0.0.1:${port}/.airlock/healthz`, t0 + 30_000, gw, () => stderr);
        times.push(performance.now() - t0);
        if (i === runs - 1) {
          await new Promise((r) => setTimeout(r, 1000));
          rss = await rssKb(gw.pid!);
        }
      } finally {
        if (gw.exitCode === null && gw.signalCode === null) {
          const exited = new Promise((r) => gw.once('exit', r));
          gw.kill('SIGTERM');
          await exited;
        }
      }
    }
    const rssText = rss.map((kb) => `${Math.round(kb / 1024)}`).join(' + ');
    rows.push(`| \`airlock serve\` cold start to healthz 200, ${workers === 1 ? '1 worker' : `workers: ${workers}`} (dist/) | ${fmt(median(times))} | ${fmt(Math.max(...times))} | ${rssText} |`);
  }
  console.log(`\n| measurement (${runs} runs) | median ms | max ms | RSS MB idle (${'process' + ' + workers'}) |\n|---|---:|---:|---|\n${rows.join('\n')}`);
} finally {
  await idp.close();
  await rm(dir, { recursive: true, force: true });
}
