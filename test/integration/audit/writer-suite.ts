import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildEvent, queryEvents, verifyChain, type AuditRecord, type AuditSink } from '../../../src/audit/index.ts';
import type { StoreConfig } from '../../../src/config/index.ts';
import { KeyRing } from '../../../src/keys/index.ts';
import type { Store } from '../../../src/store/index.ts';
import { auditLog } from './fixtures.ts';

/** A fresh chain: the store (request thread's connection), its config (for writer threads), another connection, and a way to hold the chain's write lock from outside. */
export type FreshChain = () => Promise<{ store: Store; cfg: StoreConfig; reopen(): Promise<Store>; lockChain(): Promise<() => Promise<void>> }>;

const AUDIT_UNAVAILABLE = (e: any) => e.code === 'AIRLOCK_AUDIT_UNAVAILABLE' && e.status === 503;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const readOf = (i: number, who = 'alice', prefix = 'r') => ({
  type: 'request' as const,
  request_id: `${prefix}-${i}`,
  actor: { kind: 'person' as const, sub: `sub-${who}`, username: who, session_id: `sess-${who}` },
  env: 'prod',
  method: 'GET',
  path: `/api/v1/dags/dag_${i % 7}`,
  resource: 'DAGs',
  action: 'read',
  dag_ids: [`dag_${i % 7}`],
  decision: i % 5 === 0 ? 'deny' : 'allow',
  reasons: [i % 5 === 0 ? 'no_permission' : 'role_grants'],
  status: i % 5 === 0 ? 403 : 200,
  latency_ms: 0.5 + i,
  client_ip: '10.0.0.7',
  user_agent: `ua-${i}\t\n`,
});

async function requestIds(store: Store): Promise<string[]> {
  return (await store.db.selectFrom('audit_events').select('request_id').orderBy('seq').execute()).map((r) => r.request_id ?? '');
}

