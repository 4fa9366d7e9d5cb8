// Generates the Airflow stand-in's committed tables from ../shared/airflow (relative to the repo root), so the
// demo and tests run from a clone alone:
//   demo/airflow-standin/routes.json   every /api/v1, /auth/fab/v1, /api/v2 and /ui operation (OpenAPI specs)
//   demo/airflow-standin/flask-ui.json the rest of Airflow 2.10.5's url_map with FAB permissions, the default
//                                      roles' permissions and the navbar (airflow-2.10.5/*)
//   node --import tsx scripts/build-standin-routes.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRoutesFile } from '../demo/airflow-standin/spec-to-routes.ts';
import { buildFlaskUiFile } from '../demo/airflow-standin/flask-ui-data.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const specDir = join(root, '..', 'shared', 'airflow');
const read = (name: string) => readFileSync(join(specDir, name), 'utf8');
const out = join(root, 'demo', 'airflow-standin', 'routes.json');
const file = buildRoutesFile(read);
const text = `${JSON.stringify(file, null, 1)}\n`;
writeFileSync(out, text);
console.log(`wrote ${file.routes.length} routes (${(text.length / 1024).toFixed(0)} KiB) to ${out}`);
const uiOut = join(root, 'demo', 'airflow-standin', 'flask-ui.json');
const ui = buildFlaskUiFile(read, file);
const uiText = `${JSON.stringify(ui, null, 1)}\n`;
writeFileSync(uiOut, uiText);
console.log(`wrote ${ui.rules.length} Flask UI rules, ${Object.keys(ui.roles).length} roles, ${ui.navbar.length} navbar links (${(uiText.length / 1024).toFixed(0)} KiB) to ${uiOut}`);
