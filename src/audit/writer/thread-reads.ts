import { Worker } from 'node:worker_threads';
import type { StoreConfig } from '../../config/index.ts';
import { AuditUnavailable } from '../errors.ts';
import { AUDIT_EVENT_TYPES, type AuditEventInput, type AuditRecord } from '../event.ts';
import type { AuditLogger, AuditMetrics } from '../metrics.ts';
import { encodeLine, type FromWriter, type ToWriter, type WriterInit } from './protocol.ts';

export interface ThreadReadsOptions {
  /** The store the writer thread opens its own connection to (the one the request thread uses). */
  readonly store: StoreConfig;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  /** Events recorded but not yet committed, at most; beyond this new ones are dropped, counted and logged. */
  readonly maxPending: number;
  /** Receive the committed records (for the live sinks). */
  readonly records: boolean;
  readonly committed: (n: number, lastSeq: number, records: AuditRecord[] | undefined) => void;
  readonly metrics: AuditMetrics;
  readonly log: AuditLogger;
}

/** Staged lines are posted to the writer this often (one message for all of them) … */
const POST_EVERY_MS = 10;
/** … or at once when this many are staged. */
const POST_AT = 256;
const RESPAWN_MS = 1_000;
/** How long close() waits for the writer to commit what is queued (SIGTERM). */
export const WRITER_CLOSE_DEADLINE_MS = 10_000;
const DROP_LOG_EVERY_MS = 1_000;
/** The writer counts as stalled (warned once) when it commits nothing for 5 flush intervals, at least this long. */
const STALL_MIN_MS = 2_000;

type Reply = { ok: boolean; dropped: number; message?: string | undefined };

const TYPES: ReadonlySet<string> = new Set(AUDIT_EVENT_TYPES);

/**
 * The request thread's side of the off-thread read path. record() costs one JSON.stringify of a compact tuple
 * (encodeLine) and an array push; the lines staged over POST_EVERY_MS go to the writer thread in one message (writer-thread.ts builds,
 * encodes, hashes and commits them). The backlog (staged + posted, not yet committed) is bounded by
 * maxPending: beyond it events are dropped, counted (`dropped{reason="buffer_full"}`) and logged at most once
 * a second. A writer thread that dies is restarted; the events it held are counted as `writer_failed`.
 */
export class ThreadReads {
  readonly #o: ThreadReadsOptions;
  readonly #init: WriterInit;
  readonly #stallMs: number;
  #worker: Worker | undefined;
  #lines: string[] = [];
  #scheduled = false;
  /** Posted to the writer and not yet reported written, invalid or dropped. */
  #inFlight = 0;
  readonly #waiters = new Map<number, (r: Reply) => void>();
  #nextId = 1;
  #refs = 0;
  #closed = false;
  #lastProgress = 0;
  #stallWarned = false;
  #drops = 0;
  #dropLoggedAt = 0;
  #respawn: NodeJS.Timeout | undefined;

