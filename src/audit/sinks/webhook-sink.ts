import type { Secret } from '../../config/index.ts';
import type { AuditRecord } from '../event.ts';
import { eventLine } from '../lines.ts';
import type { AuditLogger, AuditMetrics } from '../metrics.ts';
import type { AuditSink } from './sink.ts';

export interface WebhookSinkOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string | Secret>>;
  readonly batchSize: number;
  readonly maxQueue: number;
  readonly timeoutMs: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  /** How long close() keeps trying to deliver what is queued (default 5 s). */
  readonly closeDeadlineMs?: number;
  readonly metrics: AuditMetrics;
  readonly log: AuditLogger;
}

/**
 * POSTs events as application/x-ndjson, in chain order, one request in flight. A failure (network error,
 * timeout, non-2xx) is retried with exponential backoff and jitter until it succeeds, so every event is
 * delivered at least once and in order. write() only queues: the hot path never waits. The queue is
 * bounded; overflow is dropped, counted (sinkDropped) and logged.
 */
export function webhookSink(opts: WebhookSinkOptions): AuditSink {
  if (!(opts.batchSize >= 1 && opts.maxQueue >= 1 && opts.timeoutMs > 0 && opts.minBackoffMs >= 0 && opts.maxBackoffMs >= opts.minBackoffMs)) {
    throw new TypeError('webhookSink: invalid options');
  }
  const name = `webhook:${new URL(opts.url).host}`;
  const queue: AuditRecord[] = [];
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closing = false;
  let droppedSinceLog = 0;
  let lastDropLog = 0;

  const headers = (): Record<string, string> => {
    const h: Record<string, string> = { 'content-type': 'application/x-ndjson' };
    for (const [k, v] of Object.entries(opts.headers)) h[k.toLowerCase()] = typeof v === 'string' ? v : v.reveal();
    return h;
  };

  const sendOnce = async (): Promise<void> => {
    const batch = queue.slice(0, opts.batchSize);
    try {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: headers(),
        body: `${batch.map(eventLine).join('\n')}\n`,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status > 299) throw new Error(`receiver answered ${res.status}`);
      queue.splice(0, batch.length);
      attempt = 0;
      opts.metrics.sinkDelivered(name, batch.length);
    } catch (err) {
      attempt++;
      opts.metrics.sinkFailed(name);
      if (attempt === 1 || attempt % 10 === 0) opts.log.warn({ sink: name, attempt, queued: queue.length, err: { message: (err as Error).message } }, 'audit webhook: delivery failed; retrying with backoff');
    }
  };

  const backoff = () => {
    if (attempt === 0) return 0;
    const base = Math.min(opts.maxBackoffMs, opts.minBackoffMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(base / 2 + Math.random() * (base / 2));
  };

  const pump = () => {
    if (inFlight || timer || queue.length === 0) return;
    const delay = backoff();
    const go = () => {
      timer = undefined;
      inFlight = sendOnce().finally(() => {
        inFlight = undefined;
        pump();
      });
    };
    if (delay === 0) go();
    else {
      timer = setTimeout(go, delay);
      if (!closing) timer.unref();
    }
  };

  return {
    name,
    write(records) {
      const room = opts.maxQueue - queue.length;
      const take = records.length <= room ? records : records.slice(0, Math.max(0, room));
      for (const r of take) queue.push(r);
      const lost = records.length - take.length;
      if (lost > 0) {
        opts.metrics.sinkDropped(name, lost);
        droppedSinceLog += lost;
        const now = Date.now();
        if (now - lastDropLog >= 10_000) {
          opts.log.error({ sink: name, dropped: droppedSinceLog, maxQueue: opts.maxQueue, firstDroppedSeq: records[take.length]?.seq }, 'audit webhook: queue full, events dropped from this sink (they remain in the store)');
          droppedSinceLog = 0;
          lastDropLog = now;
        }
      }
      pump();
    },
    async close() {
      closing = true;
      const deadline = Date.now() + (opts.closeDeadlineMs ?? 5_000);
      while (queue.length > 0 && Date.now() < deadline) {
        if (timer) {
          clearTimeout(timer);
          timer = undefined;
        }
        if (inFlight) await inFlight;
        else {
          const delay = Math.min(backoff(), Math.max(0, deadline - Date.now()));
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          if (!inFlight && queue.length > 0 && Date.now() < deadline) await sendOnce();
        }
      }
      if (timer) clearTimeout(timer);
      if (inFlight) await inFlight;
      if (queue.length > 0) {
        opts.metrics.sinkDropped(name, queue.length);
        opts.log.error({ sink: name, events: queue.length, firstSeq: queue[0]!.seq }, 'audit webhook: events not delivered at shutdown (they remain in the store; re-send with airlock audit export)');
      }
    },
  };
}
