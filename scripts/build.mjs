#!/usr/bin/env node
// npm run build: type-checks src/ with TypeScript's own compiler (tsconfig.build.json), then bundles it with esbuild
// into dist/cli/ from a clean dist/:
//   dist/cli/main.js            the `airlock` command (bin/airlock.js imports it)
//   dist/cli/writer-thread.js   the audit writer thread (src/audit/writer/thread-reads.ts starts it next to itself)
//   dist/cli/chunk-*.js         code loaded at first use (serve, WebAuthn, SCIM, device flow, ...), shared parts
//   dist/bundled-packages.json  the npm packages bundled in, with version and license (for scanners and SBOMs)
// The JavaScript dependencies are bundled in: Node 20's ES module loader spends most of a cold start resolving and
// compiling about 850 separate modules (docs/benchmarks.md "Startup": bundled, `airlock serve` with 2 workers is
// ready in about half the time). Kept outside (resolved from node_modules at run time): better-sqlite3 (a native
// addon), pg (loaded only for a PostgreSQL store; its optional pg-native) and @simplewebauthn/browser (served to
// browsers as a file). A clone runs the sources through tsx; the published package runs dist/.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--noEmit'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('build: tsc found type errors');
  process.exit(r.status ?? 1);
}

/** Not bundled: resolved from the installed package's node_modules at run time (each a runtime dependency). */
const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native', '@simplewebauthn/browser'];

const esbuild = await import('esbuild');
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { 'cli/main': 'src/cli/main.ts', 'cli/writer-thread': 'src/audit/writer/writer-thread.ts' },
  outdir: dist,
  // every file in dist/cli/: the sources' relative URLs (../../bin/airlock.js, ../../package.json, ./writer-thread.js)
  // resolve the same from there as from src/<area>/
  chunkNames: 'cli/chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: EXTERNAL,
  // bundled CommonJS packages call require() for Node's own modules
  banner: { js: "import { createRequire as __airlockCreateRequire } from 'node:module'; const require = __airlockCreateRequire(import.meta.url);" },
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});

// which packages went in, from the inputs esbuild read
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//g);
  if (!m) continue;
  const dir = input.slice(0, input.lastIndexOf(m.at(-1)) + m.at(-1).length);
  if (packages.has(dir)) continue;
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  packages.set(dir, { name: pkg.name, version: pkg.version, license: pkg.license ?? null });
}
const list = [...packages.values()].sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name.localeCompare(b.name)));
writeFileSync(join(dist, 'bundled-packages.json'), JSON.stringify({ note: 'npm packages bundled into dist/cli (scripts/build.mjs); not bundled: ' + EXTERNAL.join(', '), packages: list }, null, 2) + '\n');
console.error(`build: dist/ written (${list.length} packages bundled)`);
