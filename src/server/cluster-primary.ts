import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type client from 'prom-client';
import type { Secret } from '../config/index.ts';
import { startClusterRevocationRelay } from '../session/index.ts';
import { detectAutoWorkers } from './cpu-limit.ts';
import type { Logger } from './logger.ts';

export const METRICS_REQUEST = 'airlock:metrics-request';
export const METRICS_RESPONSE = 'airlock:metrics-response';
const WORKER_READY = 'airlock:worker-ready';

export interface ClusterOptions {
  readonly configPath: string;
  readonly workers: number | 'auto';
  readonly port?: number;
  readonly log: Logger;
  /** The PostgreSQL store: the primary holds the host's one LISTEN connection for revocations of other hosts. */
  readonly postgres?: { readonly url: Secret };
}

export interface RunningCluster {
  readonly port: number;
  readonly workers: number;
  close(): Promise<void>;
}

/**
 * The primary process: forks N workers (default: one per usable core, cgroup CPU quota included) that share the
 * listening socket, relays session revocations between them (and, with PostgreSQL, to and from the other hosts),
 * aggregates their metrics, forwards SIGHUP, and restarts a worker that dies unexpectedly. State lives in the
 * store, never in one worker.
 */
export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  let count: number;
  if (opts.workers === 'auto') {
    const auto = detectAutoWorkers();
    if (auto.limit.kind === 'invalid') opts.log.warn({ reason: auto.limit.reason }, 'workers: auto: cgroup CPU limit unreadable; using one worker per available CPU');
    opts.log.info({ workers: auto.workers, availableParallelism: auto.available, cgroupCpus: auto.limit.kind === 'limit' ? auto.limit.cpus : null }, 'workers: auto resolved');
    count = auto.workers;
  } else {
    count = opts.workers;
  }
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('../../bin/airlock.js', import.meta.url)),
    args: ['__worker', '--config', opts.configPath, ...(opts.port !== undefined ? ['--port', String(opts.port)] : [])],
    silent: false,
  });
  // before any worker exists: no revocation of a worker can miss the other hosts
  const relay = await startClusterRevocationRelay({ logger: opts.log, ...(opts.postgres ? { postgres: { url: opts.postgres.url } } : {}) });
  // prom-client serves only the workers' metrics requests: loaded once they serve, not before they are forked
  let aggregator: Promise<InstanceType<typeof client.AggregatorRegistry>> | undefined;
  const aggregatorOf = () => (aggregator ??= import('prom-client').then((m) => new m.default.AggregatorRegistry()));
  let stopping = false;
  let port = 0;

  const onMessage = (worker: Worker, msg: unknown) => {
    const m = msg as { type?: string; id?: number; port?: number };
    if (m?.type === METRICS_REQUEST) {
      aggregatorOf().then((a) => a.clusterMetrics()).then(
        (text) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id: m.id, text }),
        (err: Error) => worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id: m.id, error: err.message }),
      );
    }
  };
  cluster.on('message', onMessage);

  const fork = () =>
    new Promise<Worker>((resolve, reject) => {
      const w = cluster.fork();
      const onReady = (msg: unknown) => {
        const m = msg as { type?: string; port?: number };
        if (m?.type === WORKER_READY) {
          port = m.port ?? port;
          w.off('message', onReady);
          w.off('exit', onEarlyExit);
          resolve(w);
        }
      };
      const onEarlyExit = (code: number) => reject(new Error(`worker exited with code ${code} during start`));
      w.on('message', onReady);
      w.once('exit', onEarlyExit);
    });

  const workers = await Promise.all(Array.from({ length: count }, fork)).catch(async (err) => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    cluster.off('message', onMessage);
    await relay.close();
    throw err;
  });
  void workers;
  aggregatorOf().catch((err: Error) => opts.log.error({ err: err.message }, 'cannot load prom-client: cluster metrics unavailable'));
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    opts.log.error({ workerPid: worker.process.pid, code, signal }, 'worker died; starting a new one');
    fork().catch((err) => opts.log.error({ err: err.message }, 'could not restart worker'));
  });
  const onHup = () => {
    opts.log.info({}, 'SIGHUP: asking every worker to reload its config');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  };
  process.on('SIGHUP', onHup);
  opts.log.info({ workers: count, port }, 'airlock cluster started');

  return {
    port,
    workers: count,
    async close() {
      stopping = true;
      process.off('SIGHUP', onHup);
      cluster.off('message', onMessage);
      await Promise.all(
        Object.values(cluster.workers ?? {}).map(
          (w) =>
            new Promise<void>((resolve) => {
              if (!w) return resolve();
              const t = setTimeout(() => w.kill('SIGKILL'), 10_000);
              w.once('exit', () => (clearTimeout(t), resolve()));
              w.process.kill('SIGTERM');
            }),
        ),
      );
      await relay.close();
    },
  };
}

/** Inside a worker: tell the primary the worker is serving. */
export function announceWorkerReady(port: number): void {
  process.send?.({ type: WORKER_READY, port });
}

/** Inside a worker: metrics of all workers, through the primary. */
export function clusterMetricsText(timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = Math.floor(Math.random() * 2 ** 31);
    const onMsg = (msg: unknown) => {
      const m = msg as { type?: string; id?: number; text?: string; error?: string };
      if (m?.type !== METRICS_RESPONSE || m.id !== id) return;
      process.off('message', onMsg);
      clearTimeout(t);
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m.text ?? '');
    };
    const t = setTimeout(() => (process.off('message', onMsg), reject(new Error('metrics aggregation timed out'))), timeoutMs);
    process.on('message', onMsg);
    process.send?.({ type: METRICS_REQUEST, id });
  });
}
