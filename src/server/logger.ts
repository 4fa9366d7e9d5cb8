import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Redaction is a second line of defence: code never logs secrets, cookies or tokens,
 * and these paths are censored in case an object carrying one slips into a log call.
 * (No wildcard paths: they make every log line walk the object.)
 */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream; base?: Record<string, unknown> } = {}): Logger {
  const base = { pid: process.pid, ...(opts.base ?? {}) };
  const destination = opts.destination ?? defaultDestination();
  const logger = pino(
    {
      level: opts.level ?? 'info',
      base,
      // epoch ms: cheapest on the hot path; every log shipper understands it
      timestamp: pino.stdTimeFunctions.epochTime,
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'headers.cookie',
          'headers.authorization',
          'idToken',
          'cookie',
          'authorization',
        ],
        censor: '[redacted]',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const bindings = JSON.stringify(base);
  direct.set(logger, new AccessLines(destination, bindings === '{}' ? '' : `,${bindings.slice(1, -1)}`));
  return logger;
}

/**
 * Access lines of one logger, joined and handed to its destination once per event-loop turn (or at 16 KiB):
 * one destination write for many requests. Lines reach the destination in order, at most one turn late.
 */
class AccessLines {
  readonly bindings: string;
  readonly #destination: { write(chunk: string): unknown };
  #pending = '';
  #scheduled = false;
  readonly #flush = (): void => this.flush();

  constructor(destination: { write(chunk: string): unknown }, bindings: string) {
    this.#destination = destination;
    this.bindings = bindings;
  }

  add(line: string): void {
    this.#pending += line;
    if (this.#pending.length >= 16_384) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      withPendingLines.add(this);
      setImmediate(this.#flush);
    }
  }

  flush(): void {
    this.#scheduled = false;
    withPendingLines.delete(this);
    if (this.#pending === '') return;
    const chunk = this.#pending;
    this.#pending = '';
    this.#destination.write(chunk);
  }
}

/** Buffers holding lines not yet handed on; written out at exit (before the stdout destination's own exit flush). */
const withPendingLines = new Set<AccessLines>();
process.once('exit', () => {
  for (const lines of [...withPendingLines]) lines.flush();
});

/** Loggers made by createLogger: their access-line buffer and their base fields, pre-serialized. */
const direct = new WeakMap<Logger, AccessLines>();

/** One access-log line (msg "request"). Absent optional fields are left out. */
export interface AccessLine {
  readonly reqId: string;
  readonly method: string;
  readonly path: string;
  readonly env: string;
  readonly user: string | undefined;
  readonly decision: string;
  readonly reasons: readonly string[];
  readonly status: number;
  readonly upstreamStatus: number | undefined;
  readonly ms: number;
  /** "websocket" on the line of an upgrade (tunnelled or refused); absent on plain requests. */
  readonly upgrade?: string;
}

/**
 * The per-request access log. For a logger made by createLogger the line is built by hand and written to
 * its destination: the same JSON `logger.info(fields, 'request')` writes (same keys, same order), at a
 * fraction of pino's generic serializer's cost (this runs for every request; lines are batched per event-loop
 * turn, see AccessLines). Any other logger (e.g. a
 * child with extra bindings) gets an ordinary logger.info call.
 */
export function accessLog(logger: Logger, l: AccessLine): void {
  if (!logger.isLevelEnabled('info')) return;
  const d = direct.get(logger);
  if (d === undefined) {
    logger.info({ reqId: l.reqId, method: l.method, path: l.path, env: l.env, user: l.user, decision: l.decision, reasons: l.reasons.length ? l.reasons : undefined, status: l.status, upstreamStatus: l.upstreamStatus, ms: l.ms, upgrade: l.upgrade }, 'request');
    return;
  }
  let line = `{"level":"info","time":${Date.now()}${d.bindings},"reqId":${JSON.stringify(l.reqId)},"method":${JSON.stringify(l.method)},"path":${JSON.stringify(l.path)},"env":${JSON.stringify(l.env)}`;
  if (l.user !== undefined) line += `,"user":${JSON.stringify(l.user)}`;
  line += `,"decision":${JSON.stringify(l.decision)}`;
  if (l.reasons.length > 0) line += `,"reasons":${JSON.stringify(l.reasons)}`;
  line += `,"status":${l.status}`;
  if (l.upstreamStatus !== undefined) line += `,"upstreamStatus":${l.upstreamStatus}`;
  line += l.upgrade === undefined ? `,"ms":${l.ms},"msg":"request"}\n` : `,"ms":${l.ms},"upgrade":${JSON.stringify(l.upgrade)},"msg":"request"}\n`;
  d.add(line);
}

/**
 * stdout, written asynchronously in chunks of at least 4 KiB (one write per ~15 request lines instead of
 * one per line: measurably cheaper on the hot path). Flushed at exit and at most 250 ms after a line.
 */
function defaultDestination() {
  const dest = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const timer = setInterval(() => dest.flush(), 250);
  timer.unref();
  process.once('exit', () => {
    try {
      dest.flushSync();
    } catch {
      // stdout already closed
    }
  });
  return dest;
}

/** The upstream tried to set one of the gateway's cookies (session swap or forced logout): dropped, and said so. */
export function warnDroppedCookies(logger: Logger, reqId: string, env: string, names: readonly string[]): void {
  logger.warn({ reqId, env, cookies: [...new Set(names)] }, 'upstream response tried to set a gateway cookie; Set-Cookie dropped');
}
