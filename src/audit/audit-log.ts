import type { AirlockConfig } from '../config/index.ts';
import type { KeyRing } from '../keys/index.ts';
import type { Store } from '../store/index.ts';
import { appendEncoded, appendEvents } from './append.ts';
import { canonicalJson } from './canonical-json.ts';
import { writeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { AuditUnavailable } from './errors.ts';
import { buildEvent, type AuditEvent, type AuditEventInput, type AuditRecord } from './event.ts';
import type { AuditLogger, AuditMetrics } from './metrics.ts';
import { pruneBefore, type PruneResult } from './prune.ts';
import type { AuditSink } from './sinks/sink.ts';

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
}

const RETENTION_EVERY_MS = 3_600_000;

/**
 * The audit trail of one process. recordDurable() commits one event in its own transaction before it
 * resolves (mutating requests: before forwarding); record() buffers an event and writes it in a batch within
 * flush_interval (reads). Committed events go to the live sinks in chain order. Checkpoints are signed every
 * checkpoint_every events or checkpoint_interval; retention prunes behind a checkpoint. close() flushes.
 */
export class AuditLog {
  readonly #o: AuditLogOptions;
  readonly #now: () => number;
  #pending: AuditEvent[] = [];
  /** canonicalJson of each pending event, made when it is recorded (so a batch write holds the event loop less). */
  #pendingBodies: string[] = [];
  #flushing: Promise<void> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #lastSeq = 0;
  #lastCheckpointSeq = 0;
  #checkpointing: Promise<Checkpoint | undefined> | undefined;
  #closed = false;

  constructor(opts: AuditLogOptions) {
    if (!opts?.store || !opts.settings || !opts.keys || !opts.metrics || !opts.log || !Array.isArray(opts.sinks)) throw new TypeError('AuditLog: store, settings, keys, sinks, metrics and log are required');
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    if (opts.timers !== false) this.#start();
  }

  /** Events buffered for the next batch. */
  get pending(): number {
    return this.#pending.length;
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
    this.#committed(records, 'durable');
    return records[0]!;
  }

  /** Buffers an event for the next batch (never blocks, never throws for a full buffer: overflow is counted and logged). */
  record(input: AuditEventInput): void {
    const event = buildEvent(input, this.#now());
    if (this.#closed) {
      this.#o.metrics.dropped('closed', 1);
      this.#o.log.error({ type: event.type, requestId: event.request_id }, 'audit: event recorded after close was dropped');
      return;
    }
    if (this.#pending.length >= this.#o.settings.max_pending) {
      this.#o.metrics.dropped('buffer_full', 1);
      this.#o.log.error({ type: event.type, requestId: event.request_id, maxPending: this.#o.settings.max_pending }, 'audit: read-event buffer full (store not writing); event dropped');
      return;
    }
    this.#pendingBodies.push(canonicalJson(event));
    this.#pending.push(event);
    if (this.#pending.length >= this.#o.settings.batch_size) {
      this.flush().catch((err: Error) => this.#o.log.error({ pending: this.#pending.length, err: { message: err.message } }, 'audit: batch write failed; will retry'));
    }
  }

  /** Writes every buffered event (in batches of batch_size). A failure keeps them buffered and rejects. */
  flush(): Promise<void> {
    const run = async () => {
      while (this.#pending.length > 0) {
        const batch = this.#pending.slice(0, this.#o.settings.batch_size);
        const bodies = this.#pendingBodies.slice(0, batch.length);
        let records: AuditRecord[];
        try {
          records = await appendEncoded(this.#o.store, batch, bodies);
        } catch (cause) {
          this.#o.metrics.writeFailed('batched');
          throw AuditUnavailable.create({ cause, logMessage: `audit: batch of ${batch.length} events not written; kept for retry` });
        }
        this.#pending.splice(0, batch.length);
        this.#pendingBodies.splice(0, batch.length);
        this.#committed(records, 'batched');
      }
    };
    const prev = this.#flushing ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(run);
    const tracked: Promise<void> = next.then(
      () => undefined,
      () => undefined, // the caller of flush() gets the failure; the chain only orders the runs
    ).finally(() => {
      if (this.#flushing === tracked) this.#flushing = undefined;
    });
    this.#flushing = tracked;
    return next;
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
    try {
      await this.flush();
    } catch (err) {
      this.#o.metrics.dropped('shutdown', this.#pending.length);
      this.#o.log.error({ events: this.#pending.length, err: { message: (err as Error).message } }, 'audit: buffered events could not be written at shutdown');
    }
    await this.checkpoint().catch((err: Error) => this.#o.log.error({ err: { message: err.message } }, 'audit: final checkpoint failed'));
    await Promise.all(this.#o.sinks.map((s) => s.close()));
  }

  #committed(records: AuditRecord[], path: 'durable' | 'batched'): void {
    this.#o.metrics.written(path, records.length);
    this.#lastSeq = Math.max(this.#lastSeq, records.at(-1)!.seq);
    for (const s of this.#o.sinks) s.write(records);
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
    every(this.#o.settings.flush_interval, () =>
      this.#pending.length === 0 ? Promise.resolve() : this.flush().catch((err: Error) => this.#o.log.error({ pending: this.#pending.length, err: { message: err.message, cause: (err.cause as Error | undefined)?.message } }, 'audit: batch write failed; will retry')),
    );
    every(this.#o.settings.checkpoint_interval, () => this.checkpoint().catch((err: Error) => this.#o.log.error({ err: { message: err.message } }, 'audit: checkpoint failed')));
    if (this.#o.settings.retention !== 'forever') every(Math.min(RETENTION_EVERY_MS, this.#o.settings.retention), () => this.applyRetention().catch((err: Error) => this.#o.log.error({ err: { message: err.message } }, 'audit: retention failed')));
  }
}
