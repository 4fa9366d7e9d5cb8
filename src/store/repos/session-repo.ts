import type { Kysely, Selectable, SelectQueryBuilder, UpdateQueryBuilder } from 'kysely';
import type { Database } from '../database.ts';
import { guarded } from '../errors.ts';
import { parseJsonColumn } from '../json.ts';
import type { SessionsTable } from '../tables/sessions.ts';
import { storedIdentitySchema, type NewSessionRow, type RefreshedClaims, type RevokedSession, type SessionFilter, type SessionRow, type StoredIdentity } from './session-types.ts';

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
  /** Live sessions (neither revoked nor past their absolute expiry) matching `filter`, oldest first, at most `limit`. */
  list(filter: SessionFilter, now: number, limit?: number): Promise<SessionRow[]>;
  /** Revokes every live session matching `filter`; returns what it ended (the sessions of a subject: `{ sub }`). */
  revokeMatching(filter: SessionFilter, reason: string, at: number): Promise<RevokedSession[]>;
  /**
   * Takes the refresh lease of a live session at `version` when nobody holds it (or its back-off ran out):
   * true for exactly one caller across processes and hosts (a conditional UPDATE: works alike on both backends).
   */
  acquireRefreshLease(idHash: string, version: number, owner: string, until: number, now: number): Promise<boolean>;
  /**
   * Writes a refresh's result while `owner` holds the lease at `version`: the IdP claims replace the stored ones
   * (mfa and authTime are kept), version + 1, lease released. Undefined when the lease was lost or the session
   * revoked meanwhile.
   */
  completeRefresh(idHash: string, owner: string, version: number, claims: RefreshedClaims): Promise<SessionRow | undefined>;
  /** Releases `owner`'s lease, leaving a back-off until `backoffUntil` (no refresh is tried before). */
  releaseRefreshLease(idHash: string, owner: string, backoffUntil: number): Promise<void>;
  /** Forgets the refresh token (unusable: the session must re-authenticate), version + 1, lease released. */
  dropRefreshToken(idHash: string, owner: string, version: number): Promise<SessionRow | undefined>;
  /** Sessions revoked at or after `since` (epoch ms), oldest first: the SQLite cross-process revocation poll. */
  revokedSince(since: number, limit: number): Promise<Array<{ idHash: string; revokedAt: number }>>;
}

/** Identity fields a refresh replaces; mfa, authTime and kind stay. */
function mergeClaims(current: StoredIdentity, c: RefreshedClaims): StoredIdentity {
  return storedIdentitySchema.parse({ ...current, username: c.username, email: c.email, name: c.name, groups: [...c.groups], roles: [...c.roles] });
}

const HANDLE = /^[A-Za-z0-9_-]{16}$/;
const HASH = /^[A-Za-z0-9_-]{43}$/;

/** The WHERE clauses of a filter (programmer errors are TypeErrors: an empty filter must never mean "every session"). */
function checkFilter(f: SessionFilter): void {
  const keys = Object.keys(f ?? {}).filter((k) => (f as Record<string, unknown>)[k] !== undefined);
  if (keys.length === 0) throw new TypeError('session filter: name at least one of sub, idpSub, idpSid, idHashes, handle, or all');
  if (f.all !== undefined && (f.all !== true || keys.length !== 1)) throw new TypeError('session filter: all must be true and alone');
  for (const k of ['sub', 'idpSub', 'idpSid'] as const) if (f[k] !== undefined && (typeof f[k] !== 'string' || f[k] === '')) throw new TypeError(`session filter: ${k} must be a non-empty string`);
  if (f.handle !== undefined && !HANDLE.test(f.handle)) throw new TypeError('session filter: handle must be 16 base64url characters');
  if (f.idHashes !== undefined && (!Array.isArray(f.idHashes) || !f.idHashes.every((h) => typeof h === 'string' && HASH.test(h)))) throw new TypeError('session filter: idHashes must be id hashes');
}

