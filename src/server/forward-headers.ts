import type { IncomingMessage } from 'node:http';
import type { Identity } from '../identity/index.ts';
import { clientAddress, sanitizeRequestHeaders, type ForwardHeaders } from '../proxy/index.ts';
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
  if (!identity) return build(req, rt, undefined, undefined, rs);
  const cache = svc.assertions();
  const now = Date.now();
  const token = cache.peek(identity, env, now);
  if (token !== undefined) return build(req, rt, identity, token, rs);
  return cache.get(identity, env, now).then((t) => build(req, rt, identity, t, rs));
}

function build(req: IncomingMessage, rt: Runtime, identity: Identity | undefined, assertion: string | undefined, rs: { clientIp?: string } | undefined): ForwardHeaders {
  let gatewayCookieNames = GATEWAY_COOKIES.get(rt);
  if (!gatewayCookieNames) GATEWAY_COOKIES.set(rt, (gatewayCookieNames = [rt.loginCookieName]));
  let add: Record<string, string> | undefined;
  if (identity && assertion !== undefined) {
    add = rt.config.assertion.plain_headers ? { 'x-airlock-assertion': assertion, ...plainHeadersOf(identity) } : { 'x-airlock-assertion': assertion };
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
