import { sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import type { Database } from '../database.ts';
import { guarded } from '../errors.ts';
import { parseJsonColumn } from '../json.ts';
import type { SigningKeysTable } from '../tables/signing-keys.ts';

export type Jwk = Readonly<Record<string, unknown>>;

export interface SigningKeyRow {
  readonly kid: string;
  readonly alg: string;
  readonly publicJwk: Jwk;
  readonly privateJwk: Jwk;
  readonly createdAt: number;
  readonly activatesAt: number;
  /** When it stops signing. */
  readonly retiresAt: number;
  /** When it leaves the JWKS. */
  readonly expiresAt: number;
}

export interface SigningKeyRepo {
  /** All keys, newest first (by created_at, then kid). */
  list(): Promise<SigningKeyRow[]>;
  insert(row: SigningKeyRow): Promise<void>;
  /**
   * Inserts the key unless a stored key already signs at `at` (activates_at <= at < retires_at, not expired),
   * under the store's exclusive lock: workers and replicas that start (or rotate) at once create one key
   * between them, never one each. True when this call inserted it.
   */
  insertUnlessCovered(row: SigningKeyRow, at: number): Promise<boolean>;
  /** Moves a key's retirement and/or expiry; true when the key exists. */
  updateSchedule(kid: string, change: { retiresAt?: number; expiresAt?: number }): Promise<boolean>;
  /** Deletes keys whose expires_at has passed; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

const jwkSchema = z.record(z.string(), z.unknown());

/** Starts a transaction on `conn` holding the store's cross-process exclusive lock (the migration lock). */
export type BeginExclusive = (conn: Kysely<Database>) => Promise<void>;

function rowValues(k: SigningKeyRow) {
  return {
    kid: k.kid,
    alg: k.alg,
    public_jwk: JSON.stringify(k.publicJwk),
    private_jwk: JSON.stringify(k.privateJwk),
    created_at: k.createdAt,
    activates_at: k.activatesAt,
    retires_at: k.retiresAt,
    expires_at: k.expiresAt,
  };
}

export function signingKeyRepo(db: Kysely<Database>, beginExclusive: BeginExclusive): SigningKeyRepo {
  return {
    list: () =>
      guarded('signingKeys.list', async () => {
        const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid', 'desc').execute();
        return rows.map(fromRow);
      }),
    insert: (k) =>
      guarded('signingKeys.insert', async () => {
        await db.insertInto('signing_keys').values(rowValues(k)).execute();
      }),
    insertUnlessCovered: (k, at) =>
      guarded('signingKeys.insertUnlessCovered', () =>
        db.connection().execute(async (conn) => {
          await beginExclusive(conn);
          try {
            const covering = await conn
              .selectFrom('signing_keys')
              .select('kid')
              .where('activates_at', '<=', at)
              .where('retires_at', '>', at)
              .where('expires_at', '>', at)
              .executeTakeFirst();
            if (!covering) await conn.insertInto('signing_keys').values(rowValues(k)).execute();
            await sql`commit`.execute(conn);
            return !covering;
          } catch (err) {
            await sql`rollback`.execute(conn).catch(() => undefined); // the original error is the one that matters
            throw err;
          }
        }),
      ),
    updateSchedule: (kid, change) => {
      if (change.retiresAt === undefined && change.expiresAt === undefined) {
        throw new TypeError('updateSchedule needs retiresAt and/or expiresAt');
      }
      return guarded('signingKeys.updateSchedule', async () => {
        const r = await db
          .updateTable('signing_keys')
          .set({
            ...(change.retiresAt === undefined ? {} : { retires_at: change.retiresAt }),
            ...(change.expiresAt === undefined ? {} : { expires_at: change.expiresAt }),
          })
          .where('kid', '=', kid)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      });
    },
    deleteExpired: (now) =>
      guarded('signingKeys.deleteExpired', async () => {
        const r = await db.deleteFrom('signing_keys').where('expires_at', '<=', now).executeTakeFirst();
        return Number(r.numDeletedRows);
      }),
  };
}

function fromRow(r: Selectable<SigningKeysTable>): SigningKeyRow {
  return {
    kid: r.kid,
    alg: r.alg,
    publicJwk: parseJsonColumn(jwkSchema, r.public_jwk, 'signing_keys.public_jwk'),
    privateJwk: parseJsonColumn(jwkSchema, r.private_jwk, 'signing_keys.private_jwk'),
    createdAt: r.created_at,
    activatesAt: r.activates_at,
    retiresAt: r.retires_at,
    expiresAt: r.expires_at,
  };
}
