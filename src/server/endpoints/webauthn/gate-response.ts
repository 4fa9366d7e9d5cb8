import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../../../identity/index.ts';
import { gateFor, webauthnErrors, webauthnFor } from '../../../webauthn/index.ts';
import type { RequestState } from '../../context.ts';
import { redirect, sendJson } from '../../respond.ts';
import type { Runtime } from '../../runtime.ts';

/**
 * The enrolment / verification gate after authentication. A person who must use a security key and whose
 * session has no accepted second factor yet goes to /.airlock/webauthn/verify (register the first key, or
 * confirm with one); an API client gets 401 JSON with `verify_url`. Returns true when it answered.
 */
export function webauthnGate(req: IncomingMessage, res: ServerResponse, rt: Runtime, rs: RequestState, identity: Identity, returnTo: string): boolean {
  if (gateFor(webauthnFor(rt.config), identity) === undefined) return false;
  rs.decision = 'webauthn_required';
  req.resume();
  res.setHeader('x-request-id', rs.id);
  const method = req.method ?? 'GET';
  const rd = method === 'GET' || method === 'HEAD' ? returnTo : '/';
  const verifyUrl = `/.airlock/webauthn/verify?rd=${encodeURIComponent(rd)}`;
  if (rs.api) {
    const e = webauthnErrors.VerificationRequired;
    sendJson(res, e.status, { error: e.code, message: e.message, verify_url: `${rt.publicUrl}${verifyUrl}`, request_id: rs.id });
  } else {
    redirect(res, verifyUrl);
  }
  return true;
}
