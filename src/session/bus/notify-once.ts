import { randomBytes } from 'node:crypto';
import type { Secret } from '../../config/index.ts';
import { SessionBusUnavailable } from '../errors.ts';
import { assertRevocationMessage, type RevocationMessage } from './message.ts';
import { DEFAULT_CHANNEL, HASHES_PER_NOTIFY } from './postgres.ts';

/**
 * For a process that is not a gateway (the `airlock sessions revoke` CLI) on a PostgreSQL store: NOTIFYs one
 * revocation to every gateway host's LISTEN connection (the same channel and payload as postgresChannel, with an
 * origin no host has), over one short-lived connection. Resolves once PostgreSQL accepted every NOTIFY; throws
 * AIRLOCK_SESSION_BUS_UNAVAILABLE otherwise (the store is already written: hosts then rely on cache_ttl).
 */
export async function notifyRevocationOnce(url: Secret, msg: RevocationMessage, opts: { channel?: string; applicationName?: string } = {}): Promise<void> {
  const checked = assertRevocationMessage(msg);
  const channel = opts.channel ?? DEFAULT_CHANNEL;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new TypeError('notifyRevocationOnce: channel must be a lowercase SQL identifier');
  const origin = randomBytes(9).toString('base64url');
  const chunks: RevocationMessage[] = [];
  if (checked.type === 'flush') chunks.push(checked);
  else for (let i = 0; i < checked.idHashes.length; i += HASHES_PER_NOTIFY) chunks.push({ type: 'revoke', idHashes: checked.idHashes.slice(i, i + HASHES_PER_NOTIFY) });
  const { Client } = (await import('pg')).default; // loaded only by the CLI that needs it
  const client = new Client({ connectionString: url.reveal(), connectionTimeoutMillis: 5000, application_name: opts.applicationName ?? 'airlock-cli' });
  client.on('error', () => undefined); // a failure surfaces through the awaited calls below
  try {
    await client.connect();
    for (const m of chunks) await client.query('select pg_notify($1, $2)', [channel, JSON.stringify({ o: origin, m })]);
  } catch (cause) {
    throw SessionBusUnavailable.create({ cause, logMessage: 'cannot NOTIFY the gateways of a session revocation' });
  } finally {
    await client.end().catch(() => undefined);
  }
}
