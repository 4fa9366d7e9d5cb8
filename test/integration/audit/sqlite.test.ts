import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { KeyRing } from '../../../src/keys/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { runAuditSuite } from './audit-suite.ts';
import { auditLog } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'airlock-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fresh = async () => {
  const file = join(dir, `${randomBytes(6).toString('hex')}.db`);
  const open = () => openStore({ kind: 'sqlite', path: file, pool: 1 });
  return { store: await open(), reopen: open };
};

runAuditSuite('sqlite (file)', fresh);

describe('audit on sqlite: the store cannot write', () => {
  test('a read-only database: durable writes fail closed with AIRLOCK_AUDIT_UNAVAILABLE; batched reads stay buffered and land once writable', async () => {
    const { store } = await fresh();
    const keys = await KeyRing.generateEphemeral();
    const { audit, metrics } = auditLog(store, keys);
    try {
      await audit.recordDurable({ type: 'request.intent', request_id: 'before' });
      // The process runs as root here, so a chmod would not stop writes; query_only makes SQLite refuse them with
      // SQLITE_READONLY, the same error a read-only file gives.
      await sql`pragma query_only = on`.execute(store.db);
      await assert.rejects(audit.recordDurable({ type: 'request.intent', request_id: 'refused' }), (e: any) => e.code === 'AIRLOCK_AUDIT_UNAVAILABLE' && e.status === 503 && e.cause !== undefined);
      assert.equal(metrics.counts.get('writeFailed:durable'), 1);
      audit.record({ type: 'request', request_id: 'read-1' });
      await assert.rejects(audit.flush(), (e: any) => e.code === 'AIRLOCK_AUDIT_UNAVAILABLE');
      assert.equal(audit.pending, 1, 'the read event is kept for retry');
      await sql`pragma query_only = off`.execute(store.db);
      await audit.flush();
      const ids = (await store.db.selectFrom('audit_events').select('request_id').orderBy('seq').execute()).map((r) => r.request_id);
      assert.deepEqual(ids, ['before', 'read-1'], 'the refused intent was never written');
    } finally {
      await audit.close();
      await store.close();
    }
  });

  test('a full read buffer drops new read events, counted and logged, never silently', async () => {
    const { store } = await fresh();
    const keys = await KeyRing.generateEphemeral();
    const { audit, metrics, log } = auditLog(store, keys, { settings: { max_pending: 3, batch_size: 100 } });
    try {
      await sql`pragma query_only = on`.execute(store.db);
      for (let i = 0; i < 5; i++) audit.record({ type: 'request', request_id: `r${i}` });
      assert.equal(audit.pending, 3);
      assert.equal(metrics.counts.get('dropped:buffer_full'), 2);
      assert.equal(log.lines.filter((l) => l.level === 'error' && /buffer full/.test(l.msg)).length, 2);
      await sql`pragma query_only = off`.execute(store.db);
    } finally {
      await audit.close();
      await store.close();
    }
  });
});
