/**
 * The published package (docs/deployment.md "Install from the package"): `npm pack` holds the bundled dist/
 * (scripts/build.mjs), docs and examples, and nothing from development (sources, tests, bench, demo, example
 * secrets); the packed `airlock` runs from dist/ with production dependencies only, and serves with two workers
 * (the forked workers, the audit writer thread, the native SQLite driver and the WebAuthn browser script, all
 * resolved from the bundle's own folder).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../gateway/harness.ts';
import { writeOfflineGatewayConfig } from '../../support/offline-gateway-config.ts';

const root = resolve(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>; devDependencies: Record<string, string>; files: string[]; bin: Record<string, string>;
};
let work: string;
let files: string[];
let unpacked: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'airlock-pack-'));
  // `npm pack` runs prepack (npm run build) and writes the tarball npm would publish
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const report = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = report[0]!.files.map((f) => f.path);
  execFileSync('tar', ['-xzf', join(work, report[0]!.filename), '-C', work]);
  unpacked = join(work, 'package');
  // production dependencies only: link each one (and nothing else) from the clone's node_modules
  const nm = join(unpacked, 'node_modules');
  execFileSync('mkdir', ['-p', nm]);
  const linked = new Set<string>();
  const link = (name: string) => {
    if (linked.has(name)) return;
    linked.add(name);
    const src = join(root, 'node_modules', name);
    if (name.includes('/')) execFileSync('mkdir', ['-p', join(nm, name.split('/')[0]!)]);
    symlinkSync(src, join(nm, name));
    const dep = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const d of Object.keys(dep.dependencies ?? {})) if (existsSync(join(root, 'node_modules', d))) link(d);
  };
  for (const d of Object.keys(pkg.dependencies)) link(d);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('the package holds dist/, bin, docs and examples, and nothing from development', () => {
  assert.ok(files.includes('bin/airlock.js'));
  assert.ok(files.includes('dist/cli/main.js'));
  assert.ok(files.includes('dist/cli/writer-thread.js'), 'the audit writer thread has its own entry point');
  assert.ok(files.includes('dist/bundled-packages.json'));
  assert.ok(files.every((f) => !f.startsWith('dist/') || f === 'dist/bundled-packages.json' || /^dist\/cli\/[\w-]+\.js$/.test(f)), 'dist/ is the bundle only');
  // the generated catalogue data is bundled in: a route of Airflow 2.10.5's Flask UI and a default role's permission
  const bundle = readdirSync(join(unpacked, 'dist', 'cli')).map((f) => readFileSync(join(unpacked, 'dist', 'cli', f), 'utf8')).join('\n');
  assert.match(bundle, /flask:GET:\/dags\/\{dag_id\}\/grid/, 'the Flask route catalogue is bundled in');
  assert.match(bundle, /can_create/, 'the role tables are bundled in');
  assert.ok(files.includes('docs/configuration.md'));
  assert.ok(files.includes('examples/okta.yaml'));
  const forbidden = files.filter((f) =>
    /^(src|test|bench|demo|scripts|integrations|\.ci|node_modules)\//.test(f) || f.startsWith('examples/secrets/') ||
    /\.(ts|db|pem|key)$/.test(f) || /(^|\/)\.env/.test(f) || f.endsWith('client-secret'));
  assert.deepEqual(forbidden, []);
});

test('development-only packages are devDependencies; dist/ imports and bundles production dependencies only', () => {
  for (const dev of ['oidc-provider', 'tsx', 'typescript', 'playwright-core', 'fast-check', 'esbuild']) {
    assert.equal(pkg.dependencies[dev], undefined, `${dev} is not a runtime dependency`);
    assert.ok(pkg.devDependencies[dev], `${dev} is a devDependency`);
  }
  const builtins = new Set(builtinModules);
  const bare = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.js')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"];?$/gm)) bare.add(m[1]!);
        for (const m of text.matchAll(/^import\s*['"]([^'"]+)['"];?$/gm)) bare.add(m[1]!);
        for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) bare.add(m[1]!);
      }
    }
  };
  walk(join(unpacked, 'dist'));
  const packages = [...bare].filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtins.has(s)).map((s) => s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!);
  // left outside the bundle: the native SQLite driver and the PostgreSQL driver (loaded only for a PostgreSQL store)
  for (const used of ['better-sqlite3', 'pg']) assert.ok(packages.includes(used), `the scan sees ${used}`);
  const undeclared = [...new Set(packages)].filter((p) => pkg.dependencies[p] === undefined);
  assert.deepEqual(undeclared, [], 'every package dist/ imports is a runtime dependency');
  // what is bundled in is listed with its version and license; each direct one is a runtime dependency, at the
  // version installed here (the lock file's), and no development-only package is in the bundle
  const bundled = JSON.parse(readFileSync(join(unpacked, 'dist', 'bundled-packages.json'), 'utf8')) as { packages: Array<{ name: string; version: string; license: string | null }> };
  const names = bundled.packages.map((p) => p.name);
  for (const direct of ['jose', 'undici', 'kysely', 'openid-client', 'commander', 'zod', 'yaml', 'pino', 'prom-client', '@simplewebauthn/server']) {
    assert.ok(pkg.dependencies[direct], `${direct} is a runtime dependency`);
    const entry = bundled.packages.find((p) => p.name === direct);
    assert.ok(entry, `${direct} is listed as bundled`);
    assert.equal(entry.version, (JSON.parse(readFileSync(join(root, 'node_modules', direct, 'package.json'), 'utf8')) as { version: string }).version);
  }
  for (const dev of Object.keys(pkg.devDependencies)) assert.ok(!names.includes(dev), `${dev} (development only) is not bundled`);
  for (const p of bundled.packages) assert.match(p.version, /^\d+\.\d+\.\d+/, `${p.name} has a version`);
});

test('the packed airlock runs from dist/ with production dependencies only', () => {
  const bin = join(unpacked, pkg.bin.airlock!);
  const v = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8', env: { ...process.env, AIRLOCK_RUN_DIST: '' } });
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  for (const cmd of ['serve', 'check-config', 'policy', 'audit', 'keys']) assert.match(help.stdout, new RegExp(`\\n\\s+${cmd}\\b`));
  assert.doesNotMatch(help.stdout, /\n\s+demo\b/, 'the demo is repository-only');
  // a real command end to end: check-config on a shipped example refuses the missing secret with its YAML path
  const check = spawnSync(process.execPath, [bin, 'check-config', '--config', join(unpacked, 'examples', 'okta.yaml')], {
    encoding: 'utf8', env: { PATH: process.env.PATH ?? '' },
  });
  assert.equal(check.status, 2, check.stdout + check.stderr);
  assert.match(check.stdout + check.stderr, /client_secret/);
});

test('the packed airlock serves with two workers: forked workers, audit writer thread, SQLite and the WebAuthn script from dist/', async () => {
  const dir = mkdtempSync(join(work, 'serve-'));
  const port = await freePort();
  // the IdP and Airflow are unreachable: the gateway still starts (logins get 503 until discovery succeeds)
  const config = writeOfflineGatewayConfig(dir, port, 2);
  const bin = join(unpacked, pkg.bin.airlock!);
  const env = { PATH: process.env.PATH ?? '' };
  // a V8 flag given to the primary (docs/deployment.md "Sizing": --heap-growing-percent) reaches the workers
  const gw = spawn(process.execPath, ['--heap-growing-percent=25', bin, 'serve', '--config', config], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  gw.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => gw.on('exit', (code) => r(code)));
  try {
    const base = `http://127.0.0.1:${port}`;
    let health = 0;
    for (let i = 0; i < 300 && health !== 200 && gw.exitCode === null; i++) {
      health = await fetch(`${base}/.airlock/healthz`).then((r) => r.status, () => 0);
      if (health !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(health, 200, `healthz never answered 200: ${stderr}`);
    const workers = readFileSync(`/proc/${gw.pid}/task/${gw.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    assert.equal(workers.length, 2, 'two worker processes');
    for (const pid of workers) assert.ok(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('--heap-growing-percent=25'), `worker ${pid} runs with the primary's V8 flag`);
    const pub = `http://localhost:${port}`; // the public_url's host (probes answer on any Host)
    const script = await fetch(`${pub}/.airlock/webauthn/browser.js`);
    assert.equal(script.status, 200);
    assert.match(await script.text(), /SimpleWebAuthnBrowser/);
    // reads without a session are refused and audited: each worker's writer thread commits them
    for (let i = 0; i < 20; i++) {
      const r = await fetch(`${pub}/api/v1/dags?i=${i}`, { headers: { accept: 'application/json' } });
      assert.equal(r.status, 401);
      await r.arrayBuffer();
    }
  } finally {
    gw.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
  const verify = spawnSync(process.execPath, [bin, 'audit', 'verify', '--config', config], { cwd: dir, env, encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  const events = Number(/OK: (\d+) events/.exec(verify.stdout)?.[1]);
  assert.ok(events >= 20, `the 20 refused reads are in the chain: ${verify.stdout}`);
});
