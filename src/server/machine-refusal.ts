import type { ServerResponse } from 'node:http';
import type { Identity } from '../identity/index.ts';
import type { Decision } from '../policy/index.ts';
import { tokenErrors } from '../tokens/index.ts';
import type { RequestState } from './context.ts';
import { Forbidden, NoRole } from './errors.ts';
import { sendJson } from './respond.ts';

/**
 * A machine caller's refusal: always JSON (never a page, a redirect or a cookie), naming the token or service
 * account, its owner, and every reason (the scope or rule that refused). AIRLOCK_TOKEN_SCOPE when the token's or the
 * service account's scope refused, AIRLOCK_TOKEN_STEP_UP when the action needs a person's security key, else the
 * policy's AIRLOCK_SERVER_FORBIDDEN / AIRLOCK_SERVER_NO_ROLE (the owner's or service account's rights).
 */
export function refuseMachine(res: ServerResponse, rs: RequestState, identity: Identity, d: Decision): void {
  const e = machineRefusalError(identity, d);
  const m = identity.machine;
  sendJson(res, e.status, {
    error: e.code,
    message: e.message,
    env: rs.env,
    action: d.action,
    resource: d.resource,
    dag_ids: d.dagIds,
    reasons: d.reasons,
    caller: {
      kind: identity.kind,
      username: identity.username,
      token_id: identity.tokenId ?? null,
      token_name: m?.tokenName ?? null,
      owner: m?.owner?.username ?? null,
      service_account: m?.serviceAccount ?? null,
    },
    request_id: rs.id,
  });
}

/** The error a machine's refusal carries (see refuseMachine). */
export function machineRefusalError(identity: Identity, d: Decision): { readonly code: string; readonly status: number; readonly message: string } {
  const codes = d.reasons.map((r) => r.code);
  return codes.some((c) => c.startsWith('token_scope_'))
    ? tokenErrors.TokenScope
    : codes.includes('machine_step_up')
      ? tokenErrors.TokenStepUp
      : identity.roles.length === 0
        ? NoRole
        : Forbidden;
}
