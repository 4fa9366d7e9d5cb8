/**
 * The Node ceiling: a bare reverse proxy with no auth, undici Pool, the same worker count as Airlock.
 * Usage: node --import tsx bench/bare-proxy.ts <port> <upstream-url> <workers>
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { Pool } from 'undici';

const [portArg, upstream, workersArg] = process.argv.slice(2);
const port = Number(portArg);
const workers = Number(workersArg ?? 2);

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
  const server = http.createServer(async (req, res) => {
    try {
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== 'connection' && k !== 'host') headers[k] = v;
      const r = await pool.request({ method: req.method as 'GET', path: req.url ?? '/', headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req });
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding') out[k] = v;
      res.writeHead(r.statusCode, out);
      r.body.pipe(res);
    } catch {
      res.writeHead(502).end();
    }
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => (process.send ? process.send('ready') : console.log('ready')));
}
