import type { AirlockConfig } from '../config/index.ts';
import { DagMetadataSource, metadataAuthorization, type DagMetadataSnapshot } from '../policy/index.ts';
import { Upstreams, type Upstream } from '../proxy/index.ts';
import type { Logger } from './logger.ts';

/** What the sources need from the running worker, looked up at every read (a reload swaps the snapshot's pools). */
export interface DagMetadataDeps {
  /** The environment's upstream in the current config snapshot: its keep-alive pool and `tls:` settings. */
  upstream(env: string): Upstream;
  /** A valid assertion of the gateway's DAG metadata reader (DAG_METADATA_READER) for `env`. */
  readerAssertion(env: string): Promise<string>;
}

/**
 * One DagMetadataSource per environment named in policy.dag_metadata: each worker reads Airflow's DAG list
 * (tags, owners) every `refresh`, through the environment's upstream pool (its `tls:` settings included), as the
 * gateway's service principal: X-Airlock-Assertion of DAG_METADATA_READER (user airlock-dag-metadata, role Viewer),
 * which the airflow-airlock integration verifies like any assertion. With `token` set (an Airflow without the
 * integration) it sends that credential as Authorization instead. decide() gets the snapshot as an argument and
 * stays pure.
 */
export class DagMetadataSources {
  readonly #sources = new Map<string, DagMetadataSource>();
  #signature = '';
  readonly #deps: Partial<DagMetadataDeps>;
  /** Pools of its own, only when no `upstream` was given (tools and tests): built per apply(), closed by stop(). */
  #own: Upstreams | undefined;

  /**
   * The worker gives both deps. Without `upstream` the sources build pools of their own from the applied config;
   * without `readerAssertion` only environments with a `token` can be read (the others' reads fail, and so do
   * their tags/owners rules, closed).
   */
  constructor(deps: Partial<DagMetadataDeps> = {}) {
    this.#deps = deps;
  }

  /** Starts, restarts or stops sources to match the config (called once the gateway listens, and after every reload). */
  apply(config: AirlockConfig, log: Logger): void {
    const wanted = config.policy.dag_metadata;
    const signature = JSON.stringify(
      // a token by its fingerprint (a keyed hash of the value, never logged): a rotation of the same length restarts the source
      Object.entries(wanted).map(([env, md]) => {
        const e = config.environments[env];
        return [env, md.scheme, md.refresh, md.timeout, md.token?.fingerprint() ?? null, e?.upstream, e?.path_prefix ?? null, e?.airflow];
      }),
    );
    if (signature === this.#signature) return;
    this.#signature = signature;
    this.stop();
    const own = this.#deps.upstream ? undefined : (this.#own = Upstreams.build(config.environments));
    const upstreamOf = (env: string): Upstream => (own ? own.get(env) : (this.#deps.upstream as DagMetadataDeps['upstream'])(env));
    const readerAssertion = this.#deps.readerAssertion;
    for (const [env, md] of Object.entries(wanted)) {
      const e = config.environments[env];
      if (!e) continue; // compilePolicy already refuses an unknown environment here
      const authorization = md.token ? metadataAuthorization({ token: md.token, scheme: md.scheme }) : undefined;
      const credential = async (): Promise<Record<string, string>> => {
        if (authorization !== undefined) return { authorization };
        if (!readerAssertion) throw new Error('DAG metadata: no assertion signer (set policy.dag_metadata token, or run in the gateway)');
        return { 'x-airlock-assertion': await readerAssertion(env) };
      };
      const source = new DagMetadataSource({
        airflow: e.airflow,
        pathPrefix: e.path_prefix ?? '',
        get: upstreamGet(() => upstreamOf(env), credential),
        timeout: md.timeout,
        refresh: md.refresh,
      });
      this.#sources.set(env, source);
      source.start().then(
        () => {
          const err = source.lastError as Error | undefined;
          if (err) log.warn({ env, err: { message: err.message } }, 'DAG metadata: first read failed; tags/owners rules deny until it succeeds');
          else log.info({ env, dags: source.snapshot()?.dags.size }, 'DAG metadata loaded');
        },
        () => undefined,
      );
    }
  }

  snapshot(env: string): DagMetadataSnapshot | undefined {
    return this.#sources.get(env)?.snapshot();
  }

  stop(): void {
    for (const s of this.#sources.values()) s.stop();
    this.#sources.clear();
    void this.#own?.close().catch(() => undefined);
    this.#own = undefined;
  }
}

/** Most a DAG list page may weigh (100 DAGs with long tag lists are far below). */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;

/**
 * A GET on an environment's upstream pool (undici: keep-alive, the environment's TLS options, timeouts) with the
 * given credential headers. Resolves the status and, for a 2xx, the JSON body; other bodies are discarded.
 */
export function upstreamGet(upstream: () => Upstream, credential: () => Promise<Record<string, string>>) {
  return async (path: string, signal: AbortSignal): Promise<{ status: number; body: unknown }> => {
    const u = upstream();
    const headers = { accept: 'application/json', ...(await credential()) };
    const res = await u.pool.request({ method: 'GET', path, headers, signal });
    if (res.statusCode < 200 || res.statusCode > 299) {
      await res.body.dump();
      return { status: res.statusCode, body: undefined };
    }
    const length = Number(res.headers['content-length'] ?? 0);
    if (length > MAX_PAGE_BYTES) {
      await res.body.dump();
      throw new Error(`DAG metadata: ${path.split('?')[0]} answered ${length} bytes (more than ${MAX_PAGE_BYTES})`);
    }
    const text = await res.body.text();
    if (text.length > MAX_PAGE_BYTES) throw new Error(`DAG metadata: ${path.split('?')[0]} answered more than ${MAX_PAGE_BYTES} bytes`);
    try {
      return { status: res.statusCode, body: JSON.parse(text) as unknown };
    } catch {
      throw new Error(`DAG metadata: ${path.split('?')[0]} did not answer JSON`);
    }
  };
}
