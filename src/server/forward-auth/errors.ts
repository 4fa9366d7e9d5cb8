import { defineError } from '../../errors/index.ts';

/** Forward-auth decisions (docs/forward-auth.md); the ingress's description of the request: src/proxy/forward-auth-errors.ts. */
export const AuthzDisabled = defineError('AIRLOCK_AUTHZ_DISABLED', 404, 'Forward-auth is not enabled on this gateway (forward_auth.enabled).');
export const AuthzBodyRequired = defineError(
  'AIRLOCK_AUTHZ_BODY_REQUIRED',
  403,
  'This request is decided by the DAG ids or the action in its body, and the ingress did not send the body. Send it through an ingress that forwards the body to Airlock (Envoy with_request_body), or through Airlock itself.',
);
export const AuthzPartialBody = defineError('AIRLOCK_AUTHZ_PARTIAL_BODY', 413, 'The ingress sent only part of the request body, so the DAG ids in it cannot be checked.');
export const AuthzDagFilterUnchecked = defineError(
  'AIRLOCK_AUTHZ_DAG_FILTER_UNCHECKED',
  403,
  'This DAG list is allowed only because Airflow filters it by your rules, which Airlock cannot check in forward-auth mode. Ask for the DAGs by id, or use Airlock as the proxy.',
);
