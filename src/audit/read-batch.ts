import { AuditUnavailable } from './errors.ts';
import type { AuditEvent, AuditRecord } from './event.ts';

/** Appends encoded events to the chain (appendEncoded on some store connection). */
export type AppendEncoded = (events: readonly AuditEvent[], bodies: readonly string[]) => Promise<AuditRecord[]>;

export interface ReadBatchOptions {
  readonly append: AppendEncoded;
  readonly batchSize: number;
  /** After each committed batch, in chain order. */
  readonly committed: (records: AuditRecord[]) => void;
  /** A batch could not be written (its events stay queued for the next flush). */
  readonly failed: (cause: unknown, queued: number) => void;
}

/**
 * Read (and refused/error) events waiting to be written, with their canonical bodies. flush() writes them
 * in transactions of batchSize, one run at a time and in order; a failed write keeps them queued. Used on
 * the request thread by the inline read path and inside the audit writer thread (writer-thread.ts).
 */
export class ReadBatch {
  readonly #o: ReadBatchOptions;
  #events: AuditEvent[] = [];
  #bodies: string[] = [];
  #flushing: Promise<void> | undefined;

  constructor(opts: ReadBatchOptions) {
    if (!opts || typeof opts.append !== 'function' || !(opts.batchSize >= 1)) throw new TypeError('ReadBatch: append and batchSize are required');
    this.#o = opts;
  }

  get length(): number {
    return this.#events.length;
  }

  /** body = canonicalJson(event). */
  push(event: AuditEvent, body: string): void {
    this.#events.push(event);
    this.#bodies.push(body);
  }

  /** Forgets every queued event (returns how many): only when they can no longer be written. */
  discard(): number {
    const n = this.#events.length;
    this.#events = [];
    this.#bodies = [];
    return n;
  }

  /** Writes every queued event. A failure keeps them queued and rejects with AIRLOCK_AUDIT_UNAVAILABLE. */
  flush(): Promise<void> {
    const run = async () => {
      while (this.#events.length > 0) {
        const n = Math.min(this.#events.length, this.#o.batchSize);
        const batch = this.#events.slice(0, n);
        const bodies = this.#bodies.slice(0, n);
        let records: AuditRecord[];
        try {
          records = await this.#o.append(batch, bodies);
        } catch (cause) {
          this.#o.failed(cause, this.#events.length);
          throw AuditUnavailable.create({ cause, logMessage: `audit: batch of ${n} events not written; kept for retry` });
        }
        this.#events.splice(0, n);
        this.#bodies.splice(0, n);
        this.#o.committed(records);
      }
    };
    const prev = this.#flushing ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(run);
    const tracked: Promise<void> = next
      .then(
        () => undefined,
        () => undefined, // the caller of flush() gets the failure; the chain only orders the runs
      )
      .finally(() => {
        if (this.#flushing === tracked) this.#flushing = undefined;
      });
    this.#flushing = tracked;
    return next;
  }
}
