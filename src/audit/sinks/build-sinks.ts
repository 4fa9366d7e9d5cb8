import type { AirlockConfig } from '../../config/index.ts';
import type { AuditLogger, AuditMetrics } from '../metrics.ts';
import { fileSink } from './file-sink.ts';
import type { AuditSink } from './sink.ts';
import { stdoutSink } from './stdout-sink.ts';
import { webhookSink } from './webhook-sink.ts';

/** The live sinks of `audit.sinks`. */
export function buildSinks(cfg: AirlockConfig['audit'], metrics: AuditMetrics, log: AuditLogger): AuditSink[] {
  return cfg.sinks.map((s) => {
    switch (s.type) {
      case 'stdout':
        return stdoutSink();
      case 'file':
        return fileSink({ path: s.path, maxBytes: s.max_bytes, keep: s.keep, metrics, log });
      case 'webhook':
        return webhookSink({ url: s.url, headers: s.headers, batchSize: s.batch_size, maxQueue: s.max_queue, timeoutMs: s.timeout, minBackoffMs: s.min_backoff, maxBackoffMs: s.max_backoff, metrics, log });
      default:
        throw new TypeError(`audit: unknown sink type ${String((s as { type: unknown }).type)}`);
    }
  });
}
