/**
 * The audit writer thread of one gateway process (started by ThreadReads, read-writer.ts). It receives the
 * request thread's read events as compact JSON lines and does everything else off the request event loop:
 * builds and cleans each event, encodes its canonical JSON, links it into the ONE hash chain and commits it
 * in batches over its own store connection (SQLite: a second connection to the file; PostgreSQL: a client of
 * its own). Appends serialize in the database with every other writer (AuditChainRepo), so the chain stays
 * one chain across threads, workers and hosts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Secret } from '../../config/index.ts';
import { openStore, type Store } from '../../store/index.ts';
import { appendEncoded } from '../append.ts';
import { canonicalJson } from '../canonical-json.ts';
import { buildEvent, type AuditRecord } from '../event.ts';
import { ReadBatch } from '../read-batch.ts';
import { decodeLine, WRITER_APPLICATION_NAME, type FromWriter, type ToWriter, type WriterInit } from './protocol.ts';

const init = workerData as WriterInit;
const port = parentPort!;
const send = (m: FromWriter) => port.postMessage(m);

let opening: Promise<Store> | undefined;
const store = (): Promise<Store> =>
  (opening ??= openStore(init.store.kind === 'sqlite' ? { kind: 'sqlite', path: init.store.path, pool: 1 } : { kind: 'postgres', url: new Secret(init.store.url, init.store.source), pool: 1 }, { applicationName: WRITER_APPLICATION_NAME }).catch((err: unknown) => {
    opening = undefined; // try again on the next flush
    throw err;
  }));

/** After a failed write only the timer retries (once per flush interval), not every incoming message. */
let failing = false;
let running = false;

const batch = new ReadBatch({
  batchSize: init.batchSize,
  append: async (events, bodies) => appendEncoded(await store(), events, bodies),
  committed: (records: AuditRecord[]) => {
    failing = false;
    send(init.records ? { t: 'written', n: records.length, lastSeq: records.at(-1)!.seq, records } : { t: 'written', n: records.length, lastSeq: records.at(-1)!.seq });
  },
  failed: (cause, queued) => {
    failing = true;
    const code = (cause as { code?: unknown })?.code;
    send({ t: 'failed', message: (cause as Error)?.message ?? String(cause), ...(typeof code === 'string' ? { code } : {}), queued });
  },
});

function write(): void {
  if (running || batch.length === 0) return;
  running = true;
  batch
    .flush()
    .catch(() => undefined) // reported through `failed`
    .finally(() => {
      running = false;
      if (!failing && batch.length >= init.batchSize) write();
    });
}

const timer = setInterval(write, init.flushIntervalMs);

/** Builds, cleans and encodes each event; one that cannot be built (a programmer error) is reported, never silently lost. */
function take(lines: string, n: number): void {
  let invalid = 0;
  let lastError = '';
  let from = 0;
  for (let i = 0; i < n; i++) {
    let to = lines.indexOf('\n', from);
    if (to < 0) to = lines.length;
    try {
      const { now, input } = decodeLine(lines, from, to);
      const event = buildEvent(input, now);
      batch.push(event, canonicalJson(event));
    } catch (err) {
      invalid++;
      lastError = (err as Error).message;
    }
    from = to + 1;
  }
  if (invalid > 0) send({ t: 'invalid', n: invalid, message: lastError });
  if (!failing && batch.length >= init.batchSize) write();
}

port.on('message', (m: ToWriter) => {
  switch (m.t) {
    case 'events':
      take(m.lines, m.n);
      return;
    case 'flush':
      batch.flush().then(
        () => send({ t: 'flushed', id: m.id, ok: true }),
        (err: Error) => send({ t: 'flushed', id: m.id, ok: false, message: (err.cause as Error | undefined)?.message ?? err.message }),
      );
      return;
    case 'close':
      clearInterval(timer);
      void batch
        .flush()
        .then(
          () => ({ dropped: 0, message: undefined as string | undefined }),
          (err: Error) => ({ dropped: batch.discard(), message: (err.cause as Error | undefined)?.message ?? err.message }),
        )
        .then(async (r) => {
          if (opening) await opening.then((s) => s.close(), () => undefined);
          send({ t: 'closed', id: m.id, dropped: r.dropped, ...(r.message !== undefined ? { message: r.message } : {}) });
        });
      return;
  }
});
