import type { AirlockConfig } from '../config/index.ts';
import { DagMetadataSource, metadataAuthorization, type DagMetadataSnapshot } from '../policy/index.ts';
import type { Logger } from './logger.ts';

/**
 * One DagMetadataSource per environment named in policy.dag_metadata: each worker reads Airflow's DAG list
 * (tags, owners) with the configured service credential, straight from the upstream, every `refresh`.
 * decide() gets the environment's snapshot as an argument and stays pure.
 */
export class DagMetadataSources {
  readonly #sources = new Map<string, DagMetadataSource>();
  #signature = '';

  /** Starts, restarts or stops sources to match the config (called at start and after every reload). */
  apply(config: AirlockConfig, log: Logger): void {
    const wanted = config.policy.dag_metadata;
    const signature = JSON.stringify(
      Object.entries(wanted).map(([env, md]) => [env, md.scheme, md.refresh, md.timeout, md.token.reveal().length, config.environments[env]?.upstream]),
    );
    if (signature === this.#signature) return;
    this.#signature = signature;
    this.stop();
    for (const [env, md] of Object.entries(wanted)) {
      const e = config.environments[env];
      if (!e) continue; // compilePolicy already refuses an unknown environment here
      const source = new DagMetadataSource({ upstream: e.upstream, airflow: e.airflow, authorization: metadataAuthorization(md), timeout: md.timeout, refresh: md.refresh });
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
  }
}
