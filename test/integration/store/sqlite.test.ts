import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { migrations, openStore } from '../../../src/store/index.ts';
import { runStoreSuite } from './suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'airlock-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'airlock.db');

runStoreSuite('sqlite (file)', () => openStore({ kind: 'sqlite', path: file, pool: 1 }));

describe('sqlite specifics', () => {
  test('the file is opened in WAL mode with busy_timeout and foreign keys on', async () => {
    const s = await openStore({ kind: 'sqlite', path: join(dir, 'pragmas.db'), pool: 1 });
    try {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(s.db);
      assert.equal(mode.rows[0]!.journal_mode, 'wal');
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(s.db);
      assert.equal(fk.rows[0]!.foreign_keys, 1);
      const bt = await sql<{ timeout: number }>`pragma busy_timeout`.execute(s.db);
      assert.ok(bt.rows[0]!.timeout >= 1000);
    } finally {
      await s.close();
    }
  });

  test(':memory: works and is private to its opener', async () => {
    const a = await openStore({ kind: 'sqlite', path: ':memory:', pool: 1 });
    const b = await openStore({ kind: 'sqlite', path: ':memory:', pool: 1 });
    try {
      await a.users.upsertLogin({ sub: 's', username: 'u', email: null, name: null, groups: [], at: 1 });
      assert.notEqual(await a.users.get('s'), undefined);
      assert.equal(await b.users.get('s'), undefined);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a path that cannot be opened is AIRLOCK_STORE_UNAVAILABLE', async () => {
    await assert.rejects(
      openStore({ kind: 'sqlite', path: join(dir, 'no', 'such', 'dir', 'x.db'), pool: 1 }),
      (e: any) => e.code === 'AIRLOCK_STORE_UNAVAILABLE' && e.status === 503 && e.cause !== undefined,
    );
  });

  test('an empty path is a programmer error (TypeError)', async () => {
    await assert.rejects(openStore({ kind: 'sqlite', path: '', pool: 1 }), TypeError);
  });

  test('two processes opening one fresh file at once: one migrates, both work', async () => {
    const shared = join(dir, 'multi.db');
    const script = fileURLToPath(new URL('./fixtures/open-and-write.ts', import.meta.url));
    const run = (n: number) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', script, shared, String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('close', (code) => resolve({ code, out, err }));
      });
    const results = await Promise.all([run(1), run(2)]);
    for (const r of results) assert.equal(r.code, 0, r.err);
    const applied = results.flatMap((r) => JSON.parse(r.out).applied as string[]);
    assert.deepEqual(applied, migrations.map((m) => m.name), 'exactly one process applies each migration');
    const s = await openStore({ kind: 'sqlite', path: shared, pool: 1 });
    try {
      const names = await s.db.selectFrom('airlock_migrations').select('name').execute();
      assert.equal(names.length, migrations.length);
      const users = await s.db.selectFrom('users').select('sub').orderBy('sub').execute();
      assert.deepEqual(users.map((u) => u.sub), ['proc-1', 'proc-2']);
    } finally {
      await s.close();
    }
  });
});
