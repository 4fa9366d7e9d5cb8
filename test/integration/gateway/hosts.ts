import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { rawRequest, SESSION_COOKIE, type RawResponse } from './flows.ts';

/**
 * Gateway hosts as separate `airlock serve` processes (each a node:cluster primary with its workers) sharing one
 * store, as a deployment runs them: for the cross-host tests (session revocation, N gateways on one PostgreSQL).
 */
export const BIN = fileURLToPath(new URL('../../../bin/airlock.js', import.meta.url));

export interface Host {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly output: () => string;
}

export interface HostOptions {
  readonly name: string;
  /** Folder of the config file (holds ./client-secret and anything the config names). */
  readonly dir: string;
  readonly port: number;
  /** Default: http://localhost:<port>. Hosts behind one load balancer share the balancer's URL. */
  readonly publicUrl?: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly upstream: string;
  /** The store setting (e.g. `{ url, pool }` for PostgreSQL). */
  readonly store: unknown;
  readonly workers?: number;
  /** Further config changes. */
  readonly config?: (cfg: Record<string, any>) => void;
}

/** Writes `<dir>/<name>.yaml` and starts `airlock serve` on it; resolves once every worker serves. */
export async function startHost(o: HostOptions): Promise<Host> {
  const url = `http://localhost:${o.port}`;
  const configPath = join(o.dir, `${o.name}.yaml`);
  const cfg: Record<string, any> = {
    listen: `127.0.0.1:${o.port}`,
    public_url: o.publicUrl ?? url,
    workers: o.workers ?? 2,
    log: { level: 'info' },
    idp: { issuer: o.issuer, client_id: o.clientId, client_secret: '${file:./client-secret}', allow_insecure_http: true, timeout: '3s' },
    roles: { 'data-eng': 'User' },
    environments: { prod: { host: 'localhost', upstream: o.upstream, airflow: 2, timeout: '3s', connect_timeout: '1s' } },
    session: { cache_ttl: '10m' },
    store: o.store,
  };
  o.config?.(cfg);
  await writeFile(configPath, stringify(cfg));
  const child = spawn(process.execPath, [BIN, 'serve', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const host: Host = { name: o.name, url, port: o.port, child, output: () => out };
  // the primary logs this once every worker is serving
  const deadline = Date.now() + 90_000;
  while (!/"msg":"airlock cluster started"/.test(out)) {
    if (child.exitCode !== null) throw new Error(`gateway ${o.name} exited (${child.exitCode}): ${out.slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway ${o.name} did not start: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return host;
}

/** SIGTERM (the graceful stop), SIGKILL after 15 s. */
export async function stopHost(h: Host): Promise<void> {
  if (h.child.exitCode !== null || h.child.signalCode !== null) return;
  const exited = new Promise((r) => h.child.once('exit', r));
  h.child.kill('SIGTERM');
  const t = setTimeout(() => h.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

/** The session cookie value a raw response sets (not a clearing one). */
export function sessionFrom(res: RawResponse): string | undefined {
  for (const line of (res.headers['set-cookie'] as string[] | undefined) ?? []) {
    const m = new RegExp(`^${SESSION_COOKIE}=([^;]+)`).exec(line);
    if (m && !/max-age=0/i.test(line)) return m[1];
  }
  return undefined;
}

/** n requests, each on a fresh TCP connection (so a host's round-robin spreads them over its workers). */
export async function statuses(base: string, headers: Array<[string, string]>, n: number, path = '/.airlock/whoami'): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 4) {
    const batch = await Promise.all(Array.from({ length: Math.min(4, n - i) }, () => rawRequest(`${base}${path}`, { headers: [...headers, ['Accept', 'application/json']] })));
    out.push(...batch.map((r) => r.status));
  }
  return out;
}

/**
 * Polls every base (bounded by `limitMs`) until a whole batch of requests on each refuses with `status`; returns
 * the milliseconds since `t0` when that was first seen, or undefined when it never was.
 */
export async function refusedAt(bases: readonly string[], headers: Array<[string, string]>, t0: number, opts: { status?: number; path?: string; limitMs?: number } = {}): Promise<number | undefined> {
  const want = opts.status ?? 401;
  const pending = new Set(bases);
  while (Date.now() - t0 < (opts.limitMs ?? 3_000)) {
    for (const base of [...pending]) {
      const batch = await statuses(base, headers, 4, opts.path);
      if (batch.every((s) => s === want)) pending.delete(base);
    }
    if (pending.size === 0) return Date.now() - t0;
  }
  return undefined;
}

export interface Balancer {
  readonly port: number;
  readonly url: string;
  /** Which backend each accepted connection went to, in order. */
  readonly picks: number[];
  close(): Promise<void>;
}

/**
 * A TCP load balancer on loopback: each new connection goes to the next backend port (round-robin, no affinity),
 * skipping a backend that refuses the connection (a stopped host), as a balancer's health check would.
 */
export async function roundRobin(ports: readonly number[]): Promise<Balancer> {
  let next = 0;
  const picks: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const tryPort = (attempt: number) => {
      if (attempt >= ports.length) return void client.destroy();
      const port = ports[next++ % ports.length]!;
      const upstream = net.connect(port, '127.0.0.1');
      const refused = () => tryPort(attempt + 1);
      upstream.once('error', refused);
      upstream.once('connect', () => {
        upstream.off('error', refused);
        picks.push(port);
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryPort(0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://localhost:${port}`,
    picks,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
