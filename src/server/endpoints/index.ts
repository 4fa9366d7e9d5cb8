import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayServices, RequestState } from '../context.ts';
import { GatewayNotFound, MethodNotAllowed } from '../errors.ts';
import type { Runtime } from '../runtime.ts';
import { callback } from './callback.ts';
import { healthz, readyz } from './health.ts';
import { jwks } from './jwks.ts';
import { login } from './login.ts';
import { backchannelLogout, frontchannelLogout } from './idp-logout.ts';
import { loggedOut, logout, logoutForm } from './logout.ts';
import { publicMetrics } from './metrics.ts';
import { whoami } from './whoami.ts';
import { tokenSelf } from './token-self.ts';
import { WEBAUTHN_ROUTES } from './webauthn/index.ts';
import { DEVICE_ROUTES } from './device/index.ts';
import { isScimPath } from './scim/path.ts';
import { isApprovalPath } from '../approvals/path.ts';
import { lazyEndpoint } from './lazy.ts';
import { isAuthzTarget } from '../../proxy/index.ts';
import { forwardAuth } from '../forward-auth/authz.ts';

export type Endpoint = (req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL) => Promise<void> | void;

// SCIM and approvals are loaded at their first request (lazy.ts), like the device flow (device/index.ts)
const scimEndpoint = lazyEndpoint(async () => (await import('./scim/index.ts')).scimEndpoint);
const approvalEndpoint = lazyEndpoint(async () => (await import('../approvals/endpoint.ts')).approvalEndpoint);

const ROUTES: Record<string, Partial<Record<string, Endpoint>>> = {
  '/.airlock/login': { GET: login },
  '/.airlock/callback': { GET: callback },
  '/.airlock/logout': { POST: logout, GET: logoutForm },
  '/.airlock/logged-out': { GET: loggedOut },
  '/.airlock/jwks.json': { GET: jwks },
  '/.airlock/healthz': { GET: healthz },
  '/.airlock/readyz': { GET: readyz },
  '/.airlock/metrics': { GET: publicMetrics },
  '/.airlock/whoami': { GET: whoami },
  '/.airlock/backchannel-logout': { POST: backchannelLogout },
  '/.airlock/frontchannel-logout': { GET: frontchannelLogout },
  '/.airlock/token/self': { GET: tokenSelf },
  ...WEBAUTHN_ROUTES,
  ...DEVICE_ROUTES,
};

/**
 * Gateway pages that answer whatever the Host header names (Kubernetes probes by pod IP, Airflow's internal
 * AIRLOCK_JWKS_URL, Prometheus): compared with the exact request target, so any other spelling of a path goes
 * through the public-host check. Sign-in, callback, logout and every other page stay on public_url's host.
 */
const ANY_HOST = new Set(['/.airlock/healthz', '/.airlock/readyz', '/.airlock/jwks.json']);

export function answersAnyHost(rawUrl: string, rt: Runtime): boolean {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  return ANY_HOST.has(path) || (path === '/.airlock/metrics' && rt.config.public_metrics) ||
    // forward-auth: the Host is the original request's (or the ingress's own); trust comes from the TCP peer
    (rt.config.forward_auth.enabled && isAuthzTarget(rawUrl));
}

export async function handleGatewayEndpoint(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  // forward-auth (any method; Envoy appends the original path): matched on the raw target, nothing normalized
  if (isAuthzTarget(req.url ?? '/')) return forwardAuth(req, res, svc, rt, rs);
  const url = new URL(req.url ?? '/', rt.publicOrigin);
  if (isScimPath(url.pathname)) return scimEndpoint(req, res, svc, rt, rs, url); // SCIM 2.0: its own auth and error shape
  if (isApprovalPath(url.pathname)) return approvalEndpoint(req, res, svc, rt, rs, url); // held machine requests (a dynamic id)
  const route = ROUTES[url.pathname];
  if (!route) throw GatewayNotFound.create();
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const endpoint = route[method];
  if (!endpoint) throw MethodNotAllowed.create({ details: { allowed: Object.keys(route) } });
  rs.api = rs.api || url.pathname !== '/.airlock/login' && url.pathname !== '/.airlock/callback' && url.pathname !== '/.airlock/logout' && url.pathname !== '/.airlock/logged-out';
  await endpoint(req, res, svc, rt, rs, url);
}
