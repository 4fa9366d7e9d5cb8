#!/usr/bin/env node
// Entry point of the `airlock` command.
// - An installed package has no src/: it runs the compiled dist/ (npm run build; the package ships dist/).
// - A clone runs the TypeScript sources through tsx (a devDependency), so no build step is needed and no
//   stale dist/ is ever run by mistake. AIRLOCK_RUN_DIST=1 runs dist/ in a clone (to try a build).
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);
const useDist = process.env.AIRLOCK_RUN_DIST === '1' || !existsSync(sources);
let main;
if (useDist) {
  if (!existsSync(compiled)) {
    console.error('airlock: dist/ is missing: run "npm run build" first');
    process.exit(2);
  }
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
}
await main(process.argv);
