/**
 * The published package (docs/deployment.md "Install from the package"): `npm pack` holds the compiled dist/,
 * docs and examples, and nothing from development (sources, tests, bench, demo, example secrets); the packed
 * `airlock` runs from dist/ with production dependencies only.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
  assert.ok(files.includes('dist/server/index.js'));
  assert.ok(files.includes('dist/policy/catalogue/data/roles.json'), 'the catalogue data is compiled in');
  assert.ok(files.includes('docs/configuration.md'));
  assert.ok(files.includes('examples/okta.yaml'));
  const forbidden = files.filter((f) =>
    /^(src|test|bench|demo|scripts|integrations|\.ci|node_modules)\//.test(f) || f.startsWith('examples/secrets/') ||
    /\.(ts|db|pem|key)$/.test(f) || /(^|\/)\.env/.test(f) || f.endsWith('client-secret'));
  assert.deepEqual(forbidden, []);
});

test('development-only packages are devDependencies; dist/ imports production dependencies only', () => {
  for (const dev of ['oidc-provider', 'tsx', 'typescript', 'playwright-core', 'fast-check']) {
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
  for (const used of ['jose', 'undici', 'better-sqlite3', 'kysely', 'openid-client', 'commander']) assert.ok(packages.includes(used), `the scan sees ${used}`);
  const undeclared = [...new Set(packages)].filter((p) => pkg.dependencies[p] === undefined);
  assert.deepEqual(undeclared, [], 'every package dist/ imports is a runtime dependency');
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
