import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { guarded, type Database } from '../../store/index.ts';

export interface UserHandleRepo {
  /** The person's WebAuthn user handle, created (32 random bytes) on first use. */
  forSub(sub: string, now: number): Promise<string>;
  /** The person a user handle belongs to. */
  subOf(handle: string): Promise<string | undefined>;
}

export function userHandleRepo(db: Kysely<Database>): UserHandleRepo {
  const find = (sub: string) => db.selectFrom('webauthn_users').select('user_handle').where('sub', '=', sub).executeTakeFirst();
  return {
    forSub: (sub, now) =>
      guarded('webauthn.users.forSub', async () => {
        const existing = await find(sub);
        if (existing) return existing.user_handle;
        const handle = randomBytes(32).toString('base64url');
        await db.insertInto('webauthn_users').values({ sub, user_handle: handle, created_at: now }).onConflict((oc) => oc.column('sub').doNothing()).execute();
        const row = await find(sub); // a concurrent first use may have won: its handle is the one
        if (!row) throw new Error(`webauthn_users row for ${sub} vanished`);
        return row.user_handle;
      }),
    subOf: (handle) =>
      guarded('webauthn.users.subOf', async () => {
        const row = await db.selectFrom('webauthn_users').select('sub').where('user_handle', '=', handle).executeTakeFirst();
        return row?.sub;
      }),
  };
}
