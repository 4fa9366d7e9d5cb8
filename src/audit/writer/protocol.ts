import type { AuditRecord } from '../event.ts';

/** What the audit writer thread needs to open its own connection to the store and batch like the inline path. */
export interface WriterInit {
  readonly store: { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string; readonly source: string };
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  /** Send committed records back (the live sinks on the request thread need them). */
  readonly records: boolean;
}

/**
 * Request thread -> writer. `events`: `n` lines joined by "\n", each `<epoch ms> <JSON of an AuditEventInput>`
 * (JSON.stringify never emits a raw newline). `flush` / `close` are answered once everything posted before
 * them is committed (or could not be).
 */
export type ToWriter = { readonly t: 'events'; readonly n: number; readonly lines: string } | { readonly t: 'flush'; readonly id: number } | { readonly t: 'close'; readonly id: number };

/** Writer -> request thread. Every posted event is eventually accounted for by `written`, `invalid` or `closed.dropped`. */
export type FromWriter =
  | { readonly t: 'written'; readonly n: number; readonly lastSeq: number; readonly records?: AuditRecord[] }
  | { readonly t: 'failed'; readonly message: string; readonly code?: string; readonly queued: number }
  | { readonly t: 'invalid'; readonly n: number; readonly message: string }
  | { readonly t: 'flushed'; readonly id: number; readonly ok: boolean; readonly message?: string }
  | { readonly t: 'closed'; readonly id: number; readonly dropped: number; readonly message?: string };
