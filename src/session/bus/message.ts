/**
 * What travels on a revocation bus. `revoke` names sessions by id hash (never raw ids);
 * `flush` tells receivers to drop their whole cache (sent after a bus reconnect, when messages may have been missed).
 */
export type RevocationMessage =
  | { readonly type: 'revoke'; readonly idHashes: readonly string[] }
  | { readonly type: 'flush' };

export type RevocationListener = (msg: RevocationMessage) => void;

export interface RevocationBus {
  /** Delivers to this process's subscribers at once, and to every other process on the bus. */
  publish(msg: RevocationMessage): void;
  /** Returns the unsubscribe function. */
  subscribe(fn: RevocationListener): () => void;
  close(): Promise<void>;
}

/** The part of a pino logger the buses use. */
export interface BusLogger {
  warn(obj: object, msg: string): void;
}

const HASH = /^[A-Za-z0-9_-]{43}$/;
/** More than this in one message is refused (a publisher chunks bigger revocations). */
export const MAX_HASHES_PER_MESSAGE = 10_000;

/** Strict shape check for messages arriving from another process: anything else is dropped. */
export function parseRevocationMessage(value: unknown): RevocationMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.type === 'flush' && Object.keys(v).length === 1) return { type: 'flush' };
  if (v.type !== 'revoke' || Object.keys(v).length !== 2 || !Array.isArray(v.idHashes)) return undefined;
  if (v.idHashes.length > MAX_HASHES_PER_MESSAGE) return undefined;
  if (!v.idHashes.every((h) => typeof h === 'string' && HASH.test(h))) return undefined;
  return { type: 'revoke', idHashes: Object.freeze([...(v.idHashes as string[])]) };
}

/** For publishers: a malformed message is a programmer error. */
export function assertRevocationMessage(msg: RevocationMessage): RevocationMessage {
  const parsed = parseRevocationMessage(msg);
  if (parsed === undefined) throw new TypeError('invalid revocation message');
  return parsed;
}

/** Calls every listener; a throwing listener is a bug: the others still run, then its error is thrown. */
export function deliver(listeners: ReadonlySet<RevocationListener>, msg: RevocationMessage): void {
  const errors: unknown[] = [];
  for (const fn of [...listeners]) {
    try {
      fn(msg);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'revocation listeners failed');
}

/** A subscriber set with the subscribe() contract. */
export function listenerSet(): { listeners: Set<RevocationListener>; subscribe(fn: RevocationListener): () => void } {
  const listeners = new Set<RevocationListener>();
  return {
    listeners,
    subscribe(fn) {
      if (typeof fn !== 'function') throw new TypeError('subscribe() needs a function');
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
  };
}
