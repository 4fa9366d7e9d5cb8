/** Counters the audit trail reports; the server backs them with prom-client (src/server/audit-hooks.ts). */
export interface AuditMetrics {
  /** Events committed to the chain, by path: durable (before forwarding) or batched. */
  written(path: 'durable' | 'batched', n: number): void;
  /** Store writes that failed (a durable failure refused a request with 503). */
  writeFailed(path: 'durable' | 'batched'): void;
  /** Events lost before reaching the store (e.g. the read buffer was full): never silent, also logged. */
  dropped(reason: string, n: number): void;
  /** Read events recorded and not yet committed (a gauge: the writer's queue). */
  backlog(n: number): void;
  checkpoint(result: 'ok' | 'failed'): void;
  sinkDelivered(sink: string, n: number): void;
  sinkFailed(sink: string): void;
  /** Events a sink's bounded queue could not take. */
  sinkDropped(sink: string, n: number): void;
}

/** For tools that do not export metrics (the CLI). Explicitly chosen by the caller, never a fallback. */
export const noAuditMetrics: AuditMetrics = Object.freeze({
  written() {},
  writeFailed() {},
  dropped() {},
  backlog() {},
  checkpoint() {},
  sinkDelivered() {},
  sinkFailed() {},
  sinkDropped() {},
});

/** The logger the audit area writes to (a pino logger fits). */
export interface AuditLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
