import { loadConfig } from '../config/index.ts';
import { createLogger, type Logger } from './logger.ts';
import type { RunningWorker, WorkerOptions } from './worker.ts';

// What serves (worker.ts: store, keys, policy, proxy, every endpoint) and what forks (cluster-primary.ts) are
// loaded only in the process that runs them: a cluster's primary never loads the serving code it forks workers for.

export interface StartOptions {
  readonly configPath: string;
  /** 1 = serve in this process; N > 1 or "auto" = node:cluster with N workers. Default: config `workers`. */
  readonly workers?: number | 'auto';
  /** Override the configured port (0 = ephemeral, for tests). */
  readonly port?: number;
  readonly logger?: Logger;
}

export interface RunningGateway {
  /** http://host:port where it listens. */
  readonly url: string;
  readonly port: number;
  readonly workers: number;
  /** internal_listen's URL (probes, JWKS, metrics), when configured and serving in this process. */
  readonly internalUrl?: string;
  /** Only when serving in this process (workers = 1). */
  readonly worker?: RunningWorker;
  close(): Promise<void>;
}

/** Starts the gateway: in this process, or as a cluster of workers. */
export async function startGateway(opts: StartOptions): Promise<RunningGateway> {
  const config = await loadConfig(opts.configPath);
  const workers = opts.workers ?? config.workers;
  const log = opts.logger ?? createLogger({ level: config.log.level });
  if (workers === 1) {
    const w = await startWorker({ configPath: opts.configPath, logger: log, ...(opts.port !== undefined ? { port: opts.port } : {}) });
    return { url: w.url, port: w.port, workers: 1, worker: w, ...(w.internalUrl ? { internalUrl: w.internalUrl } : {}), close: () => w.close() };
  }
  const { startCluster } = await import('./cluster-primary.ts');
  const c = await startCluster({
    configPath: opts.configPath,
    workers,
    log,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(config.store.kind === 'postgres' ? { postgres: { url: config.store.url } } : {}),
  });
  const host = config.listen.host === '0.0.0.0' || config.listen.host === '::' ? '127.0.0.1' : config.listen.host;
  return { url: `${config.listen_tls ? 'https' : 'http'}://${host}:${c.port}`, port: c.port, workers: c.workers, close: () => c.close() };
}

/** Entry point of a cluster worker process (bin/airlock.js __worker). */
export async function runClusterWorker(configPath: string, port: number | undefined): Promise<void> {
  const [config, { announceWorkerReady, clusterMetricsText }, { default: client }] = await Promise.all([
    loadConfig(configPath),
    import('./cluster-primary.ts'),
    import('prom-client'),
  ]);
  const log = createLogger({ level: config.log.level });
  const w = await startWorker({
    configPath,
    clustered: true,
    logger: log,
    metricsText: () => clusterMetricsText(),
    ...(port !== undefined ? { port } : {}),
  });
  client.AggregatorRegistry.setRegistries([w.services.metrics.registry]);
  // prom-client installs the worker's answer to the primary's metrics request only in this constructor
  void new client.AggregatorRegistry();
  announceWorkerReady(w.port);
  // A signal sent to the whole process group (Ctrl-C, a runtime that signals every process) reaches a worker
  // twice: directly and forwarded by the primary. The second must not kill it while it writes its audit queue.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    w.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** One gateway in this process (see worker.ts); its module graph is loaded on the first call. */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  return (await import('./worker.ts')).startWorker(opts);
}
