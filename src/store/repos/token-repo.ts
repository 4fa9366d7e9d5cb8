import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database } from '../database.ts';
import { guarded, StoreCorruptRow } from '../errors.ts';
import { parseJsonColumn } from '../json.ts';
import type { TokensTable } from '../tables/tokens.ts';

export type TokenKind = 'person' | 'service' | 'agent';

/** A machine token as stored (never the secret: its SHA-256 only). Times are epoch ms. */
export interface TokenRow {
  readonly id: string;
  readonly name: string;
  readonly kind: TokenKind;
  readonly secretHash: string;
  readonly ownerSub: string | null;
  readonly serviceAccount: string | null;
  readonly envs: readonly string[];
  readonly dags: readonly string[];
  readonly actions: readonly string[];
  readonly approvalActions: readonly string[];
  readonly origin: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
  readonly rotatedFrom: string | null;
  readonly lastUsedAt: number | null;
  readonly lastUsedIp: string | null;
}

export type NewTokenRow = Omit<TokenRow, 'revokedAt' | 'revokedBy' | 'revokeReason' | 'lastUsedAt' | 'lastUsedIp'>;

export interface TokenListQuery {
  readonly name?: string | undefined;
  readonly ownerSub?: string | undefined;
  /** Only tokens neither revoked nor expired at this time. */
  readonly liveAt?: number | undefined;
  /** Default 1000. */
  readonly limit?: number | undefined;
}

export interface TokenRepo {
  insert(row: NewTokenRow): Promise<void>;
  get(id: string): Promise<TokenRow | undefined>;
  /** The row whatever its state (revoked and expired too); undefined when no token has this hash. */
  findByHash(secretHash: string): Promise<TokenRow | undefined>;
  /** Newest first. */
  list(q?: TokenListQuery): Promise<TokenRow[]>;
  /** True when this call revoked it (false: unknown or already revoked; the first revocation is kept). */
  revoke(id: string, at: number, by: string, reason: string): Promise<boolean>;
  /**
   * In one transaction: ends `oldId` at min(its expiry, overlapUntil) and inserts `next`. False (nothing written)
   * when the old token is not live at `now` (unknown, revoked or expired).
   */
  rotate(oldId: string, next: NewTokenRow, overlapUntil: number, now: number): Promise<boolean>;
  /** Records a use: last_used_at moves forward only; the client address of that use is kept with it. */
  touch(id: string, at: number, ip: string | null): Promise<void>;
}

const KINDS = ['person', 'service', 'agent'] as const;
const list = z.array(z.string());

export function tokenRepo(db: Kysely<Database>): TokenRepo {
  const values = (r: NewTokenRow) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    secret_hash: r.secretHash,
    owner_sub: r.ownerSub,
    service_account: r.serviceAccount,
    envs: JSON.stringify(r.envs),
    dags: JSON.stringify(r.dags),
    actions: JSON.stringify(r.actions),
    approval_actions: JSON.stringify(r.approvalActions),
    origin: r.origin,
    created_by: r.createdBy,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    revoked_at: null,
    revoked_by: null,
    revoke_reason: null,
    rotated_from: r.rotatedFrom,
    last_used_at: null,
    last_used_ip: null,
  });
  return {
    insert: (row) =>
      guarded('tokens.insert', async () => {
        await db.insertInto('tokens').values(values(row)).execute();
      }),
    get: (id) =>
      guarded('tokens.get', async () => {
        const row = await db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? undefined : fromRow(row);
      }),
    findByHash: (secretHash) =>
      guarded('tokens.findByHash', async () => {
        const row = await db.selectFrom('tokens').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
        return row === undefined ? undefined : fromRow(row);
      }),
    list: (q = {}) =>
      guarded('tokens.list', async () => {
        let query = db.selectFrom('tokens').selectAll();
        if (q.name !== undefined) query = query.where('name', '=', q.name);
        if (q.ownerSub !== undefined) query = query.where('owner_sub', '=', q.ownerSub);
        if (q.liveAt !== undefined) query = query.where('revoked_at', 'is', null).where('expires_at', '>', q.liveAt);
        const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit ?? 1000).execute();
        return rows.map(fromRow);
      }),
    revoke: (id, at, by, reason) =>
      guarded('tokens.revoke', async () => {
        const r = await db
          .updateTable('tokens')
          .set({ revoked_at: at, revoked_by: by, revoke_reason: reason })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),
    rotate: (oldId, next, overlapUntil, now) =>
      guarded('tokens.rotate', () =>
        db.transaction().execute(async (trx) => {
          const old = await trx.selectFrom('tokens').select(['expires_at']).where('id', '=', oldId).where('revoked_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
          if (old === undefined) return false;
          const ends = Math.min(Number(old.expires_at), overlapUntil);
          const r = await trx.updateTable('tokens').set({ expires_at: ends }).where('id', '=', oldId).where('revoked_at', 'is', null).executeTakeFirst();
          if (Number(r.numUpdatedRows) !== 1) return false;
          await trx.insertInto('tokens').values(values({ ...next, rotatedFrom: oldId })).execute();
          return true;
        }),
      ),
    touch: (id, at, ip) =>
      guarded('tokens.touch', async () => {
        await db
          .updateTable('tokens')
          .set({ last_used_at: at, last_used_ip: ip })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
          .execute();
      }),
  };
}

function fromRow(r: Selectable<TokensTable>): TokenRow {
  if (!(KINDS as readonly string[]).includes(r.kind)) throw StoreCorruptRow.create({ logMessage: 'column tokens.kind has an unknown value' });
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as TokenKind,
    secretHash: r.secret_hash,
    ownerSub: r.owner_sub,
    serviceAccount: r.service_account,
    envs: parseJsonColumn(list, r.envs, 'tokens.envs'),
    dags: parseJsonColumn(list, r.dags, 'tokens.dags'),
    actions: parseJsonColumn(list, r.actions, 'tokens.actions'),
    approvalActions: parseJsonColumn(list, r.approval_actions, 'tokens.approval_actions'),
    origin: r.origin,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    revokedBy: r.revoked_by,
    revokeReason: r.revoke_reason,
    rotatedFrom: r.rotated_from,
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    lastUsedIp: r.last_used_ip,
  };
}