/** The off-thread read path (audit writer thread), run against SQLite and PostgreSQL. */
export function runWriterSuite(name: string, fresh: FreshChain): void {
  describe(`audit writer thread: ${name}`, () => {
    let keys: KeyRing;
    const cleanup: (() => Promise<unknown>)[] = [];
    before(async () => {
      keys = await KeyRing.generateEphemeral();
    });
    after(async () => {
      for (const c of cleanup.reverse()) await c().catch(() => undefined);
    });
    const chain = async () => {
      const c = await fresh();
      cleanup.push(() => c.store.close());
      return c;
    };

    test('reads recorded on the request thread are written by the writer thread in record order, to sinks and under checkpoints, and verify', async () => {
      const { store, cfg } = await chain();
      const seen: AuditRecord[] = [];
      const sink: AuditSink = { name: 'collect', write: (r) => void seen.push(...r), close: async () => {} };
      const { audit, metrics } = auditLog(store, keys, { writerThread: cfg, sinks: [sink], settings: { batch_size: 64, checkpoint_every: 100 } });
      const n = 250;
      for (let i = 0; i < n; i++) audit.record(readOf(i));
      await audit.flush();
      assert.equal(audit.pending, 0);
      assert.equal(metrics.counts.get('written:batched'), n);
      assert.deepEqual(await requestIds(store), Array.from({ length: n }, (_, i) => `r-${i}`));
      // the event the writer built is the one the inline path builds from the same input
      const [first] = await queryEvents(store, { requestId: 'r-3' });
      const inline = buildEvent(readOf(3), first!.event.time);
      assert.deepEqual({ ...first!.event, id: '-' }, { ...inline, id: '-' });
      assert.match(first!.event.user_agent!, /^ua-3\uFFFD\uFFFD$/, 'control characters cleaned by the writer as by the inline path');
      // sinks get every committed record, in chain order, with the stored hashes
      const rows = await store.db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq').execute();
      assert.deepEqual(seen.map((r) => [r.seq, r.hash]), rows.map((r) => [Number(r.seq), r.hash]));
      // the writer's commits drive the checkpoints (every 100 events here), before any shutdown
      const checkpoints = () => store.db.selectFrom('audit_checkpoints').select('seq').execute();
      for (let i = 0; i < 100 && (await checkpoints()).length === 0; i++) await sleep(20);
      assert.ok((await checkpoints()).some((c) => Number(c.seq) >= 100), 'a checkpoint once 100 events were committed');
      await audit.close(); // a last checkpoint at the end, if the chain grew since
      const v = await verifyChain(store);
      assert.deepEqual(v.problems, []);
      assert.equal(v.events, n);
      assert.equal(v.lastCheckpointSeq, n);
      assert.equal(v.unanchoredTail, 0);
    });

    test('three workers: mutations (durable, request thread) interleaved with reads (writer threads) form one chain without gaps or forks', async () => {
      const { store, cfg, reopen } = await chain();
      const logs = [auditLog(store, keys, { writerThread: cfg }).audit];
      for (let w = 1; w < 3; w++) {
        const s = await reopen();
        cleanup.push(() => s.close());
        logs.push(auditLog(s, keys, { writerThread: cfg }).audit);
      }
      const rounds = 40;
      for (let i = 0; i < rounds; i++) {
        await Promise.all(
          logs.map(async (log, w) => {
            for (let j = 0; j < 5; j++) log.record(readOf(i * 5 + j, `u${w}`, `w${w}-read`));
            const r = await log.recordDurable({ type: 'request.intent', request_id: `w${w}-mut-${i}`, method: 'POST', actor: { kind: 'person', sub: `sub-u${w}`, username: `u${w}` } });
            // durable means committed when it resolves, whatever the writer threads are doing
            const row = await store.db.selectFrom('audit_events').select('request_id').where('seq', '=', r.seq).executeTakeFirst();
            assert.equal(row?.request_id, `w${w}-mut-${i}`);
          }),
        );
      }
      await Promise.all(logs.map((l) => l.flush()));
      const ids = await requestIds(store);
      assert.equal(ids.length, 3 * rounds * 6);
      const seqs = (await store.db.selectFrom('audit_events').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));
      assert.deepEqual(seqs, Array.from({ length: ids.length }, (_, i) => i + 1), 'positions 1..N, no gap, no duplicate');
      for (let w = 0; w < 3; w++) {
        const reads = ids.filter((id) => id.startsWith(`w${w}-read-`));
        assert.deepEqual(reads, Array.from({ length: rounds * 5 }, (_, i) => `w${w}-read-${i}`), `worker ${w}: its reads in the order it recorded them`);
        assert.equal(ids.filter((id) => id.startsWith(`w${w}-mut-`)).length, rounds);
      }
      for (const l of logs) await l.close();
      const v = await verifyChain(store);
      assert.deepEqual(v.problems, []);
      assert.equal(v.ok, true);
    });

    test('a stalled writer (chain lock held elsewhere): record() never waits, the backlog stops at max_pending, overflow is counted and logged; the queue lands once the lock is free', async () => {
      const { store, cfg, lockChain } = await chain();
      const { audit, metrics, log } = auditLog(store, keys, { writerThread: cfg, timers: true, settings: { max_pending: 50, batch_size: 10, flush_interval: '100ms' } });
      await audit.flush(); // the writer thread is up
      const unlock = await lockChain();
      try {
        for (let i = 0; i < 80; i++) audit.record(readOf(i));
        assert.equal(audit.pending, 50, 'the backlog is bounded');
        assert.equal(metrics.counts.get('dropped:buffer_full'), 30, 'every event beyond it is counted');
        const full = log.lines.filter((l) => /backlog full/.test(l.msg));
        assert.equal(full.length, 1, 'logged once, not once per event');
        await sleep(2_600); // > 5 flush intervals and the 2 s minimum: the stall is reported
        assert.equal(metrics.counts.get('backlog'), 50, 'the backlog gauge');
        assert.equal(log.lines.filter((l) => l.level === 'warn' && /committed nothing/.test(l.msg)).length, 1, 'the stall is warned once');
        assert.deepEqual(await requestIds(store), [], 'nothing written while the lock is held');
      } finally {
        await unlock();
      }
      await audit.flush();
      assert.equal(audit.pending, 0);
      assert.deepEqual(await requestIds(store), Array.from({ length: 50 }, (_, i) => `r-${i}`), 'the first max_pending reads, in order');
      await audit.close();
      const dropLogged = log.lines.filter((l) => /backlog full/.test(l.msg)).reduce((n, l) => n + (l.obj as { dropped: number }).dropped, 0);
      assert.equal(dropLogged, 30, 'the logs account for every dropped event');
      assert.equal((await verifyChain(store)).ok, true);
    });

    test('close() (SIGTERM) commits everything recorded, even with a long flush interval and a large batch', async () => {
      const { store, cfg } = await chain();
      const { audit, metrics } = auditLog(store, keys, { writerThread: cfg, timers: true, settings: { flush_interval: '1h', batch_size: 10_000 } });
      for (let i = 0; i < 300; i++) audit.record(readOf(i));
      await sleep(100);
      assert.deepEqual(await requestIds(store), [], 'nothing written before the batch is full or the interval passed');
      await audit.close();
      assert.equal(metrics.counts.get('written:batched'), 300);
      assert.deepEqual(await requestIds(store), Array.from({ length: 300 }, (_, i) => `r-${i}`));
      assert.equal((await verifyChain(store)).ok, true);
      audit.record(readOf(999));
      assert.equal(metrics.counts.get('dropped:closed'), 1, 'after close: counted, not queued');
    });
  });

}
