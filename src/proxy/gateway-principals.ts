import type { Identity } from '../identity/identity.ts';

/**
 * Callers the gateway itself speaks for in X-Airlock-Assertion (docs/assertion-contract.md, "Gateway
 * principals"). Each is one frozen object: the assertion cache reuses a token only for the very same object.
 */

/**
 * A request forwarded without a signed-in caller because its route is on the allow-list (static assets, health,
 * version). Its assertion carries `anonymous: true`, no groups and no roles: Airflow learns the request came through
 * the gateway and treats it as anonymous (it logs nobody in).
 */
export const ANONYMOUS_CALLER: Identity = Object.freeze({
  kind: 'service',
  sub: 'airlock:anonymous',
  username: 'airlock-anonymous',
  email: undefined,
  name: undefined,
  groups: Object.freeze([]) as readonly string[],
  roles: Object.freeze([]) as readonly string[],
  mfa: Object.freeze({ method: 'none' }),
});

/** Airflow role the DAG metadata reader gets: Airflow's default Viewer can read every DAG (tags, owners). */
export const DAG_METADATA_READER_ROLE = 'Viewer';

/**
 * The gateway reading Airflow's DAG list (tags, owners) for policy.dag_metadata: a service whose Airflow user is
 * `airlock-dag-metadata` with the Viewer role (the integration creates it on the first read, like any user).
 */
export const DAG_METADATA_READER: Identity = Object.freeze({
  kind: 'service',
  sub: 'airlock:dag-metadata',
  username: 'airlock-dag-metadata',
  email: undefined,
  name: 'Airlock DAG metadata',
  groups: Object.freeze([]) as readonly string[],
  roles: Object.freeze([DAG_METADATA_READER_ROLE]) as readonly string[],
  mfa: Object.freeze({ method: 'none' }),
});

export function isAnonymousCaller(identity: Identity): boolean {
  return identity === ANONYMOUS_CALLER;
}
