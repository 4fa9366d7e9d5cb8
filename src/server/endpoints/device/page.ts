import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../../../identity/index.ts';
import { mustUseKey, webauthnFor } from '../../../webauthn/index.ts';
import type { DeviceGrantRow } from '../../../store/index.ts';
import { device } from '../../../tokens/index.ts';
import { authenticate } from '../../authenticate.ts';
import type { GatewayServices, RequestState } from '../../context.ts';
import { CrossOrigin, NotAuthenticated } from '../../errors.ts';
import { escapeHtml, layout } from '../../pages/html.ts';
import { redirect, sendHtml } from '../../respond.ts';
import type { Runtime } from '../../runtime.ts';
import { isSameOriginPost } from '../../same-origin.ts';
import { clientIp, DEVICE_STEP_UP_WITHIN_MS, guessLimiter, readForm } from './form.ts';

const PAGE = '/.airlock/device';
const { DeviceAlreadyDecided, DeviceCodeUnknown, DeviceGuessesLimited, DeviceRequestInvalid, DeviceStepUpRequired } = device.deviceErrors;

const pageFor = (userCode: string | undefined) => (userCode === undefined ? PAGE : `${PAGE}?user_code=${device.formatUserCode(userCode)}`);

/** A person whose role (or group) requires a security key approves only with a fresh WebAuthn assertion. */
function needsStepUp(rt: Runtime, identity: Identity, now: number): boolean {
  if (!mustUseKey(webauthnFor(rt.config), identity)) return false;
  const m = identity.mfa;
  return !(m.method === 'webauthn' && m.at !== undefined && now - m.at <= DEVICE_STEP_UP_WITHIN_MS);
}

function stepUpPath(userCode: string): string {
  return `/.airlock/webauthn/step-up?rd=${encodeURIComponent(pageFor(userCode))}`;
}

/**
 * The pending grant a person typed the code of. Wrong codes count against the person and the client address
 * (GuessLimiter); a limited person is refused before any lookup.
 */
async function pendingGrant(req: IncomingMessage, svc: GatewayServices, rt: Runtime, identity: Identity, raw: string | null): Promise<DeviceGrantRow> {
  const now = svc.now();
  const limiter = guessLimiter(svc);
  const keys = [`sub:${identity.sub}`, `ip:${clientIp(req, rt) ?? '-'}`];
  if (!limiter.allowed(keys[0]!, now) || !limiter.allowed(keys[1]!, now, device.GUESS_LIMIT_PER_ADDRESS)) throw DeviceGuessesLimited.create({ logMessage: `device: ${identity.username} is over the wrong-code limit` });
  const code = device.normaliseUserCode(raw);
  const grant = code === undefined ? undefined : await svc.store.deviceGrants.byUserCode(code);
  if (grant === undefined || now >= grant.expiresAt) {
    for (const k of keys) limiter.miss(k, now);
    throw DeviceCodeUnknown.create({ logMessage: `device: ${identity.username} entered an unknown or expired user code` });
  }
  if (grant.status !== 'pending') throw DeviceAlreadyDecided.create({ logMessage: `device: grant already ${grant.status}` });
  return grant;
}

function describeRequest(g: DeviceGrantRow, now: number): string {
  const envs = g.envs.includes('*') ? 'every environment' : g.envs.map((e) => `<code>${escapeHtml(e)}</code>`).join(', ');
  const hours = g.tokenTtl / 3_600_000;
  const ttl = hours >= 1 && Number.isInteger(hours) ? `${hours} hour${hours === 1 ? '' : 's'}` : `${Math.round(g.tokenTtl / 60_000)} minutes`;
  return `<ul>
<li>Environments: ${envs}</li>
<li>Actions: ${g.actions.map((a) => `<code>${escapeHtml(a)}</code>`).join(', ')} on every DAG, never beyond your own rights</li>
<li>Token lifetime: ${escapeHtml(ttl)}</li>
<li>Requested by <code>${escapeHtml(g.clientId)}</code>${g.clientIp ? ` from <code>${escapeHtml(g.clientIp)}</code>` : ''}, ${Math.max(0, Math.round((now - g.createdAt) / 60_000))} min ago</li>
</ul>`;
}

function entryPage(): string {
  return layout('Sign in a device', `<h1>Sign in the Airlock CLI</h1><p>Enter the code your terminal shows.</p>
<form method="get" action="${PAGE}"><p><input name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="32" placeholder="BCDF-GHJK" aria-label="Code"></p><button type="submit">Continue</button></form>`);
}

