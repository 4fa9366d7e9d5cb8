import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AirlockConfig } from '../../../../src/config/schema/index.ts';
import { isAirlockError } from '../../../../src/errors/index.ts';
import {
  checkFraming,
  clientAddress,
  compileEnvironments,
  compileTrustedProxies,
  forwardRequest,
  installClientErrorHandler,
  sanitizeRequestHeaders,
  selectEnvironment,
  tunnelWebSocket,
  Upstreams,
  writeRawErrorResponse,
  type ForwardResult,
  type TunnelResult,
} from '../../../../src/proxy/index.ts';

export type Environments = AirlockConfig['environments'];

export interface GatewayOptions {
  readonly environments: Environments;
  readonly publicUrl?: string;
  readonly trustedProxies?: readonly string[];
  readonly serverOptions?: http.ServerOptions;
  /** Read the whole body first and forward it as a Buffer (as the policy does for DAG-id routes). */
  readonly readBody?: boolean;
  readonly add?: Readonly<Record<string, string>>;
  readonly stripAuthorization?: boolean;
  /** Gateway cookie names the upstream may not set (lower-case), as the server passes them. */
  readonly protectedCookies?: ReadonlySet<string>;
  /** A 2xx answer must carry this header (as the server passes it for lists Airflow filters). */
  readonly requireHeader?: { readonly name: string; readonly value: string };
}

export interface Gateway {
  readonly port: number;
  readonly results: (ForwardResult | TunnelResult)[];
  readonly errors: unknown[];
  close(): Promise<void>;
}

/**
 * The proxy pieces wired the way the server wires them (framing -> select -> client address ->
 * sanitize -> forward / tunnel), with no authentication. Used by the integration tests.
 */
export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const compiled = compileEnvironments(o.environments, o.publicUrl ?? 'http://localhost:8080');
  const trusted = compileTrustedProxies(o.trustedProxies ?? []);
  const upstreams = Upstreams.build(o.environments);
  const results: (ForwardResult | TunnelResult)[] = [];
  const errors: unknown[] = [];
  const prepare = (req: http.IncomingMessage) => {
    checkFraming(req);
    const sel = selectEnvironment(compiled, req.headers.host, req.url ?? '/');
    const client = clientAddress(trusted, req);
    const headers = sanitizeRequestHeaders(req.rawHeaders, {
      client,
      sessionCookieName: 'airlock',
      stripAuthorization: o.stripAuthorization ?? false,
      ...(o.add ? { add: o.add } : {}),
    });
    return {
      upstream: upstreams.get(sel.name), target: req.url ?? '/', headers,
      ...(o.protectedCookies ? { protectedCookies: o.protectedCookies } : {}), ...(o.requireHeader ? { requireHeader: o.requireHeader } : {}),
    };
  };
  const server = http.createServer(o.serverOptions ?? {}, async (req, res) => {
    try {
      const p = prepare(req);
      let body: Buffer | undefined;
      if (o.readBody) {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        body = Buffer.concat(chunks);
      }
      results.push(await forwardRequest(req, res, { ...p, ...(body ? { body } : {}) }));
    } catch (err) {
      errors.push(err);
      if (isAirlockError(err) && !res.headersSent) {
        res.writeHead(err.status, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify(err.toJSON()));
      } else res.destroy();
    }
  });
  server.on('upgrade', async (req: http.IncomingMessage, socket, head: Buffer) => {
    try {
      results.push(await tunnelWebSocket(req, socket, head, prepare(req)));
    } catch (err) {
      errors.push(err);
      if (isAirlockError(err)) writeRawErrorResponse(socket, err);
      else socket.destroy();
    }
  });
  installClientErrorHandler(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    results,
    errors,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await upstreams.close();
    },
  };
}

/** One environment on host 127.0.0.1 (any port) with short timeouts. */
export function oneEnv(upstream: string, extra: Partial<Environments[string]> = {}): Environments {
  return { prod: { host: '127.0.0.1', upstream, airflow: 2, timeout: 2000, connect_timeout: 1000, connections: 8, ...extra } };
}
