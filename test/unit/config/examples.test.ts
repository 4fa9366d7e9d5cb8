import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.ts';

const dir = fileURLToPath(new URL('../../../examples/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

test('the documented example set is present', () => {
  for (const f of ['okta.yaml', 'auth0.yaml', 'entra-id.yaml', 'keycloak.yaml', 'google.yaml']) assert.ok(files.includes(f), f);
});

for (const file of files) {
  test(`examples/${file} validates (with the env vars it references)`, async () => {
    const text = readFileSync(join(dir, file), 'utf8');
    const env: NodeJS.ProcessEnv = {};
    for (const m of text.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      env[m[1]!] = m[1] === 'AIRLOCK_DATABASE_URL' ? 'postgres://airlock:pw@db.internal/airlock' : `value-of-${m[1]}`;
    }
    const cfg = await loadConfig(join(dir, file), { env });
    const envs = Object.values(cfg.environments);
    assert.equal(envs.length, 2);
    assert.deepEqual(envs.map((e) => e.airflow).sort(), [2, 3]);
    assert.equal(cfg.environments.prod?.airflow, 2);
    assert.equal(cfg.environments.dev?.airflow, 3);
    if (file === 'keycloak.yaml') assert.match(cfg.environments.prod?.tls?.ca ?? '', /^-----BEGIN CERTIFICATE-----/, 'an https upstream with a private CA');
  });
}
