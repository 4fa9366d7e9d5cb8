import type { IncomingMessage } from 'node:http';
import type { Identity } from '../identity/index.ts';
import { clientAddress, sanitizeRequestHeaders, type ForwardHeaders } from '../proxy/index.ts';
import type { GatewayServices } from './context.ts';
import type { Runtime } from './runtime.ts';

const GATEWAY_COOKIES = new WeakMap<Runtime, readonly string[]>();

/** The headers sent upstream: the client's, cleaned, plus the identity assertion and plain identity headers. */
export async function forwardHeaders(req: IncomingMessage, rt: Runtime, svc: GatewayServices, env: string, identity: Identity | undefined): Promise<ForwardHeaders> {
  let gatewayCookieNames = GATEWAY_COOKIES.get(rt);
  if (!gatewayCookieNames) GATEWAY_COOKIES.set(rt, (gatewayCookieNames = [rt.loginCookieName]));
  const add: Record<string, string> = {};
  if (identity) {
    const cache = svc.assertions();
    const now = Date.now();
    add['x-airlock-assertion'] = cache.peek(identity, env, now) ?? (await cache.get(identity, env, now));
    if (rt.config.assertion.plain_headers) {
      add['x-airlock-user'] = identity.username;
      if (identity.email) add['x-airlock-email'] = identity.email;
      add['x-airlock-roles'] = identity.roles.join(',');
    }
  }
  return sanitizeRequestHeaders(req.rawHeaders, {
    client: clientAddress(rt.trusted, req),
    sessionCookieName: rt.cookie.name,
    gatewayCookieNames,
    // identity reaches Airflow only through the assertion: a client's own Authorization never does
    stripAuthorization: true,
    add,
  });
}
