import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { registeredErrors } from '../../../src/errors/index.ts';

const SRC = new URL('../../../src/', import.meta.url);

/** Loads every area's public face so that each registers its error codes. */
async function loadAllAreas(): Promise<void> {
  for (const area of await readdir(SRC)) {
    try {
      await readFile(new URL(`${area}/index.ts`, SRC));
    } catch {
      continue;
    }
    await import(new URL(`${area}/index.ts`, SRC).href);
  }
}

/** Every area's index and every errors.ts file: all the codes the gateway can raise. */
async function loadAllCodes(): Promise<void> {
  await loadAllAreas();
  for (const file of await listTs(new URL('./', SRC))) {
    if (file.includes('/cli/') || !/errors?\.ts$/.test(file)) continue;
    await import(file);
  }
}

test('every registered error code is documented in docs/errors.md with its status', async () => {
  await loadAllCodes();
  const doc = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const errors = registeredErrors();
  assert.ok(errors.length > 20, `expected the areas to register their codes, got ${errors.length}`);
  const missing: string[] = [];
  for (const e of errors) {
    const row = doc.split('\n').find((l) => l.includes(`\`${e.code}\``) || l.includes(`| ${e.code} |`));
    if (!row) missing.push(`${e.code} (not listed)`);
    else if (!row.includes(String(e.status))) missing.push(`${e.code} (status ${e.status} not in its row)`);
  }
  assert.deepEqual(missing, [], `docs/errors.md is missing:\n${missing.join('\n')}`);
});

test('docs/errors.md lists each code once, and only codes that exist (gateway or the Python integration)', async () => {
  await loadAllCodes();
  const doc = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const python = await readFile(new URL('../../../integrations/airflow/src/airflow_airlock/errors.py', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `(AIRLOCK_[A-Z0-9_]+)`/gm)].map((m) => m[1]!);
  assert.ok(rows.length > 20);
  const seen = new Set<string>();
  const twice = rows.filter((c) => (seen.has(c) ? true : (seen.add(c), false)));
  assert.deepEqual(twice, [], 'codes with more than one row');
  const registered = new Set(registeredErrors().map((e) => e.code));
  const stale = rows.filter((c) => !registered.has(c) && !python.includes(`"${c}"`));
  assert.deepEqual(stale, [], 'rows for codes nothing raises');
});

test('error codes follow AIRLOCK_<AREA>_<WHAT> and statuses are HTTP statuses', () => {
  for (const e of registeredErrors()) {
    assert.match(e.code, /^AIRLOCK_[A-Z0-9]+(_[A-Z0-9]+)+$/);
    assert.ok(e.status >= 400 && e.status <= 599, `${e.code} has status ${e.status}`);
    assert.ok(e.message.length > 0 && !/\bat \S+\.ts:\d+/.test(e.message), `${e.code} message must be client-safe`);
  }
});

async function listTs(dir: URL): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const url = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    if (entry.isDirectory()) out.push(...(await listTs(url)));
    else if (entry.name.endsWith('.ts')) out.push(url.href);
  }
  return out;
}
