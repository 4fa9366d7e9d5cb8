import type { IncomingMessage, ServerResponse } from 'node:http';
import { safeReturnTo } from '../../../identity/index.ts';
import { authenticatorName, firstKeyLoginFresh, mustUseKey, sessionVerified, webauthnErrors, webauthnFor, webauthnRepos } from '../../../webauthn/index.ts';
import { authenticate } from '../../authenticate.ts';
import type { GatewayServices, RequestState } from '../../context.ts';
import { enrollPage, keysPage, passwordlessPage, stepUpPage, verifyPage, WEBAUTHN_CSP } from '../../pages/webauthn-pages.ts';
import { redirect, sendHtml } from '../../respond.ts';
import type { Runtime } from '../../runtime.ts';
import { enrollReturnTo, idpLoginAt, reauthLoginPath, type SignedIn } from './context.ts';

/** The session of a page request, or a redirect to the login that comes back here. */
async function sessionOrLogin(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<SignedIn | undefined> {
  rs.api = false;
  const auth = await authenticate(req, rt, svc);
  if (auth) {
    rs.identity = auth.identity;
    return auth;
  }
  // After the IdP login the callback sends a person who needs a key to the verify page by itself.
  const rd = safeReturnTo(url.searchParams.get('rd'));
  redirect(res, `/.airlock/login?rd=${encodeURIComponent(rd)}`);
  return undefined;
}

async function activeKeys(svc: GatewayServices, sub: string) {
  return (await webauthnRepos(svc.store).credentials.listBySub(sub)).filter((c) => c.disabledAt === null);
}

const html = (res: ServerResponse, body: string) => sendHtml(res, 200, body, { 'content-security-policy': WEBAUTHN_CSP });

/** For a person without keys: the forced sign-in link when their IdP sign-in is too old to register a first key on. */
function signInAgain(s: SignedIn, svc: GatewayServices, rt: Runtime, rd: string): string | undefined {
  return firstKeyLoginFresh(webauthnFor(rt.config), idpLoginAt(s), svc.now()) ? undefined : reauthLoginPath(rd);
}

/** GET /.airlock/webauthn/verify?rd= — the gate's target: confirm with a key, or register the first one. */
export async function verifyPageEndpoint(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  const s = await sessionOrLogin(req, res, svc, rt, rs, url);
  if (!s) return;
  const cfg = webauthnFor(rt.config);
  const rd = safeReturnTo(url.searchParams.get('rd'));
  const required = mustUseKey(cfg, s.identity);
  const keys = await activeKeys(svc, s.identity.sub);
  if (s.identity.mfa.method === 'webauthn' || (required && sessionVerified(cfg, s.identity)) || (!required && keys.length === 0)) return redirect(res, rd);
  const who = { username: s.identity.username, name: s.identity.name };
  if (keys.length > 0) return html(res, verifyPage({ ...who, rd, required }));
  html(res, enrollPage({ ...who, rd, mode: 'enroll', keyCount: 0, signInAgain: signInAgain(s, svc, rt, rd) }));
}

/** GET /.airlock/webauthn/enroll?rd= — add a (first or further) key. */
export async function enrollPageEndpoint(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  const s = await sessionOrLogin(req, res, svc, rt, rs, url);
  if (!s) return;
  const rd = enrollReturnTo(url.searchParams.get('rd'));
  const keys = await activeKeys(svc, s.identity.sub);
  const required = mustUseKey(webauthnFor(rt.config), s.identity);
  const first = keys.length === 0;
  html(res, enrollPage({ username: s.identity.username, name: s.identity.name, rd, mode: first ? 'enroll' : 'add', keyCount: keys.length, reason: required ? undefined : 'A security key protects your account and confirms dangerous actions.', signInAgain: first ? signInAgain(s, svc, rt, rd) : undefined }));
}

/** GET /.airlock/webauthn/step-up?rd= — a fresh assertion, then back to rd (a person without keys registers one). */
export async function stepUpPageEndpoint(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  const s = await sessionOrLogin(req, res, svc, rt, rs, url);
  if (!s) return;
  const cfg = webauthnFor(rt.config);
  const rd = safeReturnTo(url.searchParams.get('rd'));
  const keys = await activeKeys(svc, s.identity.sub);
  const who = { username: s.identity.username, name: s.identity.name };
  if (keys.length === 0) {
    return html(res, enrollPage({ ...who, rd, mode: 'enroll', keyCount: 0, reason: 'This action needs a security key, and you have none yet.', signInAgain: signInAgain(s, svc, rt, rd) }));
  }
  html(res, stepUpPage({ ...who, rd, idpLogin: cfg.idpMfa.accept }));
}

/** GET /.airlock/webauthn/keys — the person's keys: name, model, created, last used; rename, remove, add. */
export async function keysPageEndpoint(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  const s = await sessionOrLogin(req, res, svc, rt, rs, url);
  if (!s) return;
  const cfg = webauthnFor(rt.config);
  const all = await webauthnRepos(svc.store).credentials.listBySub(s.identity.sub);
  const keys = all.map((c) => ({
    id: c.id,
    name: c.name,
    model: authenticatorName(cfg.names, c.aaguid),
    createdAt: c.createdAt,
    lastUsedAt: c.lastUsedAt,
    disabledReason: c.disabledAt === null ? null : (c.disabledReason ?? 'disabled'),
    current: s.identity.mfa.credentialId === c.id,
    synced: c.backupEligible,
  }));
  html(res, keysPage({ username: s.identity.username, name: s.identity.name, keys, required: mustUseKey(cfg, s.identity), maxKeys: cfg.maxKeys }));
}

/** GET /.airlock/webauthn/passwordless?rd= — sign in with a passkey (when enabled). */
export function passwordlessPageEndpoint(_req: IncomingMessage, res: ServerResponse, _svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): void {
  rs.api = false;
  if (!webauthnFor(rt.config).passwordless.enabled) throw webauthnErrors.PasswordlessDisabled.create();
  html(res, passwordlessPage({ rd: safeReturnTo(url.searchParams.get('rd')) }));
}
