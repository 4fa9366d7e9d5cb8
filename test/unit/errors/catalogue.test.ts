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

test('every registered error code is documented in docs/errors.md with its status', async () => {
  await loadAllAreas();
  for (const file of await listTs(new URL('./', SRC))) {
    if (file.includes('/cli/') || !/errors?\.ts$/.test(file)) continue;
    await import(file);
  }
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
