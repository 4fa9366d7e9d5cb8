import type { AuditLog } from '../audit/index.ts';
import type { ConfigHolder } from '../config/index.ts';
import type { Identity, LoginStateStore } from '../identity/index.ts';
import type { KeyRing } from '../keys/index.ts';
import type { DagMetadataSnapshot } from '../policy/index.ts';
import type { AssertionCache } from '../proxy/index.ts';
import type { SessionManager } from '../session/index.ts';
import type { Store } from '../store/index.ts';
import type { TokenService } from '../tokens/index.ts';
import type { AuditFacts } from './audit-hooks.ts';
import type { Logger } from './logger.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { Runtime } from './runtime.ts';

/** Process-wide services, shared by every request of one worker. */
export interface GatewayServices {
  readonly holder: ConfigHolder;
  readonly store: Store;
  readonly sessions: SessionManager;
  /** Machine callers: Airlock tokens and workload JWTs (per-worker caches, rate limits, last-use writes). */
  readonly tokens: TokenService;
  readonly keys: KeyRing;
  readonly loginStates: LoginStateStore;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  /** The audit trail (src/audit): durable before forwarding a mutation, batched for reads. */
  readonly audit: AuditLog;
  readonly now: () => number;
  /** Aggregated metrics text (cluster primary) or this worker's. */
  readonly metricsText: () => Promise<string>;
  runtime(): Runtime;
  assertions(): AssertionCache;
  /** The environment's DAG metadata (tags, owners) when policy.dag_metadata configures a source. */
  dagMetadata(env: string): DagMetadataSnapshot | undefined;
}

/** One request in flight. */
export interface RequestState {
  readonly id: string;
  readonly started: number;
  env: string;
  decision: string;
  reasons: readonly string[];
  identity: Identity | undefined;
  upstreamStatus: number | undefined;
  /** Set after classification: what the audit event says about the request. */
  audit?: AuditFacts;
  /** The error code the request was refused with, if any (audit reasons). */
  errorCode?: string;
  api: boolean;
  /** The client address the request was forwarded with (set by forwardHeaders). */
  clientIp?: string;
  /** Added to the detail of this request's audit events (forward-auth: `{ forward_auth: <ingress> }`). */
  auditDetail?: Readonly<Record<string, string>>;
}
