// Generates demo/airflow-standin/routes.json from Airflow's OpenAPI specs in ../shared/airflow (relative to
// the repo root). The JSON is committed so the demo and tests run from a clone alone.
//   node --import tsx scripts/build-standin-routes.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRoutesFile } from '../demo/airflow-standin/spec-to-routes.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const specDir = join(root, '..', 'shared', 'airflow');
const out = join(root, 'demo', 'airflow-standin', 'routes.json');
const file = buildRoutesFile((name) => readFileSync(join(specDir, name), 'utf8'));
const text = `${JSON.stringify(file, null, 1)}\n`;
writeFileSync(out, text);
console.log(`wrote ${file.routes.length} routes (${(text.length / 1024).toFixed(0)} KiB) to ${out}`);
