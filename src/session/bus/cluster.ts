import cluster, { type Worker } from 'node:cluster';
import type { Secret } from '../../config/index.ts';
import { hostFanout, type FanoutWorker } from './fanout.ts';
import {
  assertRevocationMessage,
  deliver,
  listenerSet,
  parseRevocationMessage,
  type BusLogger,
  type RevocationBus,
  type RevocationMessage,
} from './message.ts';
import { postgresChannel, type PostgresBusOptions, type RevocationChannel } from './postgres.ts';

/** IPC envelope: worker -> primary -> every other worker. */
const TAG = 'airlock:revocation:v1';
interface Envelope {
  readonly tag: typeof TAG;
  readonly msg: RevocationMessage;
}

function envelopeOf(value: unknown): { msg: RevocationMessage | undefined } | undefined {
  if (typeof value !== 'object' || value === null || (value as { tag?: unknown }).tag !== TAG) return undefined;
  return { msg: parseRevocationMessage((value as { msg?: unknown }).msg) };
}

/**
 * The bus inside a node:cluster worker. publish() delivers here at once and sends the message to the
 * primary, whose relay (startClusterRevocationRelay) forwards it to every other worker and to the other hosts.
 * Messages received here are delivered locally only, never sent on.
 */
export function clusterBus(opts: { logger?: BusLogger } = {}): RevocationBus {
  if (!cluster.isWorker || typeof process.send !== 'function') {
    throw new TypeError('clusterBus() must run in a node:cluster worker; use localBus() in a single process');
  }
  const send = process.send.bind(process);
  const { listeners, subscribe } = listenerSet();
  const onMessage = (value: unknown) => {
    const env = envelopeOf(value);
    if (env === undefined) return; // not ours: other IPC traffic
    if (env.msg === undefined) {
      opts.logger?.warn({}, 'session: malformed revocation message on cluster IPC dropped');
      return;
    }
    deliver(listeners, env.msg);
  };
  process.on('message', onMessage);
  let closed = false;
  return {
    publish(msg) {
      const checked = assertRevocationMessage(msg);
      deliver(listeners, checked);
      if (closed) return;
      const envelope: Envelope = { tag: TAG, msg: checked };
      send(envelope, undefined, undefined, (err: Error | null) => {
        if (err) opts.logger?.warn({ err: { message: err.message } }, 'session: revocation not sent to the cluster primary');
      });
    },
    subscribe,
    async close() {
      closed = true;
      process.off('message', onMessage);
      listeners.clear();
    },
  };
}

let relayActive = false;

export interface ClusterRelayOptions {
  logger?: BusLogger;
  /**
   * The host's link to the other hosts sharing a PostgreSQL store: ONE LISTEN connection, held by the primary.
   * Absent (SQLite): revocations stay on this host.
   */
  postgres?: { readonly url: Secret } & PostgresBusOptions;
}

export interface ClusterRelay {
  close(): Promise<void>;
}

/**
 * In the cluster primary: forwards each worker's revocation to every other worker and, with `postgres`, NOTIFYs
 * the other hosts; a revocation NOTIFYed by another host (or a flush after the LISTEN connection came back) goes
 * to every worker. One relay per process at a time; an unreachable PostgreSQL is AIRLOCK_SESSION_BUS_UNAVAILABLE.
 */
export async function startClusterRevocationRelay(opts: ClusterRelayOptions = {}): Promise<ClusterRelay> {
  if (!cluster.isPrimary) throw new TypeError('startClusterRevocationRelay() must run in the cluster primary');
  if (relayActive) throw new TypeError('a cluster revocation relay is already running in this process');
  relayActive = true;
  let channel: RevocationChannel | undefined;
  const workers = function* (): Iterable<FanoutWorker> {
    for (const w of Object.values(cluster.workers ?? {})) {
      if (w === undefined || !w.isConnected()) continue;
      yield {
        id: w.id,
        send(msg) {
          const out: Envelope = { tag: TAG, msg };
          w.send(out, undefined, (err: Error | null) => {
            if (err) opts.logger?.warn({ worker: w.id, err: { message: err.message } }, 'session: revocation not relayed to a worker');
          });
        },
      };
    }
  };
  const fanout = hostFanout({
    workers,
    ...(opts.postgres ? { upstream: { notify: (msg: RevocationMessage) => channel?.notify(msg) } } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  if (opts.postgres) {
    const { url, ...pgOpts } = opts.postgres;
    try {
      channel = await postgresChannel(url, { ...pgOpts, ...(opts.logger ? { logger: opts.logger } : {}), receive: (msg) => fanout.fromUpstream(msg) });
    } catch (err) {
      relayActive = false;
      throw err;
    }
  }
  const onMessage = (from: Worker, value: unknown) => {
    const env = envelopeOf(value);
    if (env === undefined) return;
    if (env.msg === undefined) {
      opts.logger?.warn({ worker: from.id }, 'session: malformed revocation message from a worker dropped');
      return;
    }
    fanout.fromWorker(from.id, env.msg);
  };
  cluster.on('message', onMessage);
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        cluster.off('message', onMessage);
        await channel?.close();
        relayActive = false;
      })();
      return closing;
    },
  };
}
