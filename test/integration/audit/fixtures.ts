import { auditSchema } from '../../../src/config/schema/audit.ts';
import { AuditLog, type AuditEventInput, type AuditMetrics, type AuditSink } from '../../../src/audit/index.ts';
import type { StoreConfig } from '../../../src/config/index.ts';
import type { KeyRing } from '../../../src/keys/index.ts';
import type { Store } from '../../../src/store/index.ts';

/** Counts what the audit area reports, so tests can assert on it. */
export function countingMetrics(): AuditMetrics & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const inc = (k: string, n = 1) => counts.set(k, (counts.get(k) ?? 0) + n);
  return {
    counts,
    written: (p, n) => inc(`written:${p}`, n),
    writeFailed: (p) => inc(`writeFailed:${p}`),
    dropped: (r, n) => inc(`dropped:${r}`, n),
    backlog: (n) => void counts.set('backlog', n),
    checkpoint: (r) => inc(`checkpoint:${r}`),
    sinkDelivered: (s, n) => inc(`sinkDelivered:${s}`, n),
    sinkFailed: (s) => inc(`sinkFailed:${s}`),
    sinkDropped: (s, n) => inc(`sinkDropped:${s}`, n),
  };
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

export function collectingLog(): { lines: LogLine[]; info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
  };
}

export function settings(over: Record<string, unknown> = {}) {
  return auditSchema.parse(over);
}

export function auditLog(store: Store, keys: KeyRing, opts: { settings?: Record<string, unknown>; sinks?: AuditSink[]; now?: () => number; writerThread?: StoreConfig; timers?: boolean } = {}) {
  const metrics = countingMetrics();
  const log = collectingLog();
  const audit = new AuditLog({
    store,
    keys,
    settings: settings(opts.settings),
    sinks: opts.sinks ?? [],
    metrics,
    log,
    timers: opts.timers ?? false,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.writerThread ? { writerThread: { store: opts.writerThread } } : {}),
  });
  return { audit, metrics, log };
}

const USERS = [
  { kind: 'person' as const, sub: 'sub-alice', username: 'alice', email: 'alice@example.com', session_id: 'sess-a', credential_id: 'cred-alice-1' },
  { kind: 'person' as const, sub: 'sub-bob', username: 'bob', email: 'bob@example.com', session_id: 'sess-b' },
  { kind: 'service' as const, sub: 'svc-ci', username: 'ci-bot', token_id: 'tok-1' },
];

/** A varied, deterministic mix of events: triggers, reads, denials, logins. */
export function sampleEvents(n: number, t0: number): AuditEventInput[] {
  const out: AuditEventInput[] = [];
  for (let i = 0; i < n; i++) {
    const actor = USERS[i % USERS.length]!;
    const dag = ['finance_daily', 'example_etl', 'financeXdaily'][i % 3]!;
    const deny = i % 4 === 1;
    const mutating = i % 2 === 0;
    out.push({
      type: i % 10 === 9 ? 'login' : mutating ? 'request.intent' : 'request',
      time: t0 + i * 60_000,
      request_id: `req-${i}`,
      actor,
      env: 'prod',
      method: mutating ? 'POST' : 'GET',
      path: `/api/v1/dags/${dag}/dagRuns`,
      resource: 'DAG Runs',
      action: mutating ? 'trigger' : 'read',
      dag_ids: [dag],
      decision: deny ? 'deny' : 'allow',
      reasons: deny ? ['no_permission'] : ['role_grants'],
      status: deny ? 403 : 200,
      client_ip: '10.0.0.7',
      user_agent: 'curl/8',
    });
  }
  return out;
}
