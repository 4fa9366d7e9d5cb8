import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ConfigHolder, installSighupReload, type AirlockConfig } from '../config/index.ts';
import { KeyRing, type KeyStorage } from '../keys/index.ts';
import { AssertionCache, DAG_METADATA_READER, installClientErrorHandler } from '../proxy/index.ts';
import { SessionManager, clusterBus, localBus, postgresBus, startRevocationPoll, type RevocationBus } from '../session/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { TokenService } from '../tokens/index.ts';
import { openAudit } from './audit-hooks.ts';
import type { GatewayServices } from './context.ts';
import { handleRequest } from './handle-request.ts';
import { handleUpgrade } from './handle-upgrade.ts';
import { installLiveUpgrades } from './live-upgrades.ts';
import { sealerFor } from './session-freshness.ts';
import { createLogger, type Logger } from './logger.ts';
import { loginStateStore } from './login-states.ts';
import { GatewayMetrics } from './metrics.ts';
import { buildRuntime, type Runtime } from './runtime.ts';
import { signingKeyStorage } from './signing-key-storage.ts';
import { DagMetadataSources, type DagMetadataDeps } from './dag-metadata.ts';
import { startInternalListener, type InternalListener } from './internal-listener.ts';
import { createListener, listenerTls, reloadedTls } from './listener.ts';

export interface WorkerOptions {
  readonly configPath: string;
  /** Running inside a node:cluster worker (revocations and metrics go through the primary). */
  readonly clustered?: boolean;
  /** Override the configured listen port (tests use 0). */
  readonly port?: number;
  readonly host?: string;
  readonly logger?: Logger;
  readonly metricsText?: () => Promise<string>;
}

export interface RunningWorker {
  readonly url: string;
  readonly port: number;
  /** Where internal_listen serves probes, JWKS and metrics (when configured). */
  readonly internalUrl?: string;
  readonly services: GatewayServices;
  close(): Promise<void>;
}

