import type { IncomingMessage, ServerResponse } from 'node:http';
import { safeReturnTo } from '../../../identity/index.ts';
import { finishRegistration, freshForManagement, startRegistration, webauthnErrors } from '../../../webauthn/index.ts';
import type { GatewayServices, RequestState } from '../../context.ts';
import { sendJson } from '../../respond.ts';
import type { Runtime } from '../../runtime.ts';
import { ceremonyDeps, personOf, readJsonBody, requireSession, type SignedIn } from './context.ts';

/** Adding a key to an account that has one needs a fresh second factor (else a stolen session could add its own). */
async function checkMayAdd(svc: GatewayServices, rt: Runtime, s: SignedIn): Promise<void> {
  const d = ceremonyDeps(svc, rt);
  const all = await d.repos.credentials.listBySub(s.identity.sub);
  const active = all.filter((c) => c.disabledAt === null);
  // Only disabled keys left (clone suspected): no self-service re-enrolment, an administrator revokes them first.
  if (active.length === 0 && all.length > 0) throw webauthnErrors.KeysDisabled.create();
  if (active.length > 0 && !freshForManagement(d.cfg, s.identity, svc.now(), { allowIdpLogin: false })) {
    throw webauthnErrors.ManageVerificationRequired.create({ details: { verify_with: 'any_key' } });
  }
}

/** POST /.airlock/webauthn/register/options — creation options for a new key of the signed-in person. */
export async function registerOptions(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime): Promise<void> {
  const s = await requireSession(req, rt, svc);
  await readJsonBody(req, rt);
  await checkMayAdd(svc, rt, s);
  const options = await startRegistration(ceremonyDeps(svc, rt), personOf(s.identity), s.record.idHash);
  sendJson(res, 200, options);
}

/** POST /.airlock/webauthn/register/verify { response, name?, rd? } — stores the key; the session counts as verified. */
export async function registerVerify(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  const s = await requireSession(req, rt, svc);
  const body = await readJsonBody(req, rt);
  const rd = safeReturnTo(typeof body.rd === 'string' ? body.rd : undefined);
  await checkMayAdd(svc, rt, s);
  const cred = await finishRegistration(ceremonyDeps(svc, rt), personOf(s.identity), s.record.idHash, { response: body.response, name: body.name }, rs.id);
  await svc.sessions.setMfa(s.cookieId, { method: 'webauthn', at: svc.now(), credentialId: cred.id });
  sendJson(res, 200, { ok: true, credential: { id: cred.id, name: cred.name }, redirect: rd });
}
