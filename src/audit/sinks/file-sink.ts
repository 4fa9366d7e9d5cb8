import { appendFile, rename, rm, stat } from 'node:fs/promises';
import { eventLine } from '../lines.ts';
import type { AuditLogger, AuditMetrics } from '../metrics.ts';
import type { AuditSink } from './sink.ts';

export interface FileSinkOptions {
  readonly path: string;
  /** Rotate before a write would take the file beyond this size. */
  readonly maxBytes: number;
  /** Rotated files kept: path.1 (newest) … path.keep. */
  readonly keep: number;
  readonly metrics: AuditMetrics;
  readonly log: AuditLogger;
}

/**
 * Appends JSON Lines to a file, rotating by size. Writes are queued and done one at a time off the hot path;
 * a failed write is retried with the next batch (counted and logged), so lines stay in chain order.
 */
export function fileSink(opts: FileSinkOptions): AuditSink {
  if (!opts.path) throw new TypeError('fileSink: path is required');
  if (!(opts.maxBytes >= 1) || !(opts.keep >= 1)) throw new TypeError('fileSink: maxBytes and keep must be >= 1');
  const name = `file:${opts.path}`;
  let size: number | undefined;
  let pending: string[] = [];
  let pendingCount = 0;
  let running: Promise<void> | undefined;

  const rotate = async () => {
    await rm(`${opts.path}.${opts.keep}`, { force: true });
    for (let i = opts.keep - 1; i >= 1; i--) await rename(`${opts.path}.${i}`, `${opts.path}.${i + 1}`).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
    await rename(opts.path, `${opts.path}.1`).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
    size = 0;
  };

  const drain = async () => {
    while (pending.length > 0) {
      const lines = pending;
      const n = pendingCount;
      pending = [];
      pendingCount = 0;
      try {
        size ??= await stat(opts.path).then((s) => s.size, (e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return 0; throw e; });
        // one file may hold several batches; rotation happens between batches, never inside a line
        const text = lines.join('');
        const bytes = Buffer.byteLength(text);
        if (size > 0 && size + bytes > opts.maxBytes) await rotate();
        await appendFile(opts.path, text);
        size += bytes;
        opts.metrics.sinkDelivered(name, n);
      } catch (err) {
        opts.metrics.sinkFailed(name);
        opts.log.error({ sink: name, err: { message: (err as Error).message, code: (err as NodeJS.ErrnoException).code } }, 'audit file sink: write failed; will retry');
        pending = [...lines, ...pending];
        pendingCount += n;
        size = undefined;
        return; // retried on the next write or at close
      }
    }
  };
  const kick = () => {
    running ??= drain().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    name,
    write(records) {
      if (records.length === 0) return;
      pending.push(`${records.map(eventLine).join('\n')}\n`);
      pendingCount += records.length;
      void kick();
    },
    async close() {
      await running;
      await kick();
      if (pendingCount > 0) {
        opts.metrics.sinkDropped(name, pendingCount);
        opts.log.error({ sink: name, events: pendingCount }, 'audit file sink: events not written at shutdown (they remain in the store)');
      }
    },
  };
}
