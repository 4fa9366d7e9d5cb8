/**
 * Regenerates src/policy/catalogue/data/*.json from ../shared/airflow (developers and CI only), and copies the
 * two Airflow 2.10.5 TSVs the policy tests check the catalogue against to test/fixtures/airflow-2.10.5/ (so the
 * tests run from a clone alone).
 *   node --import tsx scripts/build-catalogue.ts [--check]
 * --check exits 1 when a committed file differs from what the reference data produces.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCatalogueData } from '../src/policy/catalogue/build.ts';
import { FLASK_TSV, ROLES_TSV } from '../src/policy/catalogue/flask-tsv.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const refDir = resolve(root, '..', 'shared', 'airflow');
const outDir = join(root, 'src', 'policy', 'catalogue', 'data');
const fixtureDir = join(root, 'test', 'fixtures');
if (!existsSync(refDir)) {
  console.error(`reference data not found at ${refDir} (expected ../shared/airflow next to the repo)`);
  process.exit(2);
}
const read = (name: string) => readFileSync(join(refDir, name), 'utf8');
const outputs: Array<[string, string]> = Object.entries(buildCatalogueData({ read })).map(([name, content]) => [join(outDir, name), `${JSON.stringify(content, null, 1)}\n`]);
for (const name of [FLASK_TSV, ROLES_TSV]) outputs.push([join(fixtureDir, name), read(name)]);
const check = process.argv.includes('--check');
let stale = 0;
for (const [path, text] of outputs) {
  const rel = path.slice(root.length + 1);
  if (check) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) { console.error(`stale: ${rel}`); stale++; }
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${rel}`);
  }
}
if (stale) process.exit(1);
