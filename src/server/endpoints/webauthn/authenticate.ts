import type { IncomingMessage, ServerResponse } from 'node:http';
import { safeReturnTo } from '../../../identity/index.ts';
import { finishAuthentication, startAuthentication, webauthnErrors, type AssertionPurpose } from '../../../webauthn/index.ts';
import type { GatewayServices, RequestState } from '../../context.ts';
import { sendJson } from '../../respond.ts';
import type { Runtime } from '../../runtime.ts';
import { ceremonyDeps, personOf, readJsonBody, requireSession } from './context.ts';

const SESSION_PURPOSES: ReadonlySet<string> = new Set(['login', 'step_up', 'manage']);

function purposeOf(v: unknown): Exclude<AssertionPurpose, 'passwordless'> {
  if (typeof v !== 'string' || !SESSION_PURPOSES.has(v)) throw webauthnErrors.RequestInvalid.create({ logMessage: 'purpose must be login, step_up or manage' });
  return v as Exclude<AssertionPurpose, 'passwordless'>;
}

/** POST /.airlock/webauthn/authenticate/options { purpose, exclude? } — request options for the signed-in person's keys. */
export async function authenticateOptions(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime): Promise<void> {
  const s = await requireSession(req, rt, svc);
  const body = await readJsonBody(req, rt);
  const purpose = purposeOf(body.purpose);
  const exclude = purpose === 'manage' && typeof body.exclude === 'string' ? body.exclude : undefined;
  const options = await startAuthentication(ceremonyDeps(svc, rt), { purpose, person: personOf(s.identity), binding: s.record.idHash, exclude });
  sendJson(res, 200, options);
}

/** POST /.airlock/webauthn/authenticate/verify { purpose, response, rd? } — a verified assertion marks the session. */
export async function authenticateVerify(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  const s = await requireSession(req, rt, svc);
  const body = await readJsonBody(req, rt);
  const purpose = purposeOf(body.purpose);
  const rd = safeReturnTo(typeof body.rd === 'string' ? body.rd : undefined);
  const r = await finishAuthentication(ceremonyDeps(svc, rt), { purposes: [purpose], person: personOf(s.identity), binding: s.record.idHash, response: body.response, requestId: rs.id });
  await svc.sessions.setMfa(s.cookieId, { method: 'webauthn', at: r.at, credentialId: r.credential.id });
  sendJson(res, 200, { ok: true, credential: { id: r.credential.id, name: r.credential.name }, redirect: rd });
}
