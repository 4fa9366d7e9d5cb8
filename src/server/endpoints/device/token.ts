import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAirlockError } from '../../../errors/index.ts';
import { device } from '../../../tokens/index.ts';
import type { GatewayServices, RequestState } from '../../context.ts';
import { sendJson } from '../../respond.ts';
import type { Runtime } from '../../runtime.ts';
import { DEVICE_CLIENT_ID, DEVICE_GRANT_TYPE, readForm } from './form.ts';

const oauthError = (res: ServerResponse, status: number, error: string, description: string) => sendJson(res, status, { error, error_description: description });

/**
 * POST /.airlock/device/token — RFC 8628 §3.4 device access token request (polled by `airlock login`).
 * Answers authorization_pending, slow_down (polled sooner than the interval: the interval grows by 5 s),
 * access_denied, expired_token, invalid_grant (unknown or already exchanged device code) or, once, the person's
 * token (kind person, owned by the approver).
 */
export async function deviceToken(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  rs.api = true;
  const form = await readForm(req);
  if (!form) return oauthError(res, 400, 'invalid_request', 'send an application/x-www-form-urlencoded body, each parameter once');
  if (form.get('grant_type') !== DEVICE_GRANT_TYPE) return oauthError(res, 400, 'unsupported_grant_type', `grant_type must be ${DEVICE_GRANT_TYPE}`);
  if (form.get('client_id') !== DEVICE_CLIENT_ID) return oauthError(res, 401, 'invalid_client', `client_id must be ${DEVICE_CLIENT_ID}`);
  const code = form.get('device_code');
  if (code === null || code === '') return oauthError(res, 400, 'invalid_request', 'device_code is missing');
  const now = svc.now();
  const hash = device.isWellFormedDeviceCode(code) ? device.hashDeviceCode(code) : undefined;
  const grant = hash === undefined ? undefined : await svc.store.deviceGrants.byDeviceCodeHash(hash);
  const outcome = device.pollOutcome(grant?.clientId === DEVICE_CLIENT_ID ? grant : undefined, now);
  if (outcome.kind === 'error') {
    if (outcome.record && hash !== undefined) await svc.store.deviceGrants.recordPoll(hash, now, outcome.slowDown);
    return oauthError(res, 400, outcome.error, outcome.description);
  }
  // approved: exactly one poll wins the grant and gets the token
  if (!grant || !hash || !(await svc.store.deviceGrants.markIssued(hash, now))) return oauthError(res, 400, 'invalid_grant', 'this device_code was already exchanged for a token');
  let issued;
  try {
    issued = await device.issueDeviceToken(svc.store, rt.config, grant, async (e) => void (await svc.audit.recordDurable({ ...e, request_id: rs.id })), now);
  } catch (err) {
    if (!isAirlockError(err) || err.status >= 500) throw err;
    svc.log.warn({ reqId: rs.id, code: err.code, err: err.message }, 'device: approved, but the token could not be issued');
    return oauthError(res, 400, 'access_denied', `the token could not be issued: ${err.publicMessage}`);
  }
  await svc.store.deviceGrants.recordToken(hash, issued.row.id);
  svc.log.info({ reqId: rs.id, tokenId: issued.row.id, owner: grant.decidedBy }, 'device: token issued');
  sendJson(res, 200, {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: Math.floor((issued.row.expiresAt - now) / 1000),
    scope: issued.row.actions.join(' '),
    env: issued.row.envs.join(','),
    token_id: issued.row.id,
    token_name: issued.row.name,
  });
}
