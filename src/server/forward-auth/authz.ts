import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../../identity/index.ts';
import { decide, decisionNeedsBody, readBodyDagIds, type Decision } from '../../policy/index.ts';
import { declaresBody, forwardAuthErrors, isApiRequest, isTrustedPeer, readOriginalRequest, refuseBody, type IngressKind } from '../../proxy/index.ts';
import { decideForMachine, readCredential } from '../../tokens/index.ts';
import { gateFor, webauthnErrors, webauthnFor } from '../../webauthn/index.ts';
import { isAirflowLogout, signOutConfirmationUrl } from '../airflow-logout.ts';
import { auditBeforeForward, noteRequest } from '../audit-hooks.ts';
import { authenticateRequest, type RequestAuth } from '../authenticate.ts';
import type { GatewayServices, RequestState } from '../context.ts';
import { BearerNotSupported, NotAuthenticated } from '../errors.ts';
import { identityHeaders } from '../forward-headers.ts';
import { machineRefusalError, refuseMachine } from '../machine-refusal.ts';
import { readLimitedBody } from '../read-body.ts';
import { isSessionRenewal, silentLoginUrl, silentReauthApplies } from '../reauth.ts';
import { sendForbidden, sendStepUpJson } from '../refusal-responses.ts';
import { routeOf } from '../route-cache.ts';
import type { Runtime } from '../runtime.ts';
import { allow, ingressError, markRefusal, redirectVia } from './answers.ts';
import { AuthzBodyRequired, AuthzDagFilterUnchecked, AuthzDisabled, AuthzPartialBody } from './errors.ts';

/** Envoy's ext_authz marks a body it cut at max_request_bytes (with allow_partial_message: true). */
const ENVOY_PARTIAL_BODY = 'x-envoy-auth-partial-body';

/**
 * `/.airlock/authz` (any method): the forward-auth decision for nginx `auth_request`, Traefik ForwardAuth and
 * Envoy `ext_authz` (docs/forward-auth.md). Only from trusted_proxies. The request the ingress describes goes
 * through the proxy's own steps: canonicalization and environment selection (route cache), authentication
 * (session cookie, Airlock token, workload JWT), the WebAuthn gate, the body's DAG ids when the ingress sends the
 * body, decide(), step-up, and the audit (durable before allowing a mutation; every event marked `forward_auth`).
 * Answers: 200 with the identity headers; 401 JSON (API) or a redirect to sign-in (browser); 403 with the reason.
 */
export async function forwardAuth(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  if (!rt.config.forward_auth.enabled) throw AuthzDisabled.create();
  // not a gateway page any more: the audit, the access log and the metrics record this decision
  rs.env = '-';
  rs.decision = '-';
  rs.auditDetail = UNKNOWN; // until the ingress is known
  rs.api = true; // refusals before the original request is known are for the ingress: JSON
  let ingress: IngressKind | undefined;
  try {
    const peer = req.socket.remoteAddress;
    if (!isTrustedPeer(rt.trusted, peer)) {
      rs.decision = 'deny';
      rs.auditDetail = UNTRUSTED;
      svc.log.warn({ reqId: rs.id, peer }, 'forward-auth: /.airlock/authz asked by a peer outside trusted_proxies; refused');
      throw forwardAuthErrors.AuthzUntrustedSource.create({ logMessage: `forward-auth request from untrusted peer ${peer ?? '?'}` });
    }
    const orig = readOriginalRequest(req.method ?? 'GET', req.url ?? '/', req.rawHeaders);
    ingress = orig.ingress;
    rs.auditDetail = DETAIL[ingress];
    await decideOriginal(req, res, svc, rt, rs, ingress, orig.method, orig.target, orig.host);
  } catch (err) {
    throw ingressError(res, ingress, err);
  }
}