  constructor(opts: ThreadReadsOptions) {
    const s = opts?.store;
    if (!s || (s.kind !== 'sqlite' && s.kind !== 'postgres')) throw new TypeError('ThreadReads: a store config is required');
    if (s.kind === 'sqlite' && s.path === ':memory:') throw new TypeError('ThreadReads: an in-memory SQLite store cannot be opened by a second connection; write reads inline');
    this.#o = opts;
    this.#init = {
      store: s.kind === 'sqlite' ? { kind: 'sqlite', path: s.path } : { kind: 'postgres', url: s.url.reveal(), source: s.url.source },
      batchSize: opts.batchSize,
      flushIntervalMs: opts.flushIntervalMs,
      records: opts.records,
    };
    this.#stallMs = Math.max(STALL_MIN_MS, 5 * opts.flushIntervalMs);
    this.#spawn();
  }

  /** Events recorded and not yet committed (staged on this thread or queued in the writer). */
  get backlog(): number {
    return this.#lines.length + this.#inFlight;
  }

  /** The hot path: validate the type, encode, stage. Never blocks; a full backlog drops (counted, logged). */
  record(input: AuditEventInput, now: number): void {
    if (!input || !TYPES.has(input.type)) throw new TypeError(`audit: unknown event type ${String(input?.type)}`);
    if (this.#lines.length + this.#inFlight >= this.#o.maxPending) return this.#drop();
    this.#lines.push(encodeLine(input, now));
    if (this.#lines.length >= POST_AT) this.#post();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setTimeout(this.#postStaged, POST_EVERY_MS);
    }
  }

  /** Resolves when every event recorded before the call is committed; rejects with AIRLOCK_AUDIT_UNAVAILABLE when the writer cannot write them (they stay queued). */
  async flush(): Promise<void> {
    this.#post();
    const r = await this.#ask('flush');
    if (!r.ok) throw AuditUnavailable.create({ cause: new Error(r.message), logMessage: 'audit: the writer thread could not write the queued read events; kept for retry' });
  }

  /** Called every flush interval: posts what is staged, reports the backlog, warns once when the writer makes no progress. */
  tick(now: number = Date.now()): void {
    this.#post();
    this.#o.metrics.backlog(this.backlog);
    if (this.#inFlight > 0 && !this.#stallWarned && now - this.#lastProgress > this.#stallMs) {
      this.#stallWarned = true;
      this.#o.log.warn({ backlog: this.backlog, sinceMs: now - this.#lastProgress }, 'audit: the writer thread has committed nothing for a while (store slow or locked); read events are queued');
    }
    if (this.#drops > 0 && now - this.#dropLoggedAt >= DROP_LOG_EVERY_MS) this.#logDrops(now);
  }

  /** SIGTERM: the writer commits everything recorded so far (within WRITER_CLOSE_DEADLINE_MS), then stops. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#respawn);
    if (!this.#worker) this.#spawn();
    this.#post();
    const w = this.#worker!;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Reply>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, dropped: this.backlog, message: `the writer did not finish within ${WRITER_CLOSE_DEADLINE_MS} ms` }), WRITER_CLOSE_DEADLINE_MS);
    });
    const r = await Promise.race([this.#ask('close'), late]);
    clearTimeout(timer);
    if (this.#drops > 0) this.#logDrops(Date.now());
    if (r.dropped > 0) {
      this.#o.metrics.dropped('shutdown', r.dropped);
      this.#o.log.error({ events: r.dropped, err: { message: r.message } }, 'audit: buffered read events could not be written at shutdown');
    }
    this.#inFlight = 0;
    this.#o.metrics.backlog(0);
    this.#worker = undefined;
    await w.terminate();
  }

  readonly #postStaged = (): void => {
    this.#scheduled = false;
    this.#post();
  };

  #post(): void {
    const n = this.#lines.length;
    if (n === 0 || !this.#worker) return;
    const lines = n === 1 ? this.#lines[0]! : this.#lines.join('\n');
    this.#lines = [];
    if (this.#inFlight === 0) this.#lastProgress = Date.now();
    this.#inFlight += n;
    this.#worker.postMessage({ t: 'events', n, lines } satisfies ToWriter);
  }

  #ask(t: 'flush' | 'close'): Promise<Reply> {
    if (!this.#worker) {
      clearTimeout(this.#respawn);
      this.#spawn();
    }
    const id = this.#nextId++;
    if (this.#refs++ === 0) this.#worker!.ref(); // an awaited answer keeps the process alive
    return new Promise<Reply>((resolve) => {
      this.#waiters.set(id, (r) => {
        if (--this.#refs === 0) this.#worker?.unref();
        resolve(r);
      });
      this.#worker!.postMessage({ t, id } satisfies ToWriter);
    });
  }

  #spawn(): void {
    const w = startWriterThread(this.#init);
    this.#worker = w;
    if (this.#refs === 0) w.unref(); // the gateway closes it on shutdown; it never holds a process open on its own
    w.on('message', (m: FromWriter) => this.#onMessage(m));
    w.on('error', (err: Error) => this.#o.log.error({ err: { message: err.message } }, 'audit: the writer thread failed'));
    w.on('exit', (code) => this.#onExit(w, code));
    this.#post();
  }

  #onMessage(m: FromWriter): void {
    switch (m.t) {
      case 'written':
        this.#inFlight -= m.n;
        this.#lastProgress = Date.now();
        this.#stallWarned = false;
        this.#o.committed(m.n, m.lastSeq, m.records);
        return;
      case 'failed':
        this.#o.metrics.writeFailed('batched');
        this.#o.log.error({ queued: m.queued, err: { message: m.message, code: m.code } }, 'audit: batch write failed; will retry');
        return;
      case 'invalid':
        this.#inFlight -= m.n;
        this.#o.metrics.dropped('invalid', m.n);
        this.#o.log.error({ events: m.n, err: { message: m.message } }, 'audit: the writer could not build recorded events (a bug); dropped');
        return;
      case 'flushed':
      case 'closed': {
        const w = this.#waiters.get(m.id);
        this.#waiters.delete(m.id);
        w?.({ ok: m.t === 'flushed' ? m.ok : m.dropped === 0, dropped: m.t === 'closed' ? m.dropped : 0, message: m.message });
        return;
      }
    }
  }

  #onExit(w: Worker, code: number): void {
    if (w !== this.#worker) return; // terminated by close()
    this.#worker = undefined;
    const lost = this.#inFlight;
    this.#inFlight = 0;
    if (lost > 0) this.#o.metrics.dropped('writer_failed', lost);
    this.#o.log.error({ code, lost }, 'audit: the writer thread exited; the read events it held are lost; restarting it');
    const waiters = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const resolve of waiters) resolve({ ok: false, dropped: 0, message: 'the audit writer thread exited' });
    if (!this.#closed) {
      this.#respawn = setTimeout(() => this.#spawn(), RESPAWN_MS);
      this.#respawn.unref();
    }
  }

  #drop(): void {
    this.#o.metrics.dropped('buffer_full', 1);
    this.#drops++;
    const now = Date.now();
    if (now - this.#dropLoggedAt >= DROP_LOG_EVERY_MS) this.#logDrops(now);
  }

  #logDrops(now: number): void {
    this.#o.log.error({ dropped: this.#drops, backlog: this.backlog, maxPending: this.#o.maxPending }, 'audit: read-event backlog full (store not writing or writer behind); events dropped');
    this.#drops = 0;
    this.#dropLoggedAt = now;
  }
}

/**
 * The writer thread's V8 young generation, MB (V8's default for a thread is about 3x larger). Under load it keeps the
 * gateway worker's RSS about 20 MB lower; the writer's CPU per event stays the same (docs/benchmarks.md, "Memory
 * with 100k live sessions"). No old-generation limit: a thread over it would be killed with the events it holds.
 */
const WRITER_YOUNG_GENERATION_MB = 16;

/**
 * Starts writer-thread.ts. From the sources (run through tsx, which a worker thread does not inherit) the
 * thread registers tsx before importing it; from dist/ it is plain JavaScript.
 */
function startWriterThread(init: WriterInit): Worker {
  const self = import.meta.url;
  const opts = { workerData: init, name: 'airlock-audit-writer', resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB } };
  if (self.endsWith('.ts')) {
    const entry = new URL('./writer-thread.ts', self).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { ...opts, eval: true });
  }
  return new Worker(new URL('./writer-thread.js', self), opts);
}
