import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayServices, RequestState } from '../context.ts';
import { GatewayNotFound } from '../errors.ts';
import type { Runtime } from '../runtime.ts';

/** GET /.airlock/metrics — Prometheus text format (all workers). */
export async function metrics(_req: IncomingMessage, res: ServerResponse, svc: GatewayServices): Promise<void> {
  const text = await svc.metricsText();
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * GET /.airlock/metrics on the main (public) listener: only with `public_metrics: true`. Otherwise 404, as for any
 * unknown page: metrics are served on `internal_listen`, which the public network does not reach.
 */
export async function publicMetrics(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, _rs: RequestState): Promise<void> {
  if (!rt.config.public_metrics) throw GatewayNotFound.create({ logMessage: 'metrics are not served on the main listener (public_metrics: false)' });
  await metrics(req, res, svc);
}
