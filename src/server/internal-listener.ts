import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { uuidV7 } from '../audit/index.ts';
import { isAirlockError } from '../errors/index.ts';
import { installClientErrorHandler } from '../proxy/index.ts';
import type { GatewayServices, RequestState } from './context.ts';
import { healthz, readyz } from './endpoints/health.ts';
import type { Endpoint } from './endpoints/index.ts';
import { jwks } from './endpoints/jwks.ts';
import { metrics } from './endpoints/metrics.ts';
import { GatewayNotFound, Internal, MethodNotAllowed } from './errors.ts';
import { sendError } from './respond.ts';

/**
 * `internal_listen`: a second, plain-HTTP listener for what the cluster's own machinery reads: Kubernetes probes,
 * Prometheus, and Airflow's AIRLOCK_JWKS_URL. It answers these four paths (GET and HEAD) whatever the Host header
 * says, and 404 to anything else: no sign-in page, no Airflow, no session. Keep it off the public network.
 */
const ROUTES: Readonly<Record<string, Endpoint>> = {
  '/.airlock/healthz': healthz,
  '/.airlock/readyz': readyz,
  '/.airlock/jwks.json': jwks,
  '/.airlock/metrics': metrics,
};

export interface InternalListener {
  readonly url: string;
  close(): Promise<void>;
}

export async function startInternalListener(svc: GatewayServices, host: string, port: number): Promise<InternalListener> {
  const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 30_000, requestTimeout: 30_000 }, (req, res) => {
    void handleInternalRequest(req, res, svc);
  });
  installClientErrorHandler(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      }),
  };
}

async function handleInternalRequest(req: http.IncomingMessage, res: http.ServerResponse, svc: GatewayServices): Promise<void> {
  const rs: RequestState = { id: uuidV7(), started: performance.now(), env: 'internal', decision: 'gateway', reasons: [], identity: undefined, upstreamStatus: undefined, api: true };
  res.setHeader('x-request-id', rs.id);
  req.resume(); // none of these reads a body
  try {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const endpoint = ROUTES[path];
    if (!endpoint) throw GatewayNotFound.create({ logMessage: `internal listener: no ${path.slice(0, 100)}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') throw MethodNotAllowed.create({ details: { allowed: ['GET'] } });
    const rt = svc.runtime();
    await endpoint(req, res, svc, rt, rs, new URL(path, rt.publicOrigin));
  } catch (err) {
    const e = isAirlockError(err) ? err : Internal.create({ cause: err });
    if (e.status >= 500) svc.log.error({ reqId: rs.id, code: e.code, err: e.cause ?? e }, e.message);
    if (res.headersSent) return void res.destroy();
    sendError(res, e, { api: true, requestId: rs.id });
  }
}
