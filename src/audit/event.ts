import { uuidV7 } from './uuid-v7.ts';

/** The version of the event schema (docs/audit.md). Bumped on any incompatible change; verify reads every version it knows. */
export const AUDIT_SCHEMA_VERSION = 1;

export const AUDIT_EVENT_TYPES = [
  /** A read, a refused request, or an error before forwarding: one event, written in a batch. */
  'request',
  /** A mutating request the policy allowed: written durably BEFORE it is forwarded. */
  'request.intent',
  /** The upstream's answer to a request.intent (same request_id): status and latency. */
  'request.outcome',
  'login',
  'login.failed',
  'logout',
  'webauthn',
  'config.reload',
  'key.rotation',
  'token',
  'approval',
  /** A session ended or changed outside a request of its own: revoked (CLI, back/front-channel logout), claims refreshed, refresh refused. */
  'session',
  /** A SCIM provisioning change (user or group created, replaced, patched, deleted) and the sessions and tokens it ended. */
  'scim',
  /** Old events were pruned; detail.anchor_seq is the first event kept. */
  'audit.retention',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export interface AuditActor {
  readonly kind: 'person' | 'service' | 'agent';
  readonly sub: string;
  readonly username: string;
  readonly email?: string | undefined;
  /** The public session handle (never the cookie value). */
  readonly session_id?: string | undefined;
  readonly token_id?: string | undefined;
  /** Machine callers: the Airlock token's name, the person who owns it, the service account it acts as. */
  readonly token_name?: string | undefined;
  readonly owner?: string | undefined;
  readonly service_account?: string | undefined;
  /** The WebAuthn credential that verified the person, when one was used. */
  readonly credential_id?: string | undefined;
}

/** Event schema v1: one fact. Absent fields are omitted (never null). */
export interface AuditEvent {
  readonly v: 1;
  readonly id: string;
  /** Epoch ms. */
  readonly time: number;
  readonly type: AuditEventType;
  readonly request_id?: string;
  readonly actor?: AuditActor;
  readonly env?: string;
  readonly method?: string;
  /** Canonical path (no query string). */
  readonly path?: string;
  readonly resource?: string;
  readonly action?: string;
  readonly dag_ids?: readonly string[];
  readonly run_id?: string;
  /** allow | deny | step_up | error | unauthenticated | allow_listed (requests), allow | deny (logins). */
  readonly decision?: string;
  readonly reasons?: readonly string[];
  /** Status sent to the client. */
  readonly status?: number;
  readonly upstream_status?: number;
  readonly latency_ms?: number;
  readonly client_ip?: string;
  readonly user_agent?: string;
  /** Type-specific facts (e.g. a config reload's version, a key rotation's kids). Flat JSON values only. */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/** What a caller records; id, time and version are filled in. */
export type AuditEventInput = Omit<AuditEvent, 'v' | 'id' | 'time'> & { readonly time?: number };

/** A stored event: its chain position and hashes. */
export interface AuditRecord {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly event: AuditEvent;
}

const LIMITS: Readonly<Record<string, number>> = { user_agent: 512, path: 2048, client_ip: 64, method: 16, run_id: 250 };
const DEFAULT_LIMIT = 256;
const MAX_LIST = 100;

/**
 * Completes an input into a v1 event. Values that come from clients (user agent, path, …) are cut to a
 * bounded length and stripped of control characters, so a hostile header cannot bloat or break the trail.
 */
export function buildEvent(input: AuditEventInput, now: number): AuditEvent {
  if (!input || !EVENT_TYPES.has(input.type)) throw new TypeError(`audit: unknown event type ${String(input?.type)}`);
  const filled: Record<string, unknown> = { v: AUDIT_SCHEMA_VERSION, id: uuidV7(Math.trunc(now)), time: input.time ?? now, type: input.type };
  // members are added in sorted key order, so canonicalJson() can take its fast path (JSON.stringify)
  const out: Record<string, unknown> = {};
  for (const k of SORTED_FIELDS) {
    if (k in filled) {
      out[k] = filled[k];
      continue;
    }
    const v = (input as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = clean(k, v);
  }
  for (const k in input) {
    // a member outside the schema is kept (canonicalJson sorts it in)
    const v = (input as Record<string, unknown>)[k];
    if (v !== undefined && !FIELD_SET.has(k)) out[k] = clean(k, v);
  }
  return out as unknown as AuditEvent;
}

/** Every member of schema v1, in canonical (sorted) order. */
const SORTED_FIELDS = ['v', 'id', 'time', 'type', 'request_id', 'actor', 'env', 'method', 'path', 'resource', 'action', 'dag_ids', 'run_id', 'decision', 'reasons', 'status', 'upstream_status', 'latency_ms', 'client_ip', 'user_agent', 'detail'].sort();
const FIELD_SET: ReadonlySet<string> = new Set(SORTED_FIELDS);

const EVENT_TYPES: ReadonlySet<string> = new Set(AUDIT_EVENT_TYPES);

function clean(key: string, v: unknown): unknown {
  if (typeof v === 'string') return bounded(v, LIMITS[key] ?? DEFAULT_LIMIT);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`audit: ${key} must be a finite number`);
    return key === 'latency_ms' ? Math.round(v * 1000) / 1000 : v;
  }
  if (Array.isArray(v)) {
    const n = Math.min(v.length, MAX_LIST);
    const list: string[] = new Array(n);
    for (let i = 0; i < n; i++) list[i] = bounded(String(v[i]), DEFAULT_LIMIT);
    return list;
  }
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      if (x !== null && typeof x === 'object') throw new TypeError(`audit: ${key}.${k} must be a flat value`);
      o[k] = typeof x === 'string' ? bounded(x, DEFAULT_LIMIT) : x;
    }
    return o;
  }
  return v;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function bounded(s: string, max: number): string {
  const t = CONTROL.test(s) ? s.replace(CONTROL_ALL, '\uFFFD') : s;
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
