import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../database.ts';
import { guarded } from '../errors.ts';
import { parseJsonColumn } from '../json.ts';
import type { SessionsTable } from '../tables/sessions.ts';
import { storedIdentitySchema, type NewSessionRow, type SessionRow, type StoredIdentity } from './session-types.ts';

export interface SessionRepo {
  insert(row: NewSessionRow): Promise<void>;
  /** The row whatever its state (revoked and expired rows too); undefined when unknown. */
  findByHash(idHash: string): Promise<SessionRow | undefined>;
  /** Moves last_seen_at forward (never back) on a live session. */
  touch(idHash: string, lastSeenAt: number): Promise<void>;
  /** True when this call revoked it (false: unknown or already revoked). */
  revoke(idHash: string, reason: string, at: number): Promise<boolean>;
  /** Revokes every live session of `sub`; returns their id hashes. */
  revokeBySub(sub: string, reason: string, at: number): Promise<string[]>;
  /** Revokes every live session created from the IdP session `idpSid` (back-channel logout). */
  revokeByIdpSid(idpSid: string, reason: string, at: number): Promise<string[]>;
  /** Deletes rows past their absolute expiry (revoked ones included); returns how many. */
  deleteExpired(now: number): Promise<number>;
  /** Sessions neither revoked nor past their absolute expiry. */
  countActive(now: number): Promise<number>;
  /** Replaces the second-factor state in a live session's identity. False when unknown or revoked. */
  setMfa(idHash: string, mfa: StoredIdentity['mfa']): Promise<boolean>;
}

export function sessionRepo(db: Kysely<Database>): SessionRepo {
  return {
    insert: (row) =>
      guarded('sessions.insert', async () => {
        await db
          .insertInto('sessions')
          .values({
            id_hash: row.idHash,
            sub: row.sub,
            identity: JSON.stringify(row.identity),
            idp_sid: row.idpSid,
            id_token: row.idToken,
            created_at: row.createdAt,
            last_seen_at: row.lastSeenAt,
            expires_at: row.expiresAt,
            revoked_at: null,
            revoke_reason: null,
          })
          .execute();
      }),

    findByHash: (idHash) =>
      guarded('sessions.findByHash', async () => {
        const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
        return row === undefined ? undefined : fromRow(row);
      }),

    touch: (idHash, lastSeenAt) =>
      guarded('sessions.touch', async () => {
        await db
          .updateTable('sessions')
          .set({ last_seen_at: lastSeenAt })
          .where('id_hash', '=', idHash)
          .where('revoked_at', 'is', null)
          .where('last_seen_at', '<', lastSeenAt)
          .execute();
      }),

    revoke: (idHash, reason, at) =>
      guarded('sessions.revoke', async () => {
        const r = await db
          .updateTable('sessions')
          .set({ revoked_at: at, revoke_reason: reason })
          .where('id_hash', '=', idHash)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),

    revokeBySub: (sub, reason, at) =>
      guarded('sessions.revokeBySub', async () => {
        const rows = await db
          .updateTable('sessions')
          .set({ revoked_at: at, revoke_reason: reason })
          .where('sub', '=', sub)
          .where('revoked_at', 'is', null)
          .returning('id_hash')
          .execute();
        return rows.map((r) => r.id_hash);
      }),

    revokeByIdpSid: (idpSid, reason, at) =>
      guarded('sessions.revokeByIdpSid', async () => {
        const rows = await db
          .updateTable('sessions')
          .set({ revoked_at: at, revoke_reason: reason })
          .where('idp_sid', '=', idpSid)
          .where('revoked_at', 'is', null)
          .returning('id_hash')
          .execute();
        return rows.map((r) => r.id_hash);
      }),

    deleteExpired: (now) =>
      guarded('sessions.deleteExpired', async () => {
        const r = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
        return Number(r.numDeletedRows);
      }),

    countActive: (now) =>
      guarded('sessions.countActive', async () => {
        const r = await db
          .selectFrom('sessions')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirstOrThrow();
        return Number(r.n);
      }),

    setMfa: (idHash, mfa) =>
      guarded('sessions.setMfa', async () => {
        const row = await db.selectFrom('sessions').select('identity').where('id_hash', '=', idHash).where('revoked_at', 'is', null).executeTakeFirst();
        if (row === undefined) return false;
        const identity = { ...parseJsonColumn(storedIdentitySchema, row.identity, 'sessions.identity'), mfa };
        const r = await db
          .updateTable('sessions')
          .set({ identity: JSON.stringify(storedIdentitySchema.parse(identity)) })
          .where('id_hash', '=', idHash)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),
  };
}

function fromRow(r: Selectable<SessionsTable>): SessionRow {
  return {
    idHash: r.id_hash,
    sub: r.sub,
    identity: parseJsonColumn(storedIdentitySchema, r.identity, 'sessions.identity'),
    idpSid: r.idp_sid,
    idToken: r.id_token,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    revokeReason: r.revoke_reason,
  };
}
