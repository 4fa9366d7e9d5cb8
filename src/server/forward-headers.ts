import type { IncomingMessage } from 'node:http';
import type { Identity } from '../identity/index.ts';
import { dagRulesClaimFor } from '../policy/index.ts';
import { ANONYMOUS_CALLER, clientAddress, encodeHeaderValue, sanitizeRequestHeaders, type ForwardHeaders } from '../proxy/index.ts';
import type { GatewayServices } from './context.ts';
import type { Runtime } from './runtime.ts';

const GATEWAY_COOKIES = new WeakMap<Runtime, readonly string[]>();

/** The plain identity headers of an identity (the identity object is reused across a session's requests). */
const plainHeaders = new WeakMap<Identity, Readonly<Record<string, string>>>();

function plainHeadersOf(identity: Identity): Readonly<Record<string, string>> {
  let h = plainHeaders.get(identity);
  if (h === undefined) {
    h = { 'x-airlock-user': identity.username, ...(identity.email ? { 'x-airlock-email': identity.email } : {}), 'x-airlock-roles': identity.roles.join(',') };
    plainHeaders.set(identity, h);
  }
  return h;
}

/**
 * The headers sent upstream: the client's, cleaned, plus the identity assertion and plain identity headers.
 * Synchronous when the session's assertion is cached (the common case); a Promise only when one must be signed.
 * The client address the headers carry is kept in `rs.clientIp` (the audit records the same one).
 */
export function forwardHeaders(req: IncomingMessage, rt: Runtime, svc: GatewayServices, env: string, identity: Identity | undefined, rs?: { clientIp?: string }): ForwardHeaders | Promise<ForwardHeaders> {
  if (!identity) return anonymous(req, rt, svc, env, rs);
  const cache = svc.assertions();
  const now = Date.now();
  // the person's per-DAG rules ride along where Airflow filters its DAG lists by them (cached per subject)
  const dagRules = dagRulesClaimFor(rt.policy, env, identity);
  const token = cache.peek(identity, env, now, dagRules);
  if (token !== undefined) return build(req, rt, identity, token, rs);
  return cache.get(identity, env, now, dagRules).then((t) => build(req, rt, identity, t, rs));
}

/**
 * A request forwarded without a signed-in caller (its route is on the allow-list) still carries an assertion: the
 * gateway's anonymous one (`anonymous: true`, no roles), so Airflow knows it came through the gateway and logs
 * nobody in. No plain identity headers.
 */
function anonymous(req: IncomingMessage, rt: Runtime, svc: GatewayServices, env: string, rs: { clientIp?: string } | undefined): ForwardHeaders | Promise<ForwardHeaders> {
  const cache = svc.assertions();
  const now = Date.now();
  const token = cache.peek(ANONYMOUS_CALLER, env, now);
  if (token !== undefined) return build(req, rt, undefined, token, rs);
  return cache.get(ANONYMOUS_CALLER, env, now).then((t) => build(req, rt, undefined, t, rs));
}

function build(req: IncomingMessage, rt: Runtime, identity: Identity | undefined, assertion: string | undefined, rs: { clientIp?: string } | undefined): ForwardHeaders {
  let gatewayCookieNames = GATEWAY_COOKIES.get(rt);
  if (!gatewayCookieNames) GATEWAY_COOKIES.set(rt, (gatewayCookieNames = [rt.loginCookieName]));
  let add: Record<string, string> | undefined;
  if (assertion !== undefined) {
    add = identity && rt.config.assertion.plain_headers ? { 'x-airlock-assertion': assertion, ...plainHeadersOf(identity) } : { 'x-airlock-assertion': assertion };
  }
  const client = clientAddress(rt.trusted, req);
  if (rs) rs.clientIp = client.ip;
  return sanitizeRequestHeaders(req.rawHeaders, {
    client,
    sessionCookieName: rt.cookie.name,
    gatewayCookieNames,
    // identity reaches Airflow only through the assertion: a client's own Authorization never does
    stripAuthorization: true,
    ...(add ? { add } : {}),
  });
}

/**
 * The identity headers alone, for a forward-auth answer (the ingress copies them onto the request it forwards):
 * the same assertion the proxy sends (cached per session, the anonymous one for an allow-listed request without a
 * caller) and, when assertion.plain_headers is on, X-Airlock-User / -Email / -Roles, values encoded as the proxy
 * encodes them (encodeHeaderValue). Synchronous when the assertion is cached.
 */
export function identityHeaders(rt: Runtime, svc: GatewayServices, env: string, identity: Identity | undefined): Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>> {
  const cache = svc.assertions();
  const now = Date.now();
  const subject = identity ?? ANONYMOUS_CALLER;
  const dagRules = identity ? dagRulesClaimFor(rt.policy, env, identity) : undefined;
  const token = cache.peek(subject, env, now, dagRules);
  if (token !== undefined) return withPlain(rt, identity, token);
  return cache.get(subject, env, now, dagRules).then((t) => withPlain(rt, identity, t));
}

/** The last identity headers built per subject: the same object while its assertion and the setting stay the same. */
const answerHeaders = new WeakMap<object, { assertion: string; plain: boolean; headers: Readonly<Record<string, string>> }>();

function withPlain(rt: Runtime, identity: Identity | undefined, assertion: string): Readonly<Record<string, string>> {
  const plain = identity !== undefined && rt.config.assertion.plain_headers;
  const key = identity ?? ANONYMOUS_CALLER;
  const hit = answerHeaders.get(key);
  if (hit !== undefined && hit.assertion === assertion && hit.plain === plain) return hit.headers;
  const out: Record<string, string> = { 'x-airlock-assertion': assertion };
  if (plain) for (const [k, v] of Object.entries(plainHeadersOf(identity))) out[k] = encodeHeaderValue(v);
  const headers = Object.freeze(out);
  answerHeaders.set(key, { assertion, plain, headers });
  return headers;
}
