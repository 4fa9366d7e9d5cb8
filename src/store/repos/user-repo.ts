import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database } from '../database.ts';
import { guarded } from '../errors.ts';
import { parseJsonColumn } from '../json.ts';
import type { UsersTable } from '../tables/users.ts';

export interface UserRow {
  readonly sub: string;
  readonly username: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly groups: readonly string[];
  readonly firstLoginAt: number;
  readonly lastLoginAt: number;
  readonly disabledAt: number | null;
}

export interface UserLogin {
  readonly sub: string;
  readonly username: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly groups: readonly string[];
  readonly at: number;
}

export interface UserRepo {
  /** Records a login: creates the user or refreshes its profile and last_login_at. Never clears disabled_at. */
  upsertLogin(login: UserLogin): Promise<UserRow>;
  get(sub: string): Promise<UserRow | undefined>;
  /** True when this call disabled the user (false: unknown or already disabled). */
  disable(sub: string, at: number): Promise<boolean>;
}

const groupsSchema = z.array(z.string());

export function userRepo(db: Kysely<Database>): UserRepo {
  const get = (sub: string) =>
    guarded('users.get', async () => {
      const row = await db.selectFrom('users').selectAll().where('sub', '=', sub).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    });
  return {
    upsertLogin: (l) =>
      guarded('users.upsertLogin', async () => {
        const groups = JSON.stringify(l.groups);
        const row = await db
          .insertInto('users')
          .values({
            sub: l.sub,
            username: l.username,
            email: l.email,
            name: l.name,
            groups,
            first_login_at: l.at,
            last_login_at: l.at,
            disabled_at: null,
          })
          .onConflict((oc) =>
            oc.column('sub').doUpdateSet({ username: l.username, email: l.email, name: l.name, groups, last_login_at: l.at }),
          )
          .returningAll()
          .executeTakeFirstOrThrow();
        return fromRow(row);
      }),
    get,
    disable: (sub, at) =>
      guarded('users.disable', async () => {
        const r = await db
          .updateTable('users')
          .set({ disabled_at: at })
          .where('sub', '=', sub)
          .where('disabled_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),
  };
}

function fromRow(r: Selectable<UsersTable>): UserRow {
  return {
    sub: r.sub,
    username: r.username,
    email: r.email,
    name: r.name,
    groups: parseJsonColumn(groupsSchema, r.groups, 'users.groups'),
    firstLoginAt: r.first_login_at,
    lastLoginAt: r.last_login_at,
    disabledAt: r.disabled_at,
  };
}