async function decideOriginal(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, ingress: IngressKind, method: string, rawTarget: string, host: string | undefined): Promise<void> {
  const route = routeOf(rt, host, method, rawTarget);
  const { target, sel } = route;
  let cls = route.cls;
  rs.env = sel.name;
  rs.api = isApiRequest(method, sel.pathWithinEnv, req.headers);
  const hasBody = declaresBody(req);
  // none of Airflow's DELETE operations takes a body (as in the proxy)
  if (method === 'DELETE' && cls.route !== null && hasBody) refuseBody(req);
  const rd = method === 'GET' || method === 'HEAD' ? target.forwardTarget : '/';
  if (isAirflowLogout(sel.env.airflow, method, sel.pathWithinEnv)) {
    rs.decision = 'gateway';
    return redirectVia(res, ingress, signOutConfirmationUrl(rt.publicUrl)); // Airflow's Log Out ends the Airlock session too
  }
  // a token in the original URL is refused as the proxy refuses it (authenticateRequest sees only /.airlock/authz)
  readCredential({ url: rawTarget, rawHeaders: [] });

  let auth: RequestAuth | undefined;
  try {
    const a = authenticateRequest(req, rt, svc);
    auth = a instanceof Promise ? await a : a;
  } catch (err) {
    // as the proxy: an allow-listed route needs no fresh claims; a page view re-authenticates silently (reauth.ts)
    if (!isSessionRenewal(err)) throw err;
    if (!cls.allowListed) {
      if (!silentReauthApplies(err, rs.api, method)) throw err;
      rs.decision = 'reauth';
      return redirectVia(res, ingress, `${rt.publicUrl}${silentLoginUrl(target.forwardTarget)}`, err.code);
    }
  }
  if (auth?.kind === 'machine') rs.api = true;
  if (!auth && !cls.allowListed) {
    rs.decision = 'unauthenticated';
    if (req.headers.authorization !== undefined) throw BearerNotSupported.create();
    const loginUrl = `${rt.publicUrl}/.airlock/login?rd=${encodeURIComponent(rd)}`;
    if (rs.api) throw NotAuthenticated.create({ details: { login_url: `${rt.publicUrl}/.airlock/login` } });
    return redirectVia(res, ingress, loginUrl, NotAuthenticated.code);
  }
  const identity = auth?.identity;
  rs.identity = identity;
  if (auth?.kind === 'session' && !cls.allowListed && gateFor(webauthnFor(rt.config), auth.identity) !== undefined) {
    // a person who must use a security key and has not confirmed one in this session (as webauthnGate)
    rs.decision = 'webauthn_required';
    const e = webauthnErrors.VerificationRequired;
    const verifyUrl = `${rt.publicUrl}/.airlock/webauthn/verify?rd=${encodeURIComponent(rd)}`;
    if (rs.api) throw e.create({ details: { verify_url: verifyUrl } });
    return redirectVia(res, ingress, verifyUrl, e.code);
  }

  if (identity && cls.body !== 'none') {
    if (hasBody) {
      // the ingress sent the body (Envoy with_request_body, Traefik forwardBody): read as the proxy reads it
      if (req.headers[ENVOY_PARTIAL_BODY] === 'true') throw AuthzPartialBody.create({ logMessage: 'Envoy sent a partial body (allow_partial_message)' });
      const body = await readLimitedBody(req, rt.config.max_inspected_body);
      cls = readBodyDagIds(cls, req.headers['content-type'], body);
    } else if (decisionNeedsBody(cls)) {
      noteRequest(rs, method, target.path, cls);
      rs.decision = 'deny';
      throw AuthzBodyRequired.create({ logMessage: `forward-auth without the body of ${method} ${target.path}` });
    }
  }
  noteRequest(rs, method, target.path, cls);
  if (identity) {
    const ctx = { now: svc.now(), dagMetadata: svc.dagMetadata(sel.name) };
    const d = auth?.kind === 'machine' ? decideForMachine(rt.policy, auth.machine.principal, sel.name, cls, ctx) : decide(rt.policy, identity, sel.name, cls, ctx);
    rs.decision = d.effect;
    rs.reasons = d.reasons.map((r) => r.code);
    if (d.effect !== 'allow') return refuse(req, res, rt, rs, ingress, identity, d, target.forwardTarget);
    // a list allowed only because Airflow filters it: the proxy checks Airflow's marker on the answer, which an
    // ingress never shows Airlock
    if (d.upstreamFilter === true) {
      rs.decision = 'deny';
      throw AuthzDagFilterUnchecked.create({ logMessage: 'forward-auth on a DAG list that relies on Airflow filtering it' });
    }
  } else {
    rs.decision = 'allow_listed';
  }
  if (rs.audit?.mutating) await auditBeforeForward(svc, req, rs); // durable first; failure -> 503, the ingress forwards nothing
  const h = identityHeaders(rt, svc, sel.name, identity);
  allow(res, h instanceof Promise ? await h : h);
}

/** A decision other than allow; `returnTo` is where the step-up page sends the person back (the original target, as the proxy does). */
function refuse(req: IncomingMessage, res: ServerResponse, rt: Runtime, rs: RequestState, ingress: IngressKind, identity: Identity, d: Decision, returnTo: string): void {
  req.resume();
  if (identity.machine !== undefined) {
    markRefusal(res, machineRefusalError(identity, d).code, d);
    return refuseMachine(res, rs, identity, d); // always JSON
  }
  if (d.effect === 'step_up') {
    markRefusal(res, 'AIRLOCK_WEBAUTHN_STEP_UP_REQUIRED', d);
    const stepUpUrl = `${rt.publicUrl}/.airlock/webauthn/step-up?rd=${encodeURIComponent(returnTo)}`;
    if (rs.api) return sendStepUpJson(res, rs, d, stepUpUrl);
    return redirectVia(res, ingress, stepUpUrl, 'AIRLOCK_WEBAUTHN_STEP_UP_REQUIRED');
  }
  markRefusal(res, identity.roles.length === 0 ? 'AIRLOCK_SERVER_NO_ROLE' : 'AIRLOCK_SERVER_FORBIDDEN', d);
  sendForbidden(res, rt, rs, identity, d);
}

const UNKNOWN = Object.freeze({ forward_auth: 'unknown' });
const UNTRUSTED = Object.freeze({ forward_auth: 'untrusted' });
const DETAIL: Record<IngressKind, Readonly<Record<string, string>>> = Object.freeze({
  nginx: Object.freeze({ forward_auth: 'nginx' }),
  traefik: Object.freeze({ forward_auth: 'traefik' }),
  envoy: Object.freeze({ forward_auth: 'envoy' }),
});
