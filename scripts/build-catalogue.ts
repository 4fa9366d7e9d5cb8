/**
 * Regenerates src/policy/catalogue/data/*.json from ../shared/airflow (developers and CI only).
 *   node --import tsx scripts/build-catalogue.ts [--check]
 * --check exits 1 when the committed files differ from what the reference data produces.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCatalogueData } from '../src/policy/catalogue/build.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const refDir = resolve(root, '..', 'shared', 'airflow');
const outDir = join(root, 'src', 'policy', 'catalogue', 'data');
if (!existsSync(refDir)) {
  console.error(`reference data not found at ${refDir} (expected ../shared/airflow next to the repo)`);
  process.exit(2);
}
const data = buildCatalogueData({ read: (name) => readFileSync(join(refDir, name), 'utf8') });
const check = process.argv.includes('--check');
let stale = 0;
for (const [name, content] of Object.entries(data)) {
  const text = `${JSON.stringify(content, null, 1)}\n`;
  const path = join(outDir, name);
  if (check) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) { console.error(`stale: ${name}`); stale++; }
  } else {
    writeFileSync(path, text);
    const n = 'routes' in content ? `${content.routes.length} routes` : 'roles';
    console.log(`wrote ${name} (${n})`);
  }
}
if (stale) process.exit(1);
