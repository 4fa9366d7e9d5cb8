/**
 * Added cost of the audit trail per request.  node --import tsx bench/audit.bench.ts
 * Read requests pay record() (an in-memory push; the batch is written off the hot path); mutating requests pay
 * recordDurable() (one transaction) before they are forwarded. Baselines run in the same process: an empty async
 * call (no audit at all) and one bare round trip to the same store (`select 1`).
 * Needs PostgreSQL at $AIRLOCK_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test); uses a scratch schema.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { appendEncoded, AuditLog, buildEvent, canonicalJson, noAuditMetrics, type AuditEventInput } from '../src/audit/index.ts';
import { Secret } from '../src/config/index.ts';
import { auditSchema } from '../src/config/schema/audit.ts';
import { KeyRing } from '../src/keys/index.ts';
import { openStore, type Store } from '../src/store/index.ts';

const PG_URL = process.env.AIRLOCK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const quiet = { info() {}, warn() {}, error() {} };
const event = (i: number): AuditEventInput => ({
  type: 'request.intent',
  request_id: `bench-${i}`,
  actor: { kind: 'person', sub: 'sub-alice', username: 'alice', email: 'alice@example.com', session_id: 'abcdef0123456789', credential_id: 'cred-1' },
  env: 'prod',
  method: 'POST',
  path: '/api/v1/dags/finance_daily/dagRuns',
  resource: 'DAG Runs',
  action: 'trigger',
  dag_ids: ['finance_daily'],
  decision: 'allow',
  reasons: ['role_grants'],
  client_ip: '10.1.2.3',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) bench',
});

async function measure(name: string, n: number, fn: (i: number) => Promise<unknown> | unknown) {
  for (let i = 0; i < Math.min(200, n); i++) await fn(-i - 1); // warm-up
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    await fn(i);
    samples[i] = Number(process.hrtime.bigint() - s);
  }
  samples.sort();
  return { name, median: samples[Math.floor(n / 2)]! / 1000, p99: samples[Math.floor(n * 0.99)]! / 1000 };
}

const settings = auditSchema.parse({ batch_size: 200, checkpoint_every: 1_000_000, max_pending: 10_000_000 });
const keys = await KeyRing.generateEphemeral();
const rows: Awaited<ReturnType<typeof measure>>[] = [];
rows.push(await measure('baseline: no audit (empty async call)', 20_000, async () => undefined));

const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
const schema = `airlock_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
await admin.query(`create schema ${schema}`);
try {
  const backends: [string, () => Promise<Store>][] = [
    ['sqlite', () => openStore({ kind: 'sqlite', path: join(dir, 'bench.db'), pool: 1 })],
    ['postgres', () => openStore({ kind: 'postgres', url: new Secret(`${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, 'bench'), pool: 4 })],
  ];
  for (const [name, open] of backends) {
    const store = await open();
    const audit = new AuditLog({ store, keys, settings, sinks: [], metrics: noAuditMetrics, log: quiet, timers: false });
    rows.push(await measure(`${name}: baseline store round trip (select 1)`, 2_000, () => sql`select 1`.execute(store.db)));
    rows.push(await measure(`${name}: read request, record() (hot path)`, 20_000, (i) => audit.record(event(i))));
    await audit.flush(); // what record() started
    // the batch write as flush() does it: events already built and encoded by record(), 100 batches of 200
    const built = Array.from({ length: 20_000 }, (_, i) => buildEvent(event(i), Date.now()));
    const bodies = built.map((e) => canonicalJson(e));
    const t = process.hrtime.bigint();
    for (let i = 0; i < built.length; i += 200) await appendEncoded(store, built.slice(i, i + 200), bodies.slice(i, i + 200));
    const flushUs = Number(process.hrtime.bigint() - t) / 1000 / built.length;
    rows.push({ name: `${name}: read events, batched write (off hot path, per event)`, median: flushUs, p99: Number.NaN });
    rows.push(await measure(`${name}: mutating request, recordDurable()`, 2_000, (i) => audit.recordDurable(event(i))));
    // concurrency: 8 writers at once (as under load), per-call latency
    const conc: number[] = [];
    for (let round = 0; round < 100; round++) {
      await Promise.all(
        Array.from({ length: 8 }, async (_, j) => {
          const s = process.hrtime.bigint();
          await audit.recordDurable(event(round * 8 + j));
          conc.push(Number(process.hrtime.bigint() - s) / 1000);
        }),
      );
    }
    conc.sort((a, b) => a - b);
    rows.push({ name: `${name}: recordDurable(), 8 concurrent`, median: conc[Math.floor(conc.length / 2)]!, p99: conc[Math.floor(conc.length * 0.99)]! });
    await audit.close();
    await store.close();
  }
} finally {
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}

console.log('| measurement | median µs | p99 µs |');
console.log('|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.median.toFixed(1)} | ${Number.isNaN(r.p99) ? '-' : r.p99.toFixed(1)} |`);
