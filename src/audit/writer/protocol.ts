import type { AuditEventInput, AuditRecord } from '../event.ts';

/** PostgreSQL application_name of the writer thread's one connection (docs/store.md). */
export const WRITER_APPLICATION_NAME = 'airlock-audit-writer';

/** What the audit writer thread needs to open its own connection to the store and batch like the inline path. */
export interface WriterInit {
  readonly store: { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string; readonly source: string };
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  /** Send committed records back (the live sinks on the request thread need them). */
  readonly records: boolean;
}

/**
 * Request thread -> writer. `events`: `n` lines made by encodeLine, joined by "\n" (JSON.stringify never emits
 * a raw newline). `flush` / `close` are answered once everything posted before them is committed (or could not be).
 */
export type ToWriter = { readonly t: 'events'; readonly n: number; readonly lines: string } | { readonly t: 'flush'; readonly id: number } | { readonly t: 'close'; readonly id: number };

/** Writer -> request thread. Every posted event is eventually accounted for by `written`, `invalid` or `closed.dropped`. */
export type FromWriter =
  | { readonly t: 'written'; readonly n: number; readonly lastSeq: number; readonly records?: AuditRecord[] }
  | { readonly t: 'failed'; readonly message: string; readonly code?: string; readonly queued: number }
  | { readonly t: 'invalid'; readonly n: number; readonly message: string }
  | { readonly t: 'flushed'; readonly id: number; readonly ok: boolean; readonly message?: string }
  | { readonly t: 'closed'; readonly id: number; readonly dropped: number; readonly message?: string };

/**
 * The members of an AuditEventInput in the order of the compact tuple (decodeLine maps them back). A
 * member outside this list sends the whole input as a JSON object instead (rare: no caller does today).
 */
const TUPLE: readonly string[] = ['type', 'request_id', 'env', 'method', 'path', 'resource', 'action', 'dag_ids', 'run_id', 'decision', 'reasons', 'status', 'upstream_status', 'latency_ms', 'client_ip', 'user_agent', 'detail', 'time'];
const IN_TUPLE: ReadonlySet<string> = new Set([...TUPLE, 'actor']);

/**
 * The actor of one identity is the same object for every request of a session (audit-hooks caches it per
 * identity; AuditActor is read-only): its JSON is made once.
 */
let actorJson = new WeakMap<object, string>();

/**
 * One read event as a line for the writer thread: `<epoch ms>\t<actor JSON or "">\t<JSON array of TUPLE>`, or
 * `<epoch ms>\t\t<JSON object>` for an input with members outside TUPLE. JSON.stringify escapes tabs and
 * newlines, so neither appears raw inside a field. Non-finite numbers are a programmer error (TypeError),
 * as buildEvent makes them on the inline path (JSON would turn them into null).
 */
export function encodeLine(e: AuditEventInput, now: number): string {
  for (const k in e) if (!IN_TUPLE.has(k)) return `${now}\t\t${JSON.stringify(e)}`;
  if (!finite(e.status) || !finite(e.upstream_status) || !finite(e.latency_ms) || !finite(e.time)) throw new TypeError('audit: status, upstream_status, latency_ms and time must be finite numbers');
  let actor = '';
  if (e.actor !== undefined) {
    const a = actorJson.get(e.actor);
    if (a === undefined) actorJson.set(e.actor, (actor = JSON.stringify(e.actor)));
    else actor = a;
  }
  return `${now}\t${actor}\t${JSON.stringify([e.type, e.request_id, e.env, e.method, e.path, e.resource, e.action, e.dag_ids, e.run_id, e.decision, e.reasons, e.status, e.upstream_status, e.latency_ms, e.client_ip, e.user_agent, e.detail, e.time])}`;
}

/** For tests: forget the cached actor JSON. */
export function resetActorCache(): void {
  actorJson = new WeakMap();
}

function finite(v: number | undefined): boolean {
  return v === undefined || Number.isFinite(v);
}

/** The inverse of encodeLine for one line (from..to of `lines`). Throws on a malformed line. */
export function decodeLine(lines: string, from: number, to: number): { now: number; input: AuditEventInput } {
  const t1 = lines.indexOf('\t', from);
  const t2 = lines.indexOf('\t', t1 + 1);
  if (t1 < 0 || t2 < 0 || t2 >= to) throw new TypeError('audit writer: malformed line');
  const now = Number(lines.slice(from, t1));
  const body = JSON.parse(lines.slice(t2 + 1, to)) as unknown;
  if (!Array.isArray(body)) {
    for (const k in body as object) if ((body as Record<string, unknown>)[k] === null) throw new TypeError(`audit: ${k} must not be null (a non-finite number?)`);
    return { now, input: body as AuditEventInput };
  }
  const input: Record<string, unknown> = {};
  for (let i = 0; i < TUPLE.length; i++) {
    const v = body[i];
    if (v !== null && v !== undefined) input[TUPLE[i]!] = v;
  }
  if (t2 > t1 + 1) input.actor = JSON.parse(lines.slice(t1 + 1, t2));
  return { now, input: input as unknown as AuditEventInput };
}
