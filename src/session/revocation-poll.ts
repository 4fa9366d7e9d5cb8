import type { Store } from '../store/index.ts';
import type { BusLogger } from './bus/message.ts';

export interface RevocationPollOptions {
  readonly store: Store;
  /** Called with the id hashes revoked since the last poll (each hash once). */
  readonly onRevoked: (idHashes: readonly string[]) => void;
  /** Default 50 ms. */
  readonly intervalMs?: number;
  readonly now?: () => number;
  readonly logger?: BusLogger;
}

/** A revocation written up to this long before a later one can still be seen (writers' clocks and commit order). */
const OVERLAP_MS = 5_000;
const BATCH = 1_000;

/**
 * For a SQLite store, whose gateway shares no message bus with other processes on the host (the `airlock sessions
 * revoke` CLI, `airlock keys revoke --end-sessions`): each worker reads the sessions revoked since its last look,
 * every `intervalMs`, and drops them. (With PostgreSQL those processes NOTIFY the hosts instead.) A read is one
 * indexed query on `revoked_at`; a failed read is logged and retried at the next tick.
 */
export function startRevocationPoll(opts: RevocationPollOptions): { stop(): void } {
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 50;
  if (!Number.isInteger(interval) || interval < 10) throw new TypeError('startRevocationPoll: intervalMs must be an integer >= 10');
  let cursor = now();
  /** Hashes already delivered, with their revoked_at (kept while inside the overlap window). */
  const seen = new Map<string, number>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;

  const tick = async () => {
    try {
      for (;;) {
        const rows = await opts.store.sessions.revokedSince(cursor - OVERLAP_MS, BATCH + seen.size);
        const fresh: string[] = [];
        for (const r of rows) {
          if (seen.has(r.idHash)) continue;
          seen.set(r.idHash, r.revokedAt);
          fresh.push(r.idHash);
          if (r.revokedAt > cursor) cursor = r.revokedAt;
        }
        for (const [h, at] of seen) if (at < cursor - OVERLAP_MS) seen.delete(h);
        if (fresh.length > 0) opts.onRevoked(fresh);
        failing = false;
        if (rows.length < BATCH + seen.size || fresh.length === 0) break;
      }
    } catch (err) {
      if (!failing) opts.logger?.warn({ err: { message: (err as Error).message } }, 'session: reading recent revocations from the store failed; retrying');
      failing = true;
    }
    if (!stopped) {
      timer = setTimeout(() => void tick(), interval);
      timer.unref();
    }
  };
  timer = setTimeout(() => void tick(), interval);
  timer.unref();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
