import type { Action, RouteInfo } from './catalogue/index.ts';
import type { CanonicalTarget } from './canonicalize.ts';
import type { ListBehaviour } from './lists.ts';

export interface Subject {
  kind: 'person' | 'service' | 'agent';
  sub: string;
  username: string;
  email?: string | undefined;
  groups: readonly string[];
  roles: readonly string[];
  mfa: { method: 'webauthn' | 'idp' | 'none'; at?: number; credentialId?: string };
}

export interface Classification {
  readonly airflow: 2 | 3;
  /** null = unknown route (denied unless allow-listed). */
  readonly route: RouteInfo | null;
  readonly resource: string;
  readonly action: Action;
  /** DAG ids named by path, query and (after readBodyDagIds) body: every one must be allowed. */
  readonly dagIds: readonly string[];
  /** The request acts on every DAG ("~", a list without ids, an opaque id such as file_token). */
  readonly allDags: boolean;
  /** Whether DAG ids must still be read from the body (readBodyDagIds). */
  readonly body: 'none' | 'json' | 'form';
  readonly allowListed: boolean;
  readonly params: Readonly<Record<string, string>>;
  readonly target: CanonicalTarget;
  /** Body ids narrow allDags to the ids named (Airflow filters "~" list endpoints by them). */
  readonly narrowable: boolean;
  /** A single-DAG operation: all sources must agree on one dag_id. */
  readonly singleDag: boolean;
  readonly maxBody: number;
  /** A DAG list route (src/policy/lists.ts): whether Airflow filters it, which query parameters name DAGs. */
  readonly list?: ListBehaviour | undefined;
}

export interface DagMeta {
  readonly tags: readonly string[];
  readonly owners: readonly string[];
}

/** What the metadata fetcher last read from Airflow for one environment. */
export interface DagMetadataSnapshot {
  /** Epoch ms of the read. */
  readonly fetchedAt: number;
  readonly dags: ReadonlyMap<string, DagMeta>;
}

export type DecisionEffect = 'allow' | 'deny' | 'step_up';

export interface Reason {
  readonly code: string;
  readonly rule?: { readonly id: string; readonly name: string };
  readonly message: string;
}

export interface Decision {
  readonly effect: DecisionEffect;
  readonly reasons: readonly Reason[];
  readonly resource: string;
  readonly action: Action;
  readonly dagIds: string[];
  /** IdP groups that, via cfg.roles, would grant this action (shown on the 403 page). */
  readonly grantingGroups: string[];
  /** Catalogue id of the route decided, or null for an unknown route. */
  readonly route: string | null;
  /** For step_up: how fresh (ms) the second factor must be. */
  readonly stepUpWithin?: number;
  /**
   * Allowed only because Airflow filters this list by the rules (airflow_filters_dags): the proxy must see the
   * integration's X-Airlock-Dag-Filter marker on the answer, or replace it with a 502.
   */
  readonly upstreamFilter?: true;
}

export interface DecideContext {
  readonly now: number;
  readonly dagMetadata?: DagMetadataSnapshot | undefined;
}
