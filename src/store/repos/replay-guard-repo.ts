import type { Kysely } from 'kysely';
import type { Database } from '../database.ts';
import { guarded } from '../errors.ts';

/** Single-use identifiers shared by every worker and replica (the store is the one place they all see). */
export interface ReplayGuardRepo {
  /**
   * Records `key` until `expiresAt`. True the first time; false when the key is already recorded and not expired
   * (a replay). Atomic across processes: a primary-key insert that does nothing on conflict.
   */
  claim(key: string, expiresAt: number, now: number): Promise<boolean>;
  /** Forgets expired keys; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

export function replayGuardRepo(db: Kysely<Database>): ReplayGuardRepo {
  return {
    claim: async (key, expiresAt, now) => {
      if (typeof key !== 'string' || key === '' || key.length > 200) throw new TypeError('replayGuards.claim: key must be a short non-empty string');
      return guarded('replayGuards.claim', async () => {
        await db.deleteFrom('replay_guards').where('key', '=', key).where('expires_at', '<=', now).execute();
        const r = await db
          .insertInto('replay_guards')
          .values({ key, expires_at: expiresAt })
          .onConflict((oc) => oc.column('key').doNothing())
          .executeTakeFirst();
        return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
      });
    },
    deleteExpired: (now) =>
      guarded('replayGuards.deleteExpired', async () => {
        const r = await db.deleteFrom('replay_guards').where('expires_at', '<=', now).executeTakeFirst();
        return Number(r.numDeletedRows);
      }),
  };
}
