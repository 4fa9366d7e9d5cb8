import { WebSocketOrigin } from './errors.ts';
import type { ParsedHost } from './host-header.ts';

/**
 * The origins a browser may open a WebSocket from (cross-site WebSocket hijacking defence): public_url's
 * origin, and for each environment with its own `host` that host under public_url's scheme, with the
 * host's port when it names one, else public_url's port. Serialized as browsers send Origin (lower case,
 * default port left out). Built once per config snapshot (compileEnvironments).
 */
export function compileWebSocketOrigins(pub: URL, envHosts: readonly ParsedHost[]): ReadonlySet<string> {
  const origins = new Set<string>([pub.origin]);
  for (const h of envHosts) {
    const port = h.port !== undefined ? String(h.port) : pub.port;
    origins.add(new URL(`${pub.protocol}//${h.name}${port ? `:${port}` : ''}`).origin);
  }
  return origins;
}

/**
 * Checks the Origin of a WebSocket upgrade (read from rawHeaders: a repeated Origin is refused, not folded).
 * No Origin: allowed (browsers always send one on a WebSocket handshake, so the request is not a browser's and
 * cannot ride on a victim's cookies; it is authenticated and decided like any other). Exactly one Origin that
 * is one of `allowed`: allowed. Anything else ("null", another site, another port or scheme, an empty value,
 * two Origin headers) throws AIRLOCK_PROXY_WEBSOCKET_ORIGIN (403).
 */
export function checkWebSocketOrigin(allowed: ReadonlySet<string>, rawHeaders: readonly string[]): void {
  let origin: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 6 || name.toLowerCase() !== 'origin') continue;
    if (origin !== undefined) throw WebSocketOrigin.create({ logMessage: 'more than one Origin header on a WebSocket upgrade' });
    origin = rawHeaders[i + 1]!;
  }
  if (origin === undefined) return;
  const value = origin.trim();
  if (!allowed.has(value)) throw WebSocketOrigin.create({ logMessage: `WebSocket upgrade from foreign Origin ${JSON.stringify(value.slice(0, 200))}` });
}
