/**
 * Writes the contract fixtures for the Python tests:
 *   node --import tsx test/integration/assertion-contract/write-fixtures.ts <dir>
 * Creates <dir>/fixtures.json (tokens and expectations), <dir>/jwks.json and <dir>/jwks-rotated.json, and
 * <dir>/dag-rules.json (assertions with the dag_rules claim and what the gateway decides for each DAG).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDagRulesFixtures } from './dag-rules-fixtures.ts';
import { buildFixtures } from './fixtures.ts';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: write-fixtures.ts <dir>\n');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const set = await buildFixtures();
writeFileSync(join(dir, 'fixtures.json'), JSON.stringify(set, null, 1) + '\n');
writeFileSync(join(dir, 'jwks.json'), JSON.stringify(set.jwks) + '\n');
writeFileSync(join(dir, 'jwks-rotated.json'), JSON.stringify(set.jwks_rotated) + '\n');
writeFileSync(join(dir, 'dag-rules.json'), JSON.stringify(await buildDagRulesFixtures(), null, 1) + '\n');
process.stdout.write(
  `wrote ${Object.keys(set.valid).length + 1} valid and ${Object.keys(set.hostile).length} hostile assertions to ${dir}\n`,
);