/** One gateway process: config holder, store, keys, sessions and the HTTP server. */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const holder = await ConfigHolder.open(opts.configPath);
  const cfg = holder.current.config;
  const log = opts.logger ?? createLogger({ level: cfg.log.level });
  // The runtime (compiled policy, environments, upstream pools, OIDC relying party) needs no store: built first,
  // so that the IdP discovery runs while the store opens and migrates.
  let version = 0;
  let previous: Runtime | undefined;
  await holder.addBuilder('runtime', (config: AirlockConfig) => {
    const rt = buildRuntime(config, ++version, previous);
    return rt;
  });
  const runtime = (): Runtime => holder.current.built.get('runtime') as Runtime;
  previous = runtime();
  // start OIDC discovery now; failures are retried on the next login and reported by /.airlock/readyz
  runtime().rp.configuration().catch((err) => log.warn({ err: { code: err.code, message: err.message } }, 'IdP discovery failed; new logins get 503 until it succeeds'));

  const store = await openStore(cfg.store, { logger: log });
  const keys = await KeyRing.open(signingKeyStorage(store) as KeyStorage, {
    rotateEveryMs: cfg.assertion.rotate_every,
    overlapMs: cfg.assertion.overlap,
  });
  // clustered: the primary holds the host's one PostgreSQL LISTEN connection and relays both ways (startCluster)
  const bus: RevocationBus = opts.clustered ? clusterBus({ logger: log }) : cfg.store.kind === 'postgres' ? await postgresBus(cfg.store.url, { logger: log }) : localBus();
  // IdP refresh tokens are sealed with a key derived from the current IdP client credential (session-freshness.ts)
  const sessions = new SessionManager({ store, bus, config: () => holder.current.config.session, sealer: () => sealerFor(holder.current.config.idp), maxCacheEntries: cfg.session.cache_entries });
  const metrics = new GatewayMetrics();
  const audit = openAudit(cfg, store, keys, metrics.registry, log);

  let assertions: { rt: Runtime; cache: AssertionCache } | undefined;
  // the reader signs as the gateway's service principal and goes through the current snapshot's upstream pool
  const metadataDeps: DagMetadataDeps = {
    upstream: (env) => runtime().upstreams.get(env),
    readerAssertion: (env) => svc.assertions().get(DAG_METADATA_READER, env),
  };
  const dagMetadata = new DagMetadataSources(metadataDeps);
  holder.onChange((next) => dagMetadata.apply(next.config, log));
  holder.onChange((next) => {
    // session.cache_entries bounds both per-worker caches; a reload applies it (a smaller bound drops the oldest)
    sessions.resizeCache(next.config.session.cache_entries);
    assertions?.cache.resize(next.config.session.cache_entries);
  });
  holder.onChange((next, prev) => {
    const old = prev.built.get('runtime') as Runtime;
    previous = next.built.get('runtime') as Runtime;
    metrics.configReloads.inc({ result: 'ok' });
    audit.record({ type: 'config.reload', decision: 'allow', detail: { result: 'ok', pid: process.pid } });
    // let in-flight requests finish on the old pools
    setTimeout(() => void old.upstreams.close().catch(() => undefined), 60_000).unref();
  });

  const svc: GatewayServices = {
    holder,
    store,
    sessions,
    tokens: new TokenService({ store, log }),
    keys,
    loginStates: loginStateStore(store),
    log,
    metrics,
    audit,
    now: Date.now,
    metricsText: opts.metricsText ?? (() => metrics.registry.metrics()),
    dagMetadata: (env) => dagMetadata.snapshot(env),
    runtime,
    assertions() {
      const rt = runtime();
      if (!assertions || assertions.rt.publicUrl !== rt.publicUrl || assertions.rt.config.assertion.ttl !== rt.config.assertion.ttl) {
        assertions = { rt, cache: new AssertionCache(keys, rt.publicUrl, rt.config.assertion.ttl, { maxEntries: rt.config.session.cache_entries }) };
      }
      return assertions.cache;
    },
  };

  const tls = listenerTls(cfg, opts.configPath);
  const server = createListener(tls, (req, res) => {
    void handleRequest(req, res, svc);
  });
  // a reload serves a renewed certificate to new connections; switching http <-> https is refused (restart)
  holder.addBuilder('listener', (config: AirlockConfig) => reloadedTls(tls !== undefined, config, opts.configPath));
  holder.onChange((next) => {
    const t = next.built.get('listener') as ReturnType<typeof listenerTls>;
    if (t) (server as https.Server).setSecureContext(t);
  });
  installClientErrorHandler(server);
  // open WebSocket tunnels are closed when their session is revoked (bus) or stops allowing them (live-upgrades.ts)
  const upgrades = installLiveUpgrades(svc, bus, log);
  // SQLite: revocations written by other processes (the sessions CLI) have no bus to travel on; read them from the store
  const revocationPoll = cfg.store.kind === 'sqlite'
    ? startRevocationPoll({ store, logger: log, onRevoked: (idHashes) => { sessions.evict(idHashes); upgrades.onRevocation({ type: 'revoke', idHashes }); } })
    : undefined;
  server.on('upgrade', (req, socket, head) => void handleUpgrade(req, socket, head, svc));
  const removeSighup = installSighupReload(holder, {
    info: (...a: unknown[]) => log.info(a[0] as object, a[1] as string),
    error: (...a: unknown[]) => {
      metrics.configReloads.inc({ result: 'failed' });
      audit.record({ type: 'config.reload', decision: 'deny', detail: { result: 'failed', pid: process.pid } });
      log.error(a[0] as object, a[1] as string);
    },
  });

  const timers: NodeJS.Timeout[] = [];
  const scheduleKeys = () => {
    const delay = Math.max(1_000, Math.min(keys.nextMaintenance() - Date.now(), 60_000));
    const t = setTimeout(() => {
      const before = keys.current().kid;
      keys.maintain().then(() => { if (keys.current().kid !== before) audit.record({ type: 'key.rotation', detail: { from_kid: before, to_kid: keys.current().kid } }); }).catch((err) => log.error({ err }, 'signing key maintenance failed')).finally(scheduleKeys);
    }, delay);
    t.unref();
    timers[0] = t;
  };
  scheduleKeys();
  const sample = setInterval(() => {
    store.sessions.countActive(Date.now()).then((n) => metrics.sessions.set(n), () => undefined);
  }, 15_000);
  sample.unref();
  timers.push(sample);

  const port = opts.port ?? cfg.listen.port;
  const host = opts.host ?? cfg.listen.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // probes, JWKS and metrics for the cluster's own machinery (read at start, like listen)
  let internal: InternalListener | undefined;
  if (cfg.internal_listen) {
    try {
      internal = await startInternalListener(svc, cfg.internal_listen.host, cfg.internal_listen.port);
    } catch (err) {
      server.close();
      throw err;
    }
    log.info({ internalListen: internal.url }, 'airlock internal listener (probes, JWKS, metrics)');
  }
  // first DAG list reads once the gateway serves its JWKS (Airflow verifies the reader's assertion against it)
  dagMetadata.apply(holder.current.config, log);
  log.info({ listen: `${address.address}:${address.port}`, publicUrl: cfg.public_url, envs: Object.keys(cfg.environments), store: cfg.store.kind }, 'airlock listening');

  let closing: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    ...(internal ? { internalUrl: internal.url } : {}),
    port: address.port,
    services: svc,
    close() {
      closing ??= (async () => {
        removeSighup();
        for (const t of timers) clearTimeout(t);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 5_000).unref();
        });
        dagMetadata.stop();
        await internal?.close();
        revocationPoll?.stop();
        upgrades.stop();
        sessions.close();
        await bus.close();
        await runtime().upstreams.close();
        await audit.close(); // flush batched read events, sign a last checkpoint, drain sinks
        await store.close();
      })();
      return closing;
    },
  };
}
