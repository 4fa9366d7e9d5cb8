import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database } from '../database.ts';
import { guarded, StoreCorruptRow } from '../errors.ts';
import { parseJsonColumn } from '../json.ts';
import type { DeviceGrantsTable } from '../tables/device-grants.ts';

export type DeviceGrantStatus = 'pending' | 'approved' | 'denied' | 'issued';

/** An `airlock login` request (RFC 8628). Never the device code itself: its SHA-256 only. Times are epoch ms. */
export interface DeviceGrantRow {
  readonly deviceCodeHash: string;
  readonly userCode: string;
  readonly clientId: string;
  readonly envs: readonly string[];
  readonly actions: readonly string[];
  readonly tokenTtl: number;
  readonly clientIp: string | null;
  readonly status: DeviceGrantStatus;
  readonly intervalMs: number;
  readonly lastPolledAt: number | null;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  readonly tokenId: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export type NewDeviceGrantRow = Omit<DeviceGrantRow, 'status' | 'lastPolledAt' | 'decidedBy' | 'decidedAt' | 'tokenId'>;

export interface DeviceGrantRepo {
  insert(row: NewDeviceGrantRow): Promise<void>;
  byDeviceCodeHash(hash: string): Promise<DeviceGrantRow | undefined>;
  byUserCode(userCode: string): Promise<DeviceGrantRow | undefined>;
  /** Records a poll at `now`; with `slowDown` > 0 the interval grows by that many ms in the same statement. */
  recordPoll(hash: string, now: number, slowDown: number): Promise<void>;
  /** pending -> approved/denied, once, while unexpired. False: not pending any more, unknown or expired. */
  decide(userCode: string, decision: 'approved' | 'denied', by: string, now: number): Promise<boolean>;
  /** approved -> issued, once, while unexpired (only the caller that wins this creates the token). */
  markIssued(hash: string, now: number): Promise<boolean>;
  /** The token an issued grant gave (for the record). */
  recordToken(hash: string, tokenId: string): Promise<void>;
  deleteExpired(before: number): Promise<number>;
  /** Grants still waiting for a person's decision at `now` (pending and unexpired). */
  countPending(now: number): Promise<number>;
}

const STATUS = z.enum(['pending', 'approved', 'denied', 'issued']);
const STRINGS = z.array(z.string());

function fromDb(r: Selectable<DeviceGrantsTable>): DeviceGrantRow {
  const status = STATUS.safeParse(r.status);
  if (!status.success) throw StoreCorruptRow.create({ logMessage: 'device_grants.status has an unexpected value' });
  return {
    deviceCodeHash: r.device_code_hash,
    userCode: r.user_code,
    clientId: r.client_id,
    envs: parseJsonColumn(STRINGS, r.envs, 'device_grants.envs'),
    actions: parseJsonColumn(STRINGS, r.actions, 'device_grants.actions'),
    tokenTtl: Number(r.token_ttl),
    clientIp: r.client_ip,
    status: status.data,
    intervalMs: Number(r.interval_ms),
    lastPolledAt: r.last_polled_at === null ? null : Number(r.last_polled_at),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    tokenId: r.token_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

export function deviceGrantRepo(db: Kysely<Database>): DeviceGrantRepo {
  return {
    insert: (row) =>
      guarded('deviceGrants.insert', async () => {
        await db
          .insertInto('device_grants')
          .values({
            device_code_hash: row.deviceCodeHash,
            user_code: row.userCode,
            client_id: row.clientId,
            envs: JSON.stringify(row.envs),
            actions: JSON.stringify(row.actions),
            token_ttl: row.tokenTtl,
            client_ip: row.clientIp,
            status: 'pending',
            interval_ms: row.intervalMs,
            last_polled_at: null,
            decided_by: null,
            decided_at: null,
            token_id: null,
            created_at: row.createdAt,
            expires_at: row.expiresAt,
          })
          .execute();
      }),
    byDeviceCodeHash: (hash) =>
      guarded('deviceGrants.byDeviceCodeHash', async () => {
        const r = await db.selectFrom('device_grants').selectAll().where('device_code_hash', '=', hash).executeTakeFirst();
        return r ? fromDb(r) : undefined;
      }),
    byUserCode: (userCode) =>
      guarded('deviceGrants.byUserCode', async () => {
        const r = await db.selectFrom('device_grants').selectAll().where('user_code', '=', userCode).executeTakeFirst();
        return r ? fromDb(r) : undefined;
      }),
    recordPoll: (hash, now, slowDown) =>
      guarded('deviceGrants.recordPoll', async () => {
        await db
          .updateTable('device_grants')
          .set((eb) => ({ last_polled_at: now, ...(slowDown > 0 ? { interval_ms: eb('interval_ms', '+', slowDown) } : {}) }))
          .where('device_code_hash', '=', hash)
          .execute();
      }),
    decide: (userCode, decision, by, now) =>
      guarded('deviceGrants.decide', async () => {
        const r = await db
          .updateTable('device_grants')
          .set({ status: decision, decided_by: by, decided_at: now })
          .where('user_code', '=', userCode)
          .where('status', '=', 'pending')
          .where('expires_at', '>', now)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      }),
    markIssued: (hash, now) =>
      guarded('deviceGrants.markIssued', async () => {
        const r = await db
          .updateTable('device_grants')
          .set({ status: 'issued' })
          .where('device_code_hash', '=', hash)
          .where('status', '=', 'approved')
          .where('expires_at', '>', now)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      }),
    recordToken: (hash, tokenId) =>
      guarded('deviceGrants.recordToken', async () => {
        await db.updateTable('device_grants').set({ token_id: tokenId }).where('device_code_hash', '=', hash).execute();
      }),
    deleteExpired: (before) =>
      guarded('deviceGrants.deleteExpired', async () => {
        const r = await db.deleteFrom('device_grants').where('expires_at', '<=', before).executeTakeFirst();
        return Number(r.numDeletedRows);
      }),
    countPending: (now) =>
      guarded('deviceGrants.countPending', async () => {
        const r = await db.selectFrom('device_grants').select((eb) => eb.fn.countAll<string | number>().as('n')).where('status', '=', 'pending').where('expires_at', '>', now).executeTakeFirstOrThrow();
        return Number(r.n);
      }),
  };
}
