import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { guarded } from '../errors.ts';

export interface LoginStateRow {
  readonly state: string;
  readonly data: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface LoginStateRepo {
  insert(row: LoginStateRow): Promise<void>;
  /** Deletes the row and returns it, atomically: a state can be taken once. Undefined when unknown or expired. */
  take(state: string, now: number): Promise<LoginStateRow | undefined>;
  deleteExpired(now: number): Promise<number>;
}

export function loginStateRepo(db: Kysely<Database>): LoginStateRepo {
  return {
    insert: (row) =>
      guarded('loginStates.insert', async () => {
        await db.insertInto('login_states').values({ state: row.state, data: row.data, created_at: row.createdAt, expires_at: row.expiresAt }).execute();
      }),
    take: (state, now) =>
      guarded('loginStates.take', async () => {
        const row = await db.deleteFrom('login_states').where('state', '=', state).returningAll().executeTakeFirst();
        if (!row || Number(row.expires_at) <= now) return undefined;
        return { state: row.state, data: row.data, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) };
      }),
    deleteExpired: (now) =>
      guarded('loginStates.deleteExpired', async () => {
        const r = await db.deleteFrom('login_states').where('expires_at', '<=', now).executeTakeFirst();
        return Number(r.numDeletedRows);
      }),
  };
}