type Filterable = SelectQueryBuilder<Database, 'sessions', any> | UpdateQueryBuilder<Database, 'sessions', 'sessions', any>;
function applyFilter<Q extends Filterable>(q: Q, f: SessionFilter): Q {
  let out = q as any;
  if (f.sub !== undefined) out = out.where('sub', '=', f.sub);
  if (f.idpSub !== undefined) out = out.where('idp_sub', '=', f.idpSub);
  if (f.idpSid !== undefined) out = out.where('idp_sid', '=', f.idpSid);
  if (f.idHashes !== undefined) out = f.idHashes.length === 0 ? out.where('id_hash', 'in', ['-']) : out.where('id_hash', 'in', [...f.idHashes]);
  if (f.handle !== undefined) out = out.where((eb: any) => eb(eb.fn('substr', ['id_hash', eb.lit(1), eb.lit(16)]), '=', f.handle));
  return out as Q;
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
            refresh_token: row.refreshToken ?? null,
            idp_sub: row.idpSub ?? null,
            claims_at: row.claimsAt ?? row.createdAt,
            version: 0,
            refresh_lease_until: null,
            refresh_lease_owner: null,
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
        // compare-and-swap on the identity text: a refresh writing new groups at the same time is never undone
        for (let attempt = 0; attempt < 5; attempt++) {
          const row = await db.selectFrom('sessions').select('identity').where('id_hash', '=', idHash).where('revoked_at', 'is', null).executeTakeFirst();
          if (row === undefined) return false;
          const identity = { ...parseJsonColumn(storedIdentitySchema, row.identity, 'sessions.identity'), mfa };
          const r = await db
            .updateTable('sessions')
            .set({ identity: JSON.stringify(storedIdentitySchema.parse(identity)) })
            .where('id_hash', '=', idHash)
            .where('revoked_at', 'is', null)
            .where('identity', '=', row.identity)
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) > 0) return true;
        }
        throw new Error('sessions.setMfa: the identity kept changing underneath (5 attempts)');
      }),

    list: async (filter, now, limit = 10_000) => {
      checkFilter(filter); // a programmer error stays a TypeError (not a store failure)
      return guarded('sessions.list', async () => {
        const rows = await applyFilter(db.selectFrom('sessions').selectAll().where('revoked_at', 'is', null).where('expires_at', '>', now), filter)
          .orderBy('created_at')
          .limit(limit)
          .execute();
        return rows.map(fromRow);
      });
    },

    revokeMatching: async (filter, reason, at) => {
      checkFilter(filter);
      return guarded('sessions.revokeMatching', async () => {
        const rows = await applyFilter(db.updateTable('sessions').set({ revoked_at: at, revoke_reason: reason }).where('revoked_at', 'is', null), filter)
          .returning(['id_hash', 'sub', 'identity'])
          .execute();
        return rows.map((r) => ({ idHash: r.id_hash, sub: r.sub, identity: parseJsonColumn(storedIdentitySchema, r.identity, 'sessions.identity') }));
      });
    },

    acquireRefreshLease: (idHash, version, owner, until, now) =>
      guarded('sessions.acquireRefreshLease', async () => {
        const r = await db
          .updateTable('sessions')
          .set({ refresh_lease_until: until, refresh_lease_owner: owner })
          .where('id_hash', '=', idHash)
          .where('revoked_at', 'is', null)
          .where('version', '=', version)
          .where((eb) => eb.or([eb('refresh_lease_until', 'is', null), eb('refresh_lease_until', '<=', now)]))
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      }),

    completeRefresh: (idHash, owner, version, claims) =>
      guarded('sessions.completeRefresh', async () => {
        for (let attempt = 0; attempt < 5; attempt++) {
          const row = await db.selectFrom('sessions').select('identity').where('id_hash', '=', idHash).where('refresh_lease_owner', '=', owner).where('version', '=', version).where('revoked_at', 'is', null).executeTakeFirst();
          if (row === undefined) return undefined;
          const identity = mergeClaims(parseJsonColumn(storedIdentitySchema, row.identity, 'sessions.identity'), claims);
          const updated = await db
            .updateTable('sessions')
            .set((eb) => ({
              identity: JSON.stringify(identity),
              claims_at: claims.claimsAt,
              version: eb('version', '+', 1),
              refresh_lease_until: null,
              refresh_lease_owner: null,
              ...(claims.refreshToken === undefined ? {} : { refresh_token: claims.refreshToken }),
              ...(claims.idToken === undefined ? {} : { id_token: claims.idToken }),
            }))
            .where('id_hash', '=', idHash)
            .where('refresh_lease_owner', '=', owner)
            .where('version', '=', version)
            .where('revoked_at', 'is', null)
            .where('identity', '=', row.identity) // a concurrent setMfa re-reads and retries
            .returningAll()
            .executeTakeFirst();
          if (updated !== undefined) return fromRow(updated);
        }
        throw new Error('sessions.completeRefresh: the identity kept changing underneath (5 attempts)');
      }),

    releaseRefreshLease: (idHash, owner, backoffUntil) =>
      guarded('sessions.releaseRefreshLease', async () => {
        await db
          .updateTable('sessions')
          .set({ refresh_lease_until: backoffUntil, refresh_lease_owner: null })
          .where('id_hash', '=', idHash)
          .where('refresh_lease_owner', '=', owner)
          .execute();
      }),

    dropRefreshToken: (idHash, owner, version) =>
      guarded('sessions.dropRefreshToken', async () => {
        const row = await db
          .updateTable('sessions')
          .set((eb) => ({ refresh_token: null, version: eb('version', '+', 1), refresh_lease_until: null, refresh_lease_owner: null }))
          .where('id_hash', '=', idHash)
          .where('refresh_lease_owner', '=', owner)
          .where('version', '=', version)
          .where('revoked_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        return row === undefined ? undefined : fromRow(row);
      }),

    revokedSince: (since, limit) =>
      guarded('sessions.revokedSince', async () => {
        const rows = await db.selectFrom('sessions').select(['id_hash', 'revoked_at']).where('revoked_at', '>=', since).orderBy('revoked_at').limit(limit).execute();
        return rows.map((r) => ({ idHash: r.id_hash, revokedAt: Number(r.revoked_at) }));
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
    refreshToken: r.refresh_token,
    idpSub: r.idp_sub,
    claimsAt: Number(r.claims_at),
    version: Number(r.version),
    refreshLeaseUntil: r.refresh_lease_until === null ? null : Number(r.refresh_lease_until),
    refreshLeaseOwner: r.refresh_lease_owner,
  };
}
