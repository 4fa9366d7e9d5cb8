import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { fileSink, stdoutSink, webhookSink } from '../../../src/audit/index.ts';
import { Secret } from '../../../src/config/index.ts';
import { KeyRing } from '../../../src/keys/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { auditLog, collectingLog, countingMetrics, sampleEvents } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'airlock-audit-sinks-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T0 = 1_750_000_000_000;

/** A receiver that answers 503 to the first `failFirst` POSTs, then 200; it records every delivered line's seq. */
async function receiver(failFirst: number) {
  const seqs: number[] = [];
  const auth: (string | undefined)[] = [];
  let posts = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      posts++;
      auth.push(req.headers.authorization);
      if (posts <= failFirst) {
        res.writeHead(503).end();
        return;
      }
      for (const line of body.split('\n').filter(Boolean)) seqs.push((JSON.parse(line) as { seq: number }).seq);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/ingest`, seqs, auth, posts: () => posts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('audit live sinks', () => {
  test('webhook: a receiver that fails then recovers gets every event at least once, in chain order; writes never wait', async () => {
    const store = await openStore({ kind: 'sqlite', path: join(dir, 'wh.db'), pool: 1 });
    const keys = await KeyRing.generateEphemeral();
    const rcv = await receiver(3);
    const metrics = countingMetrics();
    const sink = webhookSink({ url: rcv.url, headers: { Authorization: new Secret('Bearer s3cret', 'test') }, batchSize: 7, maxQueue: 1000, timeoutMs: 1000, minBackoffMs: 10, maxBackoffMs: 50, metrics, log: collectingLog() });
    const { audit } = auditLog(store, keys, { sinks: [sink] });
    try {
      const events = sampleEvents(40, T0);
      const t = performance.now();
      for (let i = 0; i < 20; i++) await audit.recordDurable(events[i]!);
      for (let i = 20; i < 40; i++) audit.record(events[i]!);
      await audit.flush();
      assert.ok(performance.now() - t < 2_000, 'recording does not wait for the failing receiver');
      await audit.close(); // drains the sink
      const firstSeen = [...new Set(rcv.seqs)];
      assert.deepEqual(firstSeen, Array.from({ length: 40 }, (_, i) => i + 1), 'every event, in order');
      assert.ok(rcv.posts() > 3, 'it retried after the failures');
      assert.ok((metrics.counts.get(`sinkFailed:${sink.name}`) ?? 0) >= 3);
      assert.equal(metrics.counts.get(`sinkDelivered:${sink.name}`), 40);
      assert.ok(rcv.auth.every((a) => a === 'Bearer s3cret'), 'secret header sent');
    } finally {
      await rcv.close();
      await store.close();
    }
  });

  test('webhook: overflow of the bounded queue is counted and logged, never silent', async () => {
    const metrics = countingMetrics();
    const log = collectingLog();
    const rcv = await receiver(1_000_000); // never accepts
    const sink = webhookSink({ url: rcv.url, headers: {}, batchSize: 10, maxQueue: 5, timeoutMs: 500, minBackoffMs: 10, maxBackoffMs: 20, closeDeadlineMs: 100, metrics, log });
    try {
      const recs = Array.from({ length: 8 }, (_, i) => ({ seq: i + 1, prevHash: '0'.repeat(64), hash: '1'.repeat(64), event: { v: 1 as const, id: `e${i}`, time: T0, type: 'request' as const } }));
      sink.write(recs);
      assert.equal(metrics.counts.get(`sinkDropped:${sink.name}`), 3);
      assert.ok(log.lines.some((l) => l.level === 'error' && /queue full/.test(l.msg) && (l.obj as { firstDroppedSeq?: number }).firstDroppedSeq === 6));
      await sink.close();
      assert.equal(metrics.counts.get(`sinkDropped:${sink.name}`), 8, 'undelivered at shutdown: counted too');
      assert.ok(log.lines.some((l) => l.level === 'error' && /not delivered at shutdown/.test(l.msg)));
    } finally {
      await rcv.close();
    }
  });

  test('file: JSON Lines in chain order, rotated by size, keeping N files', async () => {
    const path = join(dir, 'audit.jsonl');
    const store = await openStore({ kind: 'sqlite', path: join(dir, 'file.db'), pool: 1 });
    const keys = await KeyRing.generateEphemeral();
    const metrics = countingMetrics();
    const sink = fileSink({ path, maxBytes: 2_000, keep: 2, metrics, log: collectingLog() });
    const { audit } = auditLog(store, keys, { sinks: [sink] });
    try {
      for (const e of sampleEvents(30, T0)) {
        await audit.recordDurable(e);
        await new Promise((r) => setTimeout(r, 5)); // let the sink write this one on its own (deterministic rotation points)
      }
      await audit.close();
      const files = readdirSync(dir).filter((f) => f.startsWith('audit.jsonl')).sort();
      assert.deepEqual(files, ['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']);
      const seqsOf = (f: string) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { seq: number }).seq);
      const all = [...seqsOf('audit.jsonl.2'), ...seqsOf('audit.jsonl.1'), ...seqsOf('audit.jsonl')];
      for (let i = 1; i < all.length; i++) assert.equal(all[i], all[i - 1]! + 1, 'consecutive across rotated files');
      assert.equal(all.at(-1), 30);
      assert.ok(all[0]! > 1, 'the oldest rotated file was deleted (keep: 2)');
    } finally {
      await store.close();
    }
  });

  test('stdout: one JSON line per event with seq, hashes and the event', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const sink = stdoutSink(out);
    sink.write([{ seq: 7, prevHash: 'a'.repeat(64), hash: 'b'.repeat(64), event: { v: 1, id: 'x', time: T0, type: 'login' } }]);
    const line = JSON.parse(text.trim());
    assert.deepEqual(line, { kind: 'event', seq: 7, prev_hash: 'a'.repeat(64), hash: 'b'.repeat(64), event: { v: 1, id: 'x', time: T0, type: 'login' } });
  });
});
