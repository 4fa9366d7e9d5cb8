import type { ConnectionOptions } from 'node:tls';
import { Pool } from 'undici';
import type { AirlockConfig } from '../config/schema/index.ts';
import type { EnvironmentConfig } from './environments.ts';

/** One environment's upstream: where it is and its keep-alive pool (one per worker per snapshot). */
export interface Upstream {
  readonly name: string;
  readonly env: EnvironmentConfig;
  /** "http://host:port" */
  readonly origin: string;
  readonly hostname: string;
  readonly port: number;
  readonly tls: boolean;
  readonly pool: Pool;
  /** Extra TLS options for https upstreams (also used by the WebSocket tunnel). */
  readonly tlsOptions: ConnectionOptions | undefined;
}

export interface UpstreamsOptions {
  /** TLS options for https upstreams, e.g. { ca } for a private CA. */
  readonly tls?: ConnectionOptions;
}

function parseUpstream(name: string, url: string): { origin: string; hostname: string; port: number; tls: boolean } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`environment "${name}": upstream "${url}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`environment "${name}": upstream must be http:// or https://`);
  if (u.username || u.password) throw new TypeError(`environment "${name}": upstream must not contain credentials`);
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
    throw new TypeError(`environment "${name}": upstream must be an origin (no path); the request path, including any path_prefix, is forwarded as is`);
  }
  const tls = u.protocol === 'https:';
  const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { origin: u.origin, hostname, port: u.port ? Number(u.port) : tls ? 443 : 80, tls };
}

/** The upstream pools of one config snapshot. Build at snapshot load; close() when the snapshot retires. */
export class Upstreams {
  readonly #byName: ReadonlyMap<string, Upstream>;
  #closed = false;

  private constructor(byName: Map<string, Upstream>) {
    this.#byName = byName;
  }

  static build(envs: AirlockConfig['environments'], opts: UpstreamsOptions = {}): Upstreams {
    const byName = new Map<string, Upstream>();
    for (const [name, env] of Object.entries(envs)) {
      const where = parseUpstream(name, env.upstream);
      const pool = new Pool(where.origin, {
        connections: env.connections,
        connectTimeout: env.connect_timeout,
        headersTimeout: env.timeout,
        bodyTimeout: env.timeout,
        pipelining: 1,
        ...(where.tls && opts.tls ? { connect: { ...opts.tls } } : {}),
      });
      byName.set(name, Object.freeze({ name, env, ...where, pool, tlsOptions: where.tls ? opts.tls : undefined }));
    }
    return new Upstreams(byName);
  }

  /** The upstream of an environment. Throws TypeError for a name not in this snapshot. */
  get(envName: string): Upstream {
    const u = this.#byName.get(envName);
    if (!u) throw new TypeError(`no upstream for environment "${envName}"`);
    if (this.#closed) throw new TypeError('upstreams are closed');
    return u;
  }

  /** Waits for in-flight requests, then closes every pool. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#byName.values()].map((u) => u.pool.close()));
  }
}
