import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkKeyName, freshForManagement, mustUseKey, webauthnErrors } from '../../../webauthn/index.ts';
import type { GatewayServices, RequestState } from '../../context.ts';
import { sendJson } from '../../respond.ts';
import type { Runtime } from '../../runtime.ts';
import { ceremonyDeps, readJsonBody, requireSession } from './context.ts';

function idOf(v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{1,1400}$/.test(v)) throw webauthnErrors.RequestInvalid.create({ logMessage: 'id must be a credential id' });
  return v;
}

/** POST /.airlock/webauthn/keys/rename { id, name } — one of the person's own keys. */
export async function renameKey(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  const s = await requireSession(req, rt, svc);
  const body = await readJsonBody(req, rt);
  const id = idOf(body.id);
  const name = checkKeyName(body.name);
  const d = ceremonyDeps(svc, rt);
  if (!(await d.repos.credentials.rename(id, s.identity.sub, name))) throw webauthnErrors.KeyNotFound.create();
  d.events({ kind: 'renamed', sub: s.identity.sub, username: s.identity.username, sessionId: s.identity.sessionId, credentialId: id, purpose: 'manage', requestId: rs.id, detail: { name } });
  sendJson(res, 200, { ok: true, id, name });
}

/**
 * POST /.airlock/webauthn/keys/remove { id } — needs a fresh second factor that is NOT this key (another key,
 * or a fresh IdP login); the last key of a person who must have one cannot be removed.
 */
export async function removeKey(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  const s = await requireSession(req, rt, svc);
  const body = await readJsonBody(req, rt);
  const id = idOf(body.id);
  const d = ceremonyDeps(svc, rt);
  const mine = await d.repos.credentials.listBySub(s.identity.sub);
  const target = mine.find((c) => c.id === id);
  if (!target) throw webauthnErrors.KeyNotFound.create();
  const othersActive = mine.filter((c) => c.id !== id && c.disabledAt === null);
  if (othersActive.length === 0 && mustUseKey(d.cfg, s.identity)) throw webauthnErrors.LastRequiredKey.create();
  if (!freshForManagement(d.cfg, s.identity, svc.now(), { excludeCredential: id, allowIdpLogin: true })) {
    throw webauthnErrors.ManageVerificationRequired.create({ details: { verify_with: othersActive.length > 0 ? 'another_key' : 'idp_login', exclude: id } });
  }
  if (!(await d.repos.credentials.remove(id, s.identity.sub))) throw webauthnErrors.KeyNotFound.create();
  d.events({ kind: 'removed', sub: s.identity.sub, username: s.identity.username, sessionId: s.identity.sessionId, credentialId: id, purpose: 'manage', aaguid: target.aaguid, requestId: rs.id });
  sendJson(res, 200, { ok: true, id });
}
