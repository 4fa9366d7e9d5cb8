import { z } from 'zod';
import { duration, httpUrl, isLoopbackHost, parseUrl, secretValue, text } from './common.ts';

const count = (min: number, max: number, def: number) => z.number().int().min(min).max(max).default(def);

const stdoutSink = z.strictObject({ type: z.literal('stdout') });

const fileSink = z.strictObject({
  type: z.literal('file'),
  /** JSON Lines file (relative paths are relative to the process's working directory). */
  path: text.pipe(z.string().min(1, 'must not be empty')),
  /** Rotate when the file would grow beyond this many bytes. */
  max_bytes: count(1024, 1024 ** 4, 100 * 1024 * 1024),
  /** Rotated files kept (path.1 … path.N). */
  keep: count(1, 1000, 5),
});

const webhookSink = z
  .strictObject({
    type: z.literal('webhook'),
    url: httpUrl,
    /** Extra request headers; values may be secret references (e.g. an Authorization token). */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'header names are letters, digits and "-"'), z.union([secretValue, z.string()])).default({}),
    /** Events per POST (application/x-ndjson). */
    batch_size: count(1, 10_000, 100),
    /** Events waiting for delivery; beyond this new events are dropped, counted and logged. */
    max_queue: count(1, 10_000_000, 100_000),
    timeout: duration.default(5_000),
    /** Retry backoff doubles from min_backoff up to max_backoff. */
    min_backoff: duration.default(200),
    max_backoff: duration.default(30_000),
  })
  .superRefine((v, ctx) => {
    const u = parseUrl(v.url);
    if (u && u.protocol === 'http:' && !isLoopbackHost(u.hostname)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'must be https:// (http:// only for localhost)' });
    if (typeof v.min_backoff === 'number' && typeof v.max_backoff === 'number' && v.min_backoff > v.max_backoff) {
      ctx.addIssue({ code: 'custom', path: ['min_backoff'], message: 'must not exceed max_backoff' });
    }
  });

export const auditSinkSchema = z.discriminatedUnion('type', [stdoutSink, fileSink, webhookSink], { error: 'a sink is { type: stdout | file | webhook, ... }' });

/** The audit trail (docs/audit.md). Mutating requests are always written before they are forwarded. */
export const auditSchema = z.strictObject({
  /**
   * Who writes read (and refused) request events: "thread" (default), a worker thread per gateway process with
   * its own store connection, so hashing and the store write never hold the request event loop; "inline", the
   * request thread itself (one store connection per process, for hosts that must not run a second one).
   */
  writer: z.enum(['thread', 'inline']).default('thread'),
  /** Read (and refused) request events are written in batches at least this often. A kill -9 loses at most this window of reads. */
  flush_interval: duration.default(1_000),
  /** Read events per batch transaction. */
  batch_size: count(1, 10_000, 200),
  /** Read events buffered while the store cannot write; beyond this they are dropped, counted and logged. */
  max_pending: count(1, 10_000_000, 100_000),
  /** A signed checkpoint after this many events … */
  checkpoint_every: count(1, 10_000_000, 1_000),
  /** … or this long after the last one, whichever comes first. */
  checkpoint_interval: duration.default(300_000),
  /** Events older than this are pruned (keeping a signed checkpoint as the new anchor); "forever" keeps everything. */
  retention: z.union([z.literal('forever'), duration]).default('forever'),
  sinks: z.array(auditSinkSchema).default([]),
});

export type AuditConfig = z.infer<typeof auditSchema>;
export type AuditSinkConfig = z.infer<typeof auditSinkSchema>;
