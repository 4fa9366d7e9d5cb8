import type { IncomingMessage, ServerResponse } from 'node:http';
import { safeReturnTo } from '../../../identity/index.ts';
import { finishRegistration, firstKeyLoginFresh, firstKeyMfaAt, freshForManagement, startRegistration, webauthnErrors } from '../../../webauthn/index.ts';
import type { GatewayServices, RequestState } from '../../context.ts';
import { sendJson } from '../../respond.ts';
import type { Runtime } from '../../runtime.ts';
import { ceremonyDeps, idpLoginAt, personOf, readJsonBody, reauthLoginPath, requireSession, type SignedIn } from './context.ts';

/**
 * Adding a key to an account that has one needs a fresh second factor (else a stolen session could add its
 * own). The first key rests on the IdP sign-in alone, which must then be within manage_within (else a stolen,
 * old session could enrol its own key and answer every step-up with it). Returns whether it is the first key.
 */
async function checkMayAdd(svc: GatewayServices, rt: Runtime, s: SignedIn): Promise<{ readonly first: boolean }> {
  const d = ceremonyDeps(svc, rt);
  const all = await d.repos.credentials.listBySub(s.identity.sub);
  const active = all.filter((c) => c.disabledAt === null);
  // Only disabled keys left (clone suspected): no self-service re-enrolment, an administrator revokes them first.
  if (active.length === 0 && all.length > 0) throw webauthnErrors.KeysDisabled.create();
  if (active.length > 0) {
    if (!freshForManagement(d.cfg, s.identity, svc.now(), { allowIdpLogin: false })) {
      throw webauthnErrors.ManageVerificationRequired.create({ details: { verify_with: 'any_key' } });
    }
    return { first: false };
  }
  const at = idpLoginAt(s);
  if (!firstKeyLoginFresh(d.cfg, at, svc.now())) {
    throw webauthnErrors.FreshLoginRequired.create({
      logMessage: at === undefined ? 'first key from a session that no IdP login made' : `first key, IdP sign-in ${Math.round((svc.now() - at) / 1000)}s ago (manage_within ${Math.round(d.cfg.manageWithin / 1000)}s)`,
      details: { login_url: `${rt.publicUrl}${reauthLoginPath('/')}` },
    });
  }
  return { first: true };
}

/** POST /.airlock/webauthn/register/options — creation options for a new key of the signed-in person. */
export async function registerOptions(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime): Promise<void> {
  const s = await requireSession(req, rt, svc);
  await readJsonBody(req, rt);
  await checkMayAdd(svc, rt, s);
  const options = await startRegistration(ceremonyDeps(svc, rt), personOf(s.identity), s.record.idHash);
  sendJson(res, 200, options);
}

/**
 * POST /.airlock/webauthn/register/verify { response, name?, rd? } — stores the key; the session counts as
 * verified (a first key: as of the IdP sign-in, see checkMayAdd).
 */
export async function registerVerify(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  const s = await requireSession(req, rt, svc);
  const body = await readJsonBody(req, rt);
  const rd = safeReturnTo(typeof body.rd === 'string' ? body.rd : undefined);
  const { first } = await checkMayAdd(svc, rt, s);
  const cred = await finishRegistration(ceremonyDeps(svc, rt), personOf(s.identity), s.record.idHash, { response: body.response, name: body.name }, rs.id);
  // a first key counts as of the IdP sign-in it rests on (so it satisfies a step-up only if that sign-in is recent enough)
  const now = svc.now();
  await svc.sessions.setMfa(s.cookieId, { method: 'webauthn', at: first ? firstKeyMfaAt(idpLoginAt(s)!, now) : now, credentialId: cred.id });
  sendJson(res, 200, { ok: true, credential: { id: cred.id, name: cred.name }, redirect: rd });
}
