import type { ServerResponse } from 'node:http';
import type { Identity } from '../identity/index.ts';
import type { Decision } from '../policy/index.ts';
import type { RequestState } from './context.ts';
import { forbiddenPage } from './pages/forbidden-page.ts';
import { sendHtml, sendJson } from './respond.ts';
import type { Runtime } from './runtime.ts';
import { signOutPageHeaders } from './sign-out-page.ts';

/** The 401 JSON of a decision that needs a fresh security-key confirmation (`stepUpUrl`: absolute, the step-up page). */
export function sendStepUpJson(res: ServerResponse, rs: RequestState, d: Decision, stepUpUrl: string): void {
  sendJson(res, 401, { error: 'AIRLOCK_WEBAUTHN_STEP_UP_REQUIRED', message: 'This action needs a fresh confirmation with your security key.', step_up_url: stepUpUrl, reasons: d.reasons, request_id: rs.id });
}

/**
 * A person's refusal by the policy (403): JSON with the action, resource, DAG ids, reasons and the groups that would
 * grant it for API clients; the forbidden page (with the sign-out button) for people. AIRLOCK_SERVER_NO_ROLE when
 * the person has no Airflow role at all, else AIRLOCK_SERVER_FORBIDDEN. Headers set on `res` before are kept.
 */
export function sendForbidden(res: ServerResponse, rt: Runtime, rs: RequestState, identity: Identity, d: Decision): void {
  const noRole = identity.roles.length === 0;
  const code = noRole ? 'AIRLOCK_SERVER_NO_ROLE' : 'AIRLOCK_SERVER_FORBIDDEN';
  if (rs.api) {
    return sendJson(res, 403, {
      error: code,
      message: noRole ? 'Your account has no Airflow role here.' : 'You may not do this.',
      action: d.action,
      resource: d.resource,
      dag_ids: d.dagIds,
      reasons: d.reasons,
      granting_groups: d.grantingGroups,
      request_id: rs.id,
    });
  }
  sendHtml(
    res,
    403,
    forbiddenPage({ username: identity.username, action: d.action, resource: d.resource, env: rs.env, dagIds: d.dagIds, reasons: d.reasons, grantingGroups: d.grantingGroups, yourGroups: identity.groups, requestId: rs.id }),
    signOutPageHeaders(rt), // the page has the sign-out button
  );
}
