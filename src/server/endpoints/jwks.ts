import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayServices } from '../context.ts';

/** GET /.airlock/jwks.json — the public keys that verify X-Airlock-Assertion. */
export function jwks(_req: IncomingMessage, res: ServerResponse, svc: GatewayServices): void {
  const body = JSON.stringify(svc.keys.jwks());
  res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
