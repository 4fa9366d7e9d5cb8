import type { IncomingMessage, ServerResponse } from 'node:http';
import { device } from '../../../tokens/index.ts';
import type { GatewayServices, RequestState } from '../../context.ts';
import { sendJson } from '../../respond.ts';
import type { Runtime } from '../../runtime.ts';
import { clientIp, DEVICE_CLIENT_ID, DEVICE_CODE_REQUESTS_PER_MINUTE, DEVICE_CODE_TTL_MS, DEVICE_INTERVAL_MS, MAX_PENDING_DEVICE_GRANTS, readForm, takeCodeRequest } from './form.ts';

/** Expired grants are kept this long (a late poll learns expired_token), then deleted by the next code request. */
const KEEP_EXPIRED_MS = 60 * 60_000;

const oauthError = (res: ServerResponse, status: number, error: string, description: string) => sendJson(res, status, { error, error_description: description });

/**
 * POST /.airlock/device/code — RFC 8628 §3.1 device authorization request of `airlock login`.
 * Form: client_id=airlock-cli, env (optional: comma-separated environments, default every one), scope
 * (optional: space-separated actions, default tokens.allowed_actions).
 * Unauthenticated, so bounded before it touches the store: DEVICE_CODE_REQUESTS_PER_MINUTE per client address and
 * worker (429 slow_down, Retry-After), and at most MAX_PENDING_DEVICE_GRANTS undecided grants in all (503).
 */
export async function deviceCode(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  rs.api = true;
  const form = await readForm(req);
  if (!form) return oauthError(res, 400, 'invalid_request', 'send an application/x-www-form-urlencoded body, each parameter once');
  if (form.get('client_id') !== DEVICE_CLIENT_ID) return oauthError(res, 401, 'invalid_client', `client_id must be ${DEVICE_CLIENT_ID}`);
  const cfg = rt.config;
  const envParam = form.get('env');
  const envs = envParam === null || envParam === '' ? ['*'] : [...new Set(envParam.split(',').map((e) => e.trim()))];
  for (const e of envs) {
    if (e !== '*' && !Object.hasOwn(cfg.environments, e)) return oauthError(res, 400, 'invalid_scope', `env ${JSON.stringify(e.slice(0, 64))} is not a configured environment`);
  }
  const scopeParam = form.get('scope');
  const actions = scopeParam === null || scopeParam.trim() === '' ? [...cfg.tokens.allowed_actions] : [...new Set(scopeParam.trim().split(/\s+/))];
  for (const a of actions) {
    if (!(cfg.tokens.allowed_actions as readonly string[]).includes(a)) return oauthError(res, 400, 'invalid_scope', `scope ${JSON.stringify(a.slice(0, 64))} is not an action in tokens.allowed_actions (${cfg.tokens.allowed_actions.join(' ')})`);
  }
  const now = svc.now();
  const address = clientIp(req, rt) ?? 'unknown';
  const waitMs = takeCodeRequest(svc, address, now);
  if (waitMs > 0) {
    svc.log.warn({ reqId: rs.id, clientIp: address }, 'device: authorization requests from this address over the limit');
    res.setHeader('retry-after', String(Math.ceil(waitMs / 1000)));
    return oauthError(res, 429, 'slow_down', `too many sign-in requests from this address (at most ${DEVICE_CODE_REQUESTS_PER_MINUTE} a minute); retry after the time in Retry-After`);
  }
  await svc.store.deviceGrants.deleteExpired(now - KEEP_EXPIRED_MS);
  if ((await svc.store.deviceGrants.countPending(now)) >= MAX_PENDING_DEVICE_GRANTS) {
    svc.log.warn({ reqId: rs.id, clientIp: address, max: MAX_PENDING_DEVICE_GRANTS }, 'device: too many sign-ins waiting for a decision; refused');
    res.setHeader('retry-after', '60');
    return oauthError(res, 503, 'temporarily_unavailable', 'too many sign-ins are waiting for approval; retry in a minute');
  }
  const { deviceCode: code, hash } = device.generateDeviceCode();
  let userCode = '';
  for (let attempt = 0; ; attempt++) {
    userCode = device.generateUserCode();
    if ((await svc.store.deviceGrants.byUserCode(userCode)) === undefined) break;
    if (attempt >= 4) throw new Error('device: no free user code after 5 attempts');
  }
  await svc.store.deviceGrants.insert({
    deviceCodeHash: hash,
    userCode,
    clientId: DEVICE_CLIENT_ID,
    envs,
    actions,
    tokenTtl: device.personalTtl(cfg),
    clientIp: address === 'unknown' ? null : address,
    intervalMs: DEVICE_INTERVAL_MS,
    createdAt: now,
    expiresAt: now + DEVICE_CODE_TTL_MS,
  });
  const shown = device.formatUserCode(userCode);
  const uri = `${rt.publicUrl}/.airlock/device`;
  svc.log.info({ reqId: rs.id, envs, actions }, 'device: authorization requested');
  sendJson(res, 200, {
    device_code: code,
    user_code: shown,
    verification_uri: uri,
    verification_uri_complete: `${uri}?user_code=${shown}`,
    expires_in: DEVICE_CODE_TTL_MS / 1000,
    interval: DEVICE_INTERVAL_MS / 1000,
  });
}
