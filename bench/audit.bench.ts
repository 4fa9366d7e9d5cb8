/**
 * Added cost of the audit trail per request.  node --import tsx bench/audit.bench.ts
 * Read requests pay record(); their events are written in batches, either by the audit writer thread (the
 * gateway's default, `audit.writer: thread`: the request thread only encodes the input and posts it) or on the
 * request thread itself (`audit.writer: inline`, the path before #15). Both run here, in the same process, on
 * the same store. Mutating requests pay recordDurable() (one transaction) before they are forwarded.
 * Baselines run in the same process: an empty async call (no audit at all) and one bare round trip to the
 * same store (`select 1`).
 * "load" rows: 20,000 read events recorded 64 per event-loop turn (as under load), until all are committed;
 * "request thread" is the main thread's CPU time (Linux /proc schedstat) per event, "total CPU" the process's
 * (all threads: process.cpuUsage), both minus the same loop recording nothing. CPU time, not wall time, so a
 * busy machine changes them little.
 * PostgreSQL's own CPU (another process) is not in these figures.
 * Needs PostgreSQL at $AIRLOCK_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test); uses a scratch schema.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { appendEncoded, AuditLog, buildEvent, canonicalJson, noAuditMetrics, verifyChain, type AuditEventInput } from '../src/audit/index.ts';
import { Secret, type StoreConfig } from '../src/config/index.ts';
import { auditSchema } from '../src/config/schema/audit.ts';
import { KeyRing } from '../src/keys/index.ts';
import { openStore, type Store } from '../src/store/index.ts';

const PG_URL = process.env.AIRLOCK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const quiet = { info() {}, warn() {}, error() {} };
const event = (i: number, type: AuditEventInput['type'] = 'request.intent'): AuditEventInput => ({
  type,
  request_id: `bench-${i}`,
  actor: { kind: 'person', sub: 'sub-alice', username: 'alice', email: 'alice@example.com', session_id: 'abcdef0123456789', credential_id: 'cred-1' },
  env: 'prod',
  method: type === 'request' ? 'GET' : 'POST',
  path: '/api/v1/dags/finance_daily/dagRuns',
  resource: 'DAG Runs',
  action: 'trigger',
  dag_ids: ['finance_daily'],
  decision: 'allow',
  reasons: ['role_grants'],
  client_ip: '10.1.2.3',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) bench',
  ...(type === 'request' ? { status: 200, upstream_status: 200, latency_ms: 1.234 } : {}),
});
const read = (i: number) => event(i, 'request');
const turn = () => new Promise<void>((r) => setImmediate(r));

/** CPU time of this process's main thread (the request thread), ns: Linux schedstat, unaffected by other load on the machine. */
const mainThreadNs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);

/** Records n read events, 64 per event-loop turn, then waits until they are committed: request-thread CPU µs and total CPU µs per event. */
async function load(n: number, record: (i: number) => void, done: () => Promise<void>): Promise<{ thread: number; cpu: number }> {
  const main0 = mainThreadNs();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    record(i);
    if ((i & 63) === 63) await turn();
  }
  await done();
  const main = mainThreadNs() - main0;
  const cpu = process.cpuUsage(cpu0);
  return { thread: main / 1000 / n, cpu: (cpu.user + cpu.system) / n };
}

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
const rows: { name: string; median: number; p99: number }[] = [];
const loadRows: { name: string; thread: number; cpu: number }[] = [];
rows.push(await measure('baseline: no audit (empty async call)', 20_000, async () => undefined));
const N = 20_000;
const idle = await load(N, () => undefined, async () => undefined); // the loop itself, subtracted below

const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
const schema = `airlock_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
await admin.query(`create schema ${schema}`);
try {
  const backends: [string, StoreConfig][] = [
    ['sqlite', { kind: 'sqlite', path: join(dir, 'bench.db'), pool: 1 }],
    ['postgres', { kind: 'postgres', url: new Secret(`${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, 'bench'), pool: 4 }],
  ];
  for (const [name, cfg] of backends) {
    const store: Store = await openStore(cfg);
    const inline = new AuditLog({ store, keys, settings, sinks: [], metrics: noAuditMetrics, log: quiet, timers: false });
    const threaded = new AuditLog({ store, keys, settings, sinks: [], metrics: noAuditMetrics, log: quiet, timers: false, writerThread: { store: cfg } });
    for (let i = 0; i < 2_000; i++) threaded.record(read(-i - 1)); // start the writer thread, warm both paths
    await threaded.flush();
    rows.push(await measure(`${name}: baseline store round trip (select 1)`, 2_000, () => sql`select 1`.execute(store.db)));
    rows.push(await measure(`${name}: read request, record() inline (hot path; the batch write also runs on this thread)`, N, (i) => inline.record(read(i))));
    await inline.flush(); // what record() started
    rows.push(await measure(`${name}: read request, record() off-thread (hot path; written by the writer thread)`, N, (i) => threaded.record(read(i))));
    await threaded.flush();
    // the batch write as the inline flush() does it: events already built and encoded by record(), 100 batches of 200
    const built = Array.from({ length: N }, (_, i) => buildEvent(read(i), Date.now()));
    const bodies = built.map((e) => canonicalJson(e));
    const t = process.hrtime.bigint();
    for (let i = 0; i < built.length; i += 200) await appendEncoded(store, built.slice(i, i + 200), bodies.slice(i, i + 200));
    const flushUs = Number(process.hrtime.bigint() - t) / 1000 / built.length;
    rows.push({ name: `${name}: read events, batched write (inline: on the request thread, per event)`, median: flushUs, p99: Number.NaN });
    // under load: the request thread's share and the total CPU, per read event, same run
    for (const [label, log] of [['inline', inline], ['off-thread', threaded]] as const) {
      const r = await load(N, (i) => log.record(read(i)), () => log.flush());
      loadRows.push({ name: `${name}: ${label}`, thread: r.thread - idle.thread, cpu: r.cpu - idle.cpu });
    }
    rows.push(await measure(`${name}: mutating request, recordDurable()`, 2_000, (i) => inline.recordDurable(event(i))));
    // concurrency: 8 writers at once (as under load), per-call latency
    const conc: number[] = [];
    for (let round = 0; round < 100; round++) {
      await Promise.all(
        Array.from({ length: 8 }, async (_, j) => {
          const s = process.hrtime.bigint();
          await inline.recordDurable(event(round * 8 + j));
          conc.push(Number(process.hrtime.bigint() - s) / 1000);
        }),
      );
    }
    conc.sort((a, b) => a - b);
    rows.push({ name: `${name}: recordDurable(), 8 concurrent`, median: conc[Math.floor(conc.length / 2)]!, p99: conc[Math.floor(conc.length * 0.99)]! });
    await threaded.close();
    await inline.close();
    const v = await verifyChain(store);
    if (!v.ok) throw new Error(`${name}: the chain does not verify: ${JSON.stringify(v.problems.slice(0, 3))}`);
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
console.log('');
console.log(`| ${N} read events under load | request thread µs/event | total CPU µs/event |`);
console.log('|---|---:|---:|');
for (const r of loadRows) console.log(`| ${r.name} | ${r.thread.toFixed(1)} | ${r.cpu.toFixed(1)} |`);
