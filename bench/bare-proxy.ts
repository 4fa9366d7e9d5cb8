/**
 * The Node ceiling: a bare reverse proxy with no auth, undici Pool, the same worker count as Airlock.
 * Usage: node --import tsx bench/bare-proxy.ts <port> <upstream-url> <workers> [request|dispatch|authz]
 *   request  (default; the baseline the issue names): pool.request() and Readable.pipe to the client
 *   dispatch: pool.dispatch() with a handler writing chunks straight to the client, as Airlock's forwarder does
 *   authz:    no proxying at all: every request is answered 200 with an empty body at once. The Node ceiling of a
 *             forward-auth service (nginx auth_request asks it before each request; bench row `nginx-bare-authz`)
 */
import cluster from 'node:cluster';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

const [portArg, upstream, workersArg, apiArg] = process.argv.slice(2);
const port = Number(portArg);
const workers = Number(workersArg ?? 2);
const api = apiArg ?? 'request';
if (api !== 'request' && api !== 'dispatch' && api !== 'authz') throw new TypeError('api must be request, dispatch or authz');

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

function requestHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== 'connection' && k !== 'host') headers[k] = v;
  return headers;
}

function responseHeaders(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP.has(k)) out[k] = v;
  return out;
}

/** Writes the upstream response to the client as it arrives (pausing the upstream while the client is slow). */
class Relay implements Dispatcher.DispatchHandler {
  constructor(private readonly res: ServerResponse) {}
  /** Present so undici takes this for a handler of its current (controller) API. */
  onRequestStart(): void {}
  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status >= 200) this.res.writeHead(status, responseHeaders(headers));
  }
  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) {
      c.pause();
      this.res.once('drain', () => c.resume());
    }
  }
  onResponseEnd(): void {
    this.res.end();
  }
  onResponseError(_c: Dispatcher.DispatchController, _err: Error): void {
    if (this.res.headersSent) this.res.destroy();
    else this.res.writeHead(502).end();
  }
}

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  let ready = 0;
  cluster.on('message', (_w, m) => {
    if (m === 'ready' && ++ready === workers) console.log('ready');
  });
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  const pool = new Pool(upstream!, { connections: 128, pipelining: 1 });
  const body = (req: IncomingMessage) => (req.method === 'GET' || req.method === 'HEAD' ? null : req);
  const server = http.createServer(
    api === 'authz'
      ? (_req, res) => {
          res.writeHead(200, { 'content-length': '0' });
          res.end();
        }
      : api === 'dispatch'
      ? (req, res) => {
          pool.dispatch({ method: req.method ?? 'GET', path: req.url ?? '/', headers: requestHeaders(req), body: body(req) }, new Relay(res));
        }
      : async (req, res) => {
          try {
            const r = await pool.request({ method: req.method as 'GET', path: req.url ?? '/', headers: requestHeaders(req), body: body(req) });
            res.writeHead(r.statusCode, responseHeaders(r.headers));
            r.body.pipe(res);
          } catch {
            res.writeHead(502).end();
          }
        },
  );
  server.keepAliveTimeout = 65_000;
  // exit normally on SIGTERM, so --cpu-prof (bench --profile) writes its profile
  if (cluster.isPrimary) process.on('SIGTERM', () => process.exit(0));
  server.listen(port, '127.0.0.1', () => (process.send ? process.send('ready') : console.log('ready')));
}
