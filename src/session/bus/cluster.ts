import cluster, { type Worker } from 'node:cluster';
import {
  assertRevocationMessage,
  deliver,
  listenerSet,
  parseRevocationMessage,
  type BusLogger,
  type RevocationBus,
  type RevocationMessage,
} from './message.ts';

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
 * primary, whose relay (installClusterRevocationRelay) forwards it to every other worker.
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

let relayInstalled = false;

/** In the cluster primary: forwards each worker's revocation to all other workers. Idempotent. */
export function installClusterRevocationRelay(opts: { logger?: BusLogger } = {}): void {
  if (!cluster.isPrimary) throw new TypeError('installClusterRevocationRelay() must run in the cluster primary');
  if (relayInstalled) return;
  relayInstalled = true;
  cluster.on('message', (from: Worker, value: unknown) => {
    const env = envelopeOf(value);
    if (env === undefined) return;
    if (env.msg === undefined) {
      opts.logger?.warn({ worker: from.id }, 'session: malformed revocation message from a worker dropped');
      return;
    }
    const out: Envelope = { tag: TAG, msg: env.msg };
    for (const w of Object.values(cluster.workers ?? {})) {
      if (w === undefined || w.id === from.id || !w.isConnected()) continue;
      w.send(out, undefined, (err: Error | null) => {
        if (err) opts.logger?.warn({ worker: w.id, err: { message: err.message } }, 'session: revocation not relayed to a worker');
      });
    }
  });
}
