import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Secret } from '../../config/index.ts';
import { SessionBusUnavailable } from '../errors.ts';
import { assertRevocationMessage, deliver, listenerSet, parseRevocationMessage, type BusLogger, type RevocationBus, type RevocationMessage } from './message.ts';

export interface PostgresBusOptions {
  /** LISTEN/NOTIFY channel; all gateways sharing a store must use the same one. */
  channel?: string;
  logger?: BusLogger;
  /** application_name of the LISTEN connection (default "airlock-revocations"). */
  applicationName?: string;
  /** First reconnect delay after the LISTEN connection drops (doubles up to 30 s). */
  reconnectDelayMs?: number;
}

export interface PostgresChannelOptions extends PostgresBusOptions {
  /**
   * Called with every valid message NOTIFYed by another origin, and with { type: 'flush' } after the LISTEN
   * connection was re-established (messages sent while it was down were missed). Never with this origin's own.
   */
  receive: (msg: RevocationMessage) => void;
}

/** One LISTEN connection: notify() reaches every other origin on the channel. */
export interface RevocationChannel {
  /** NOTIFYs the message (split into chunks under the payload limit); not echoed back to this channel's receive. */
  notify(msg: RevocationMessage): void;
  close(): Promise<void>;
}

export const DEFAULT_CHANNEL = 'airlock_revocations';
/** NOTIFY payloads must stay under 8000 bytes: 100 hashes of 43 chars is about 4.7 kB. */
export const HASHES_PER_NOTIFY = 100;
const MAX_RECONNECT_DELAY_MS = 30_000;

/**
 * A PostgreSQL LISTEN/NOTIFY channel with one dedicated connection and a random origin tag: every NOTIFY carries
 * `{ o: origin, m: message }` and a notification carrying our own origin is ignored. When the connection drops
 * it reconnects (first after reconnectDelayMs, doubling up to 30 s) and then calls receive({ type: 'flush' }).
 */
export async function postgresChannel(url: Secret, opts: PostgresChannelOptions): Promise<RevocationChannel> {
  const channel = opts.channel ?? DEFAULT_CHANNEL;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new TypeError('postgresBus: channel must be a lowercase SQL identifier');
  const firstDelay = opts.reconnectDelayMs ?? 1000;
  if (!Number.isInteger(firstDelay) || firstDelay < 1) throw new TypeError('postgresBus: reconnectDelayMs must be a positive integer');
  const appName = opts.applicationName ?? 'airlock-revocations';
  if (typeof appName !== 'string' || !/^[A-Za-z0-9_.-]{1,63}$/.test(appName)) throw new TypeError('postgresBus: applicationName must be 1-63 of [A-Za-z0-9_.-]');
  if (typeof opts.receive !== 'function') throw new TypeError('postgresChannel: receive must be a function');
  const receive = opts.receive;
  // pg is loaded when a PostgreSQL channel is opened: a gateway on SQLite never needs it
  const { Client } = (await import('pg')).default;
  const origin = randomBytes(9).toString('base64url');
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let delay = firstDelay;

  const onNotification = (n: pg.Notification) => {
    if (n.channel !== channel || n.payload === undefined) return;
    let parsed: { o?: unknown; m?: unknown };
    try {
      parsed = JSON.parse(n.payload);
    } catch {
      opts.logger?.warn({ channel }, 'session: non-JSON revocation notification dropped');
      return;
    }
    if (parsed?.o === origin) return; // our own echo: already delivered locally
    const msg = parseRevocationMessage(parsed?.m);
    if (msg === undefined) {
      opts.logger?.warn({ channel }, 'session: malformed revocation notification dropped');
      return;
    }
    receive(msg);
  };

  const connect = async (): Promise<pg.Client> => {
    const c = new Client({ connectionString: url.reveal(), connectionTimeoutMillis: 5000, application_name: appName });
    c.on('error', (err) => {
      opts.logger?.warn({ err: { message: err.message } }, 'session: revocation LISTEN connection failed');
      dropped(c);
    });
    c.on('end', () => dropped(c));
    c.on('notification', onNotification);
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
      throw err;
    }
    return c;
  };

  const dropped = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    if (!closed) schedule();
  };

  const schedule = () => {
    timer = setTimeout(async () => {
      timer = undefined;
      try {
        const c = await connect();
        if (closed) {
          await c.end();
          return;
        }
        client = c;
        delay = firstDelay;
      } catch (err) {
        opts.logger?.warn({ err: { message: (err as Error).message } }, 'session: revocation LISTEN reconnect failed');
        delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
        if (!closed) schedule();
        return;
      }
      // LISTEN is back: anything NOTIFYed from now on arrives; what was sent while it was down is lost
      receive({ type: 'flush' });
    }, delay);
  };

  try {
    client = await connect();
  } catch (cause) {
    throw SessionBusUnavailable.create({ cause, logMessage: 'cannot LISTEN for session revocations on PostgreSQL' });
  }

  const send = (msg: RevocationMessage) => {
    const c = client;
    if (c === undefined) {
      opts.logger?.warn({ channel }, 'session: revocation not sent (LISTEN connection down); peers rely on cache_ttl');
      return;
    }
    c.query('select pg_notify($1, $2)', [channel, JSON.stringify({ o: origin, m: msg })]).catch((err: Error) => {
      opts.logger?.warn({ err: { message: err.message } }, 'session: revocation NOTIFY failed; peers rely on cache_ttl');
    });
  };

  return {
    notify(msg) {
      const checked = assertRevocationMessage(msg);
      if (closed) return;
      if (checked.type === 'flush') return send(checked);
      for (let i = 0; i < checked.idHashes.length; i += HASHES_PER_NOTIFY) {
        send({ type: 'revoke', idHashes: checked.idHashes.slice(i, i + HASHES_PER_NOTIFY) });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

/**
 * A bus over PostgreSQL LISTEN/NOTIFY for a gateway that runs in ONE process (`workers: 1`) on a host sharing a
 * PostgreSQL store with others. publish() delivers locally at once and NOTIFYs the others; this bus's own echo is
 * ignored. When the connection drops it reconnects and then delivers { type: 'flush' } locally, because messages
 * sent meanwhile were missed. (With node:cluster workers the primary holds the one channel of the host instead:
 * startClusterRevocationRelay.)
 */
export async function postgresBus(url: Secret, opts: PostgresBusOptions = {}): Promise<RevocationBus> {
  const { listeners, subscribe } = listenerSet();
  const channel = await postgresChannel(url, { ...opts, receive: (msg) => deliver(listeners, msg) });
  let closed = false;
  return {
    publish(msg) {
      const checked = assertRevocationMessage(msg);
      deliver(listeners, checked);
      if (!closed) channel.notify(checked);
    },
    subscribe,
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      await channel.close();
    },
  };
}