function confirmPage(identity: Identity, g: DeviceGrantRow, now: number): string {
  const code = device.formatUserCode(g.userCode);
  return layout('Approve sign-in', `<h1>Approve this sign-in?</h1>
<p>A command line asks for a token that acts as <strong>${escapeHtml(identity.username)}</strong>. Approve only if your terminal shows this code:</p>
<p class="mono" style="font-size:1.6rem;letter-spacing:.1em" id="user-code">${escapeHtml(code)}</p>
${describeRequest(g, now)}
<form method="post" action="${PAGE}"><input type="hidden" name="user_code" value="${escapeHtml(code)}">
<button type="submit" name="decision" value="approve" id="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny" style="background:var(--bad)">Deny</button></form>`);
}

/**
 * GET /.airlock/device[?user_code=] — the person signs in (back here after), types or confirms the code, confirms
 * with their security key when their role requires one (the step-up page, back here after), and sees what is asked.
 */
export async function devicePage(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  rs.api = false;
  const raw = url.searchParams.get('user_code');
  const typed = raw === null ? undefined : device.normaliseUserCode(raw);
  const auth = await authenticate(req, rt, svc);
  if (!auth) return redirect(res, `/.airlock/login?rd=${encodeURIComponent(pageFor(typed))}`);
  rs.identity = auth.identity;
  if (raw === null || raw.trim() === '') return sendHtml(res, 200, entryPage());
  const grant = await pendingGrant(req, svc, rt, auth.identity, raw);
  const now = svc.now();
  if (needsStepUp(rt, auth.identity, now)) return redirect(res, stepUpPath(grant.userCode));
  sendHtml(res, 200, confirmPage(auth.identity, grant, now));
}

/** POST /.airlock/device (user_code, decision=approve|deny) — same-origin form of the confirm page. */
export async function deviceDecision(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  rs.api = false;
  if (!isSameOriginPost(req.headers, rt.publicOrigin)) {
    req.resume();
    throw CrossOrigin.create({ logMessage: `device decision from origin ${String(req.headers.origin).slice(0, 100)}, sec-fetch-site ${String(req.headers['sec-fetch-site']).slice(0, 40)}` });
  }
  const form = await readForm(req);
  const decision = form?.get('decision');
  if (!form || (decision !== 'approve' && decision !== 'deny')) throw DeviceRequestInvalid.create({ logMessage: 'device decision: not a form with decision=approve|deny' });
  const auth = await authenticate(req, rt, svc);
  if (!auth) throw NotAuthenticated.create({ details: { login_url: `${rt.publicUrl}/.airlock/login` } });
  const identity = auth.identity;
  rs.identity = identity;
  const grant = await pendingGrant(req, svc, rt, identity, form.get('user_code'));
  const now = svc.now();
  // denying needs no key: it can only stop a sign-in
  if (decision === 'approve' && needsStepUp(rt, identity, now)) throw DeviceStepUpRequired.create({ details: { step_up_url: `${rt.publicUrl}${stepUpPath(grant.userCode)}` } });
  const status = decision === 'approve' ? 'approved' : 'denied';
  if (!(await svc.store.deviceGrants.decide(grant.userCode, status, identity.sub, now))) throw DeviceAlreadyDecided.create({ logMessage: 'device: grant decided or expired meanwhile' });
  await svc.audit.recordDurable({
    type: 'token',
    action: decision === 'approve' ? 'device_approve' : 'device_deny',
    decision: decision === 'approve' ? 'allow' : 'deny',
    request_id: rs.id,
    actor: { kind: 'person', sub: identity.sub, username: identity.username, ...(identity.sessionId ? { session_id: identity.sessionId } : {}), ...(identity.mfa.credentialId ? { credential_id: identity.mfa.credentialId } : {}) },
    detail: { client_id: grant.clientId, envs: grant.envs.join(','), actions: grant.actions.join(','), ...(grant.clientIp ? { client_ip: grant.clientIp } : {}) },
  });
  svc.log.info({ reqId: rs.id, user: identity.username, decision: status }, 'device: decided');
  const body = decision === 'approve'
    ? `<h1 id="done">Approved</h1><p>Your terminal receives its token in a few seconds. You can close this window.</p>`
    : `<h1 id="done">Denied</h1><p>The command line gets no token. If you did not start this sign-in, tell your administrator.</p>`;
  sendHtml(res, 200, layout(decision === 'approve' ? 'Approved' : 'Denied', body));
}
