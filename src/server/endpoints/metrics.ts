import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayServices } from '../context.ts';

/** GET /.airlock/metrics — Prometheus text format (all workers). */
export async function metrics(_req: IncomingMessage, res: ServerResponse, svc: GatewayServices): Promise<void> {
  const text = await svc.metricsText();
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
