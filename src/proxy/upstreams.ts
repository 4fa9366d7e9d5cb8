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
  /**
   * TLS options for an https upstream (the pool's and the WebSocket tunnel's): the environment's `tls` (ca, client
   * certificate, servername) over the process-wide options. Certificates are always verified.
   */
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

/** The TLS options of an https upstream: the environment's `tls` over the process-wide ones; verification always on. */
function tlsOptionsOf(name: string, env: EnvironmentConfig, base: ConnectionOptions | undefined): ConnectionOptions | undefined {
  const t = env.tls;
  if (!t && !base) return undefined;
  if (t && (t.client_cert === undefined) !== (t.client_key === undefined)) throw new TypeError(`environment "${name}": tls.client_cert and tls.client_key go together`);
  return {
    ...(base ?? {}),
    ...(t?.ca !== undefined ? { ca: t.ca } : {}),
    ...(t?.client_cert !== undefined && t.client_key !== undefined ? { cert: t.client_cert, key: t.client_key.reveal() } : {}),
    ...(t?.server_name !== undefined ? { servername: t.server_name } : {}),
    rejectUnauthorized: true,
  };
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
      if (env.tls && !where.tls) throw new TypeError(`environment "${name}": tls applies only to an https:// upstream`);
      const tlsOptions = where.tls ? tlsOptionsOf(name, env, opts.tls) : undefined;
      const pool = new Pool(where.origin, {
        connections: env.connections,
        connectTimeout: env.connect_timeout,
        headersTimeout: env.timeout,
        bodyTimeout: env.timeout,
        pipelining: 1,
        ...(tlsOptions ? { connect: { ...tlsOptions } } : {}),
      });
      byName.set(name, Object.freeze({ name, env, ...where, pool, tlsOptions }));
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
