import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayServices, RequestState } from '../context.ts';
import { GatewayNotFound, MethodNotAllowed } from '../errors.ts';
import type { Runtime } from '../runtime.ts';
import { callback } from './callback.ts';
import { healthz, readyz } from './health.ts';
import { jwks } from './jwks.ts';
import { login } from './login.ts';
import { loggedOut, logout, logoutForm } from './logout.ts';
import { metrics } from './metrics.ts';
import { whoami } from './whoami.ts';
import { WEBAUTHN_ROUTES } from './webauthn/index.ts';

export type Endpoint = (req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL) => Promise<void> | void;

const ROUTES: Record<string, Partial<Record<string, Endpoint>>> = {
  '/.airlock/login': { GET: login },
  '/.airlock/callback': { GET: callback },
  '/.airlock/logout': { POST: logout, GET: logoutForm },
  '/.airlock/logged-out': { GET: loggedOut },
  '/.airlock/jwks.json': { GET: jwks },
  '/.airlock/healthz': { GET: healthz },
  '/.airlock/readyz': { GET: readyz },
  '/.airlock/metrics': { GET: metrics },
  '/.airlock/whoami': { GET: whoami },
  ...WEBAUTHN_ROUTES,
};

export async function handleGatewayEndpoint(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  const url = new URL(req.url ?? '/', rt.publicOrigin);
  const route = ROUTES[url.pathname];
  if (!route) throw GatewayNotFound.create();
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const endpoint = route[method];
  if (!endpoint) throw MethodNotAllowed.create({ details: { allowed: Object.keys(route) } });
  rs.api = rs.api || url.pathname !== '/.airlock/login' && url.pathname !== '/.airlock/callback' && url.pathname !== '/.airlock/logout' && url.pathname !== '/.airlock/logged-out';
  await endpoint(req, res, svc, rt, rs, url);
}
