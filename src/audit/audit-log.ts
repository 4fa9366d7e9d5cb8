import type { AirlockConfig, StoreConfig } from '../config/index.ts';
import type { KeyRing } from '../keys/index.ts';
import type { Store } from '../store/index.ts';
import { appendEncoded, appendEvents } from './append.ts';
import { canonicalJson } from './canonical-json.ts';
import { writeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { AuditUnavailable } from './errors.ts';
import { buildEvent, type AuditEventInput, type AuditRecord } from './event.ts';
import type { AuditLogger, AuditMetrics } from './metrics.ts';
import { pruneBefore, type PruneResult } from './prune.ts';
import { ReadBatch } from './read-batch.ts';
import type { AuditSink } from './sinks/sink.ts';
import { ThreadReads } from './writer/thread-reads.ts';

export type AuditSettings = AirlockConfig['audit'];

export interface AuditLogOptions {
  readonly store: Store;
  readonly settings: AuditSettings;
  /** Signs checkpoints. */
  readonly keys: KeyRing;
  readonly sinks: readonly AuditSink[];
  readonly metrics: AuditMetrics;
  readonly log: AuditLogger;
  readonly now?: () => number;
  /** Run the flush / checkpoint / retention timers (default true; tests drive them by hand). */
  readonly timers?: boolean;
  /**
   * Write read events from a worker thread with its own connection to this store (the gateway; `audit.writer:
   * thread`). Absent: they are written on this thread (`audit.writer: inline`, the CLI, tests of the chain).
   */
  readonly writerThread?: { readonly store: StoreConfig };
}

const RETENTION_EVERY_MS = 3_600_000;

/**
 * The audit trail of one process. recordDurable() commits one event in its own transaction before it
 * resolves (mutating requests: before forwarding); record() queues an event and has it written in a batch
 * within flush_interval (reads): by a writer thread with its own store connection (writerThread: the request
 * thread only encodes the input, writer/thread-reads.ts) or on this thread (inline). Either way every event
 * joins the ONE chain. Committed events go to the live sinks in chain order. Checkpoints are signed every
 * checkpoint_every events or checkpoint_interval; retention prunes behind a checkpoint. close() flushes.
 */
export class AuditLog {
  readonly #o: AuditLogOptions;
  readonly #now: () => number;
  /** The inline read path (no writerThread). */
  readonly #batch: ReadBatch | undefined;
  /** The off-thread read path. */
  readonly #thread: ThreadReads | undefined;
  #timers: NodeJS.Timeout[] = [];
  #lastSeq = 0;
  #lastCheckpointSeq = 0;
  #checkpointing: Promise<Checkpoint | undefined> | undefined;
  #closed = false;

  constructor(opts: AuditLogOptions) {
    if (!opts?.store || !opts.settings || !opts.keys || !opts.metrics || !opts.log || !Array.isArray(opts.sinks)) throw new TypeError('AuditLog: store, settings, keys, sinks, metrics and log are required');
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    const s = opts.settings;
    if (opts.writerThread) {
      this.#thread = new ThreadReads({
        store: opts.writerThread.store,
        batchSize: s.batch_size,
        flushIntervalMs: s.flush_interval,
        maxPending: s.max_pending,
        records: opts.sinks.length > 0,
        committed: (n, lastSeq, records) => this.#committed(n, lastSeq, records, 'batched'),
        metrics: opts.metrics,
        log: opts.log,
      });
    } else {
      this.#batch = new ReadBatch({
        append: (events, bodies) => appendEncoded(opts.store, events, bodies),
        batchSize: s.batch_size,
        committed: (records) => this.#committed(records.length, records.at(-1)!.seq, records, 'batched'),
        failed: () => opts.metrics.writeFailed('batched'),
      });
    }
    if (opts.timers !== false) this.#start();
  }

  /** Events recorded for a batch and not yet committed. */
  get pending(): number {
    return this.#thread ? this.#thread.backlog : this.#batch!.length;
  }

  /**
   * Writes one event durably (committed when this resolves) and returns its record.
   * Throws AIRLOCK_AUDIT_UNAVAILABLE (503) when the store cannot write: the caller must not go on.
   */
  async recordDurable(input: AuditEventInput): Promise<AuditRecord> {
    const event = buildEvent(input, this.#now());
    let records: AuditRecord[];
    try {
      records = await appendEvents(this.#o.store, [event]);
    } catch (cause) {
      this.#o.metrics.writeFailed('durable');
      throw AuditUnavailable.create({ cause, logMessage: `audit: durable write of a ${event.type} event failed` });
    }
    this.#committed(1, records[0]!.seq, records, 'durable');
    return records[0]!;
  }

  /** Queues an event for the next batch (never blocks, never throws for a full buffer: overflow is counted and logged). */
  record(input: AuditEventInput): void {
    if (this.#closed) {
      this.#o.metrics.dropped('closed', 1);
      this.#o.log.error({ type: input?.type, requestId: input?.request_id }, 'audit: event recorded after close was dropped');
      return;
    }
    if (this.#thread) return this.#thread.record(input, this.#now());
    const batch = this.#batch!;
    const event = buildEvent(input, this.#now());
    if (batch.length >= this.#o.settings.max_pending) {
      this.#o.metrics.dropped('buffer_full', 1);
      this.#o.log.error({ type: event.type, requestId: event.request_id, maxPending: this.#o.settings.max_pending }, 'audit: read-event buffer full (store not writing); event dropped');
      return;
    }
    batch.push(event, canonicalJson(event));
    if (batch.length >= this.#o.settings.batch_size) {
      this.flush().catch((err: Error) => this.#o.log.error({ pending: batch.length, err: { message: err.message } }, 'audit: batch write failed; will retry'));
    }
  }

  /** Writes every queued read event (in batches of batch_size). A failure keeps them queued and rejects with AIRLOCK_AUDIT_UNAVAILABLE. */
  flush(): Promise<void> {
    return this.#thread ? this.#thread.flush() : this.#batch!.flush();
  }

  /** Signs a checkpoint over the chain's current end (undefined when already checkpointed or empty). */
  checkpoint(): Promise<Checkpoint | undefined> {
    this.#checkpointing ??= writeCheckpoint(this.#o.store, this.#o.keys, this.#now())
      .then(
        (cp) => {
          if (cp) this.#lastCheckpointSeq = Math.max(this.#lastCheckpointSeq, cp.seq);
          this.#o.metrics.checkpoint('ok');
          return cp;
        },
        (err: unknown) => {
          this.#o.metrics.checkpoint('failed');
          throw err;
        },
      )
      .finally(() => {
        this.#checkpointing = undefined;
      });
    return this.#checkpointing;
  }

  /** Applies `retention` now: prunes behind a signed checkpoint and records an audit.retention event. */
  async applyRetention(): Promise<PruneResult | undefined> {
    const r = this.#o.settings.retention;
    if (r === 'forever') return undefined;
    const result = await pruneBefore(this.#o.store, this.#now() - r);
    if (result.events > 0) {
      await this.recordDurable({ type: 'audit.retention', detail: { pruned: result.events, anchor_seq: result.anchorSeq ?? null, retention_ms: r } });
      this.#o.log.info({ pruned: result.events, anchorSeq: result.anchorSeq }, 'audit: retention pruned old events');
    }
    return result;
  }

  /** Stops the timers, flushes buffered events, signs a last checkpoint and drains the sinks. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    if (this.#thread) {
      await this.#thread.close(); // counts and logs what it could not write
    } else {
      try {
        await this.flush();
      } catch (err) {
        this.#o.metrics.dropped('shutdown', this.#batch!.length);
        this.#o.log.error({ events: this.#batch!.length, err: { message: (err as Error).message } }, 'audit: buffered events could not be written at shutdown');
      }
    }
    await this.checkpoint().catch((err: Error) => this.#o.log.error({ err: { message: err.message } }, 'audit: final checkpoint failed'));
    await Promise.all(this.#o.sinks.map((s) => s.close()));
  }

  /** `n` events up to `lastSeq` committed; `records` (their rows) when there are sinks or they were at hand. */
  #committed(n: number, lastSeq: number, records: AuditRecord[] | undefined, path: 'durable' | 'batched'): void {
    this.#o.metrics.written(path, n);
    this.#lastSeq = Math.max(this.#lastSeq, lastSeq);
    if (records) for (const s of this.#o.sinks) s.write(records);
    if (this.#lastSeq - this.#lastCheckpointSeq >= this.#o.settings.checkpoint_every && !this.#closed) {
      this.#lastCheckpointSeq = this.#lastSeq; // one attempt per threshold crossing
      void this.checkpoint().catch((err: Error) => this.#o.log.error({ err: { message: err.message } }, 'audit: checkpoint failed'));
    }
  }

  #start(): void {
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const t = setInterval(() => void fn().catch(() => undefined), ms);
      t.unref();
      this.#timers.push(t);
    };
    const thread = this.#thread;
    const batch = this.#batch;
    // off-thread: the writer flushes on its own timer; this one posts stragglers and watches the backlog
    if (thread) every(this.#o.settings.flush_interval, async () => thread.tick());
    else {
      every(this.#o.settings.flush_interval, () =>
        batch!.length === 0 ? Promise.resolve() : this.flush().catch((err: Error) => this.#o.log.error({ pending: batch!.length, err: { message: err.message, cause: (err.cause as Error | undefined)?.message } }, 'audit: batch write failed; will retry')),
      );
    }
    every(this.#o.settings.checkpoint_interval, () => this.checkpoint().catch((err: Error) => this.#o.log.error({ err: { message: err.message } }, 'audit: checkpoint failed')));
    if (this.#o.settings.retention !== 'forever') every(Math.min(RETENTION_EVERY_MS, this.#o.settings.retention), () => this.applyRetention().catch((err: Error) => this.#o.log.error({ err: { message: err.message } }, 'audit: retention failed')));
  }
}
