import type { BusLogger, RevocationMessage } from './message.ts';

/** A worker process of this host as the fan-out sees it (in the primary: a node:cluster Worker). */
export interface FanoutWorker {
  readonly id: number;
  /** Hands one message to the worker (its bus delivers it to the worker's subscribers). */
  send(msg: RevocationMessage): void;
}

/** The link to the other hosts (PostgreSQL NOTIFY); it never hands back this host's own messages. */
export interface FanoutUpstream {
  notify(msg: RevocationMessage): void;
}

export interface HostFanoutOptions {
  /** The host's live workers, read at each message (workers come and go). */
  workers(): Iterable<FanoutWorker>;
  /** Absent for SQLite (one host). */
  upstream?: FanoutUpstream;
  logger?: BusLogger;
}

export interface HostFanout {
  /** A worker revoked: its siblings and the other hosts hear it; the sender already applied it itself. */
  fromWorker(workerId: number, msg: RevocationMessage): void;
  /** Another host revoked, or the upstream reconnected (flush): every worker of this host hears it. */
  fromUpstream(msg: RevocationMessage): void;
}

/**
 * The routing of one host's revocations, without I/O: one upstream listener per host, fanned out to the host's
 * workers. No loops and no duplicates by construction: a message goes back neither to the worker it came from
 * nor to the upstream it came from (the upstream drops its own origin's echo), and workers never re-send what
 * they receive.
 */
export function hostFanout(opts: HostFanoutOptions): HostFanout {
  if (typeof opts?.workers !== 'function') throw new TypeError('hostFanout: workers must be a function');
  if (opts.upstream !== undefined && typeof opts.upstream.notify !== 'function') throw new TypeError('hostFanout: upstream.notify must be a function');
  const toWorkers = (msg: RevocationMessage, except: number | undefined) => {
    for (const w of opts.workers()) {
      if (w.id === except) continue;
      try {
        w.send(msg);
      } catch (err) {
        // one dead worker must not keep the message from the others; it re-reads the store within cache_ttl
        opts.logger?.warn({ worker: w.id, err: { message: (err as Error).message } }, 'session: revocation not relayed to a worker');
      }
    }
  };
  return {
    fromWorker(workerId, msg) {
      toWorkers(msg, workerId);
      opts.upstream?.notify(msg);
    },
    fromUpstream(msg) {
      toWorkers(msg, undefined);
    },
  };
}
