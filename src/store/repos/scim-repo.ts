import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../database.ts';
import { guarded } from '../errors.ts';
import { parseJsonColumn } from '../json.ts';
import type { ScimGroupsTable, ScimUsersTable } from '../tables/scim.ts';

/** A SCIM user as stored (src/scim owns what `resource` holds). Times are epoch ms. */
export interface ScimUserRow {
  readonly id: string;
  readonly userName: string;
  readonly externalId: string | null;
  readonly emailKey: string | null;
  readonly active: boolean;
  /** The other attributes (name, emails, the enterprise extension, ...), as src/scim validated them. */
  readonly resource: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
  /** Set once deleted: the row is a tombstone, never listed nor returned by getUser. */
  readonly deletedAt: number | null;
}

/** What a create or a replace writes. */
export interface ScimUserValues {
  readonly userName: string;
  readonly externalId: string | null;
  readonly emailKey: string | null;
  readonly active: boolean;
  readonly resource: Readonly<Record<string, unknown>>;
}

export interface ScimGroupRow {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
}

export interface ScimGroupValues {
  readonly displayName: string;
  readonly externalId: string | null;
}

export interface ScimMember {
  readonly id: string;
  readonly userName: string;
}

/** One `attr eq "value"` (src/scim parses the filter; userName and displayName compare case-insensitively). */
export interface ScimFilter {
  readonly attr: 'id' | 'externalId' | 'userName' | 'displayName';
  readonly value: string;
}

export interface ScimPage<T> {
  readonly total: number;
  readonly rows: T[];
}

/** A conditional write: `stale` = the row's version moved since it was read (retry), `conflict` = a uniqueness clash. */
export type ScimWriteResult<T> = T | 'stale' | 'conflict' | 'not_found';

/** How a signed-in person is matched to a SCIM user (config scim.match). */
export type ScimMatch = 'userName' | 'email' | 'externalId';

/** What sign-in needs of a person's SCIM record. */
export interface ScimLoginRecord {
  readonly id: string;
  readonly active: boolean;
  /** A tombstone (deleted by the IdP). */
  readonly deleted: boolean;
  /** displayName of every group the user is a member of. */
  readonly groups: readonly string[];
}

export interface ScimRepo {
  /** 'conflict' when a live user has this userName (case-insensitive). */
  insertUser(id: string, v: ScimUserValues, now: number): Promise<ScimUserRow | 'conflict'>;
  /** A live user (tombstones are not found). */
  getUser(id: string): Promise<ScimUserRow | undefined>;
  /** Live users, oldest first. */
  listUsers(filter: ScimFilter | undefined, offset: number, limit: number): Promise<ScimPage<ScimUserRow>>;
  /** Replaces a live user's values if it is still at `version`. */
  updateUser(id: string, version: number, v: ScimUserValues, now: number): Promise<ScimWriteResult<ScimUserRow>>;
  /** Turns a live user into a tombstone and drops its memberships; the row as it was, undefined when unknown. */
  deleteUser(id: string, now: number): Promise<ScimUserRow | undefined>;
  /** The groups (id, displayName) of each user, by user id. */
  groupsOfUsers(userIds: readonly string[]): Promise<Map<string, Array<{ id: string; displayName: string }>>>;
  /** Which of these ids are live users. */
  liveUserIds(ids: readonly string[]): Promise<Set<string>>;
  /** 'conflict' when a group has this displayName (case-insensitive). Members must be live users (checked by the caller). */
  insertGroup(id: string, v: ScimGroupValues, memberIds: readonly string[], now: number): Promise<ScimGroupRow | 'conflict'>;
  getGroup(id: string): Promise<ScimGroupRow | undefined>;
  listGroups(filter: ScimFilter | undefined, offset: number, limit: number): Promise<ScimPage<ScimGroupRow>>;
  /** Members (id, userName) of each group, by group id. */
  membersOf(groupIds: readonly string[]): Promise<Map<string, ScimMember[]>>;
  /** Replaces the values and applies member changes if the group is still at `version`. */
  updateGroup(id: string, version: number, v: ScimGroupValues, add: readonly string[], remove: readonly string[], now: number): Promise<ScimWriteResult<ScimGroupRow>>;
  /** Deletes a group (its memberships go with it); the row and its member ids, undefined when unknown. */
  deleteGroup(id: string): Promise<{ row: ScimGroupRow; memberIds: string[] } | undefined>;
  /** The record sign-in matches (a live one first, else a tombstone), with its group names. */
  findForLogin(match: ScimMatch, key: string): Promise<ScimLoginRecord | undefined>;
  /** Subjects in `users` (people who signed in) that a SCIM user with these match keys names. */
  subjectsFor(match: ScimMatch, keys: readonly string[]): Promise<string[]>;
  /** Replaces the groups recorded for a person who signed in (what their machine tokens act with); undefined when unknown. */
  setLoginGroups(sub: string, groups: readonly string[]): Promise<{ before: string[] } | undefined>;
}

const resourceSchema = z.record(z.string(), z.unknown());
const groupsSchema = z.array(z.string());

/** A unique-constraint violation from either driver (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY). */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Runs `fn`; a uniqueness violation becomes 'conflict', any other failure AIRLOCK_STORE_UNAVAILABLE. */
function uniqueOr<T>(op: string, fn: () => Promise<T>): Promise<T | 'conflict'> {
  return guarded(op, async () => {
    try {
      return await fn();
    } catch (err) {
      if (isUniqueViolation(err)) return 'conflict' as const;
      throw err;
    }
  });
}

const MAX_IN = 500;
function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += MAX_IN) out.push(xs.slice(i, i + MAX_IN));
  return out;
}

export function scimRepo(db: Kysely<Database>): ScimRepo {
  const userValues = (v: ScimUserValues) => ({
    user_name: v.userName,
    user_name_key: v.userName.toLowerCase(),
    external_id: v.externalId,
    email_key: v.emailKey,
    active: v.active ? 1 : 0,
    resource: JSON.stringify(v.resource),
  });

  const userQuery = (filter: ScimFilter | undefined) => {
    let q = db.selectFrom('scim_users').where('deleted_at', 'is', null);
    if (filter?.attr === 'id') q = q.where('id', '=', filter.value);
    else if (filter?.attr === 'externalId') q = q.where('external_id', '=', filter.value);
    else if (filter?.attr === 'userName') q = q.where('user_name_key', '=', filter.value.toLowerCase());
    else if (filter !== undefined) q = q.where(sql.lit(false));
    return q;
  };
  const groupQuery = (filter: ScimFilter | undefined) => {
    let q = db.selectFrom('scim_groups');
    if (filter?.attr === 'id') q = q.where('id', '=', filter.value);
    else if (filter?.attr === 'externalId') q = q.where('external_id', '=', filter.value);
    else if (filter?.attr === 'displayName') q = q.where('display_name_key', '=', filter.value.toLowerCase());
    else if (filter !== undefined) q = q.where(sql.lit(false));
    return q;
  };

  const addMembers = async (trx: Transaction<Database>, groupId: string, ids: readonly string[]) => {
    for (const part of chunks([...new Set(ids)])) {
      if (part.length > 0) await trx.insertInto('scim_members').values(part.map((user_id) => ({ group_id: groupId, user_id }))).onConflict((oc) => oc.doNothing()).execute();
    }
  };

  return {
    insertUser: (id, v, now) =>
      uniqueOr('scim.insertUser', async () => {
        const row = await db
          .insertInto('scim_users')
          .values({ id, ...userValues(v), created_at: now, updated_at: now, version: 1, deleted_at: null })
          .returningAll()
          .executeTakeFirstOrThrow();
        return userFromRow(row);
      }),
    getUser: (id) =>
      guarded('scim.getUser', async () => {
        const row = await db.selectFrom('scim_users').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
        return row === undefined ? undefined : userFromRow(row);
      }),
    listUsers: (filter, offset, limit) =>
      guarded('scim.listUsers', async () => {
        const total = await userQuery(filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        const rows = limit === 0 ? [] : await userQuery(filter).selectAll().orderBy('created_at').orderBy('id').offset(offset).limit(limit).execute();
        return { total: Number(total.n), rows: rows.map(userFromRow) };
      }),
    updateUser: async (id, version, v, now) => {
      const r = await uniqueOr('scim.updateUser', async () => {
        const row = await db
          .updateTable('scim_users')
          .set({ ...userValues(v), updated_at: now, version: version + 1 })
          .where('id', '=', id)
          .where('version', '=', version)
          .where('deleted_at', 'is', null)
          .returningAll()
          .executeTakeFirst();
        return row === undefined ? undefined : userFromRow(row);
      });
      if (r !== undefined) return r;
      const exists = await guarded('scim.updateUser', () => db.selectFrom('scim_users').select('id').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst());
      return exists ? 'stale' : 'not_found';
    },
    deleteUser: (id, now) =>
      guarded('scim.deleteUser', () =>
        db.transaction().execute(async (trx) => {
          // the write first: on SQLite the transaction takes the write lock at once (no read-then-upgrade)
          const before = await trx.selectFrom('scim_users').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
          if (before === undefined) return undefined;
          const r = await trx.updateTable('scim_users').set({ deleted_at: now, active: 0, updated_at: now, version: Number(before.version) + 1 }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
          if (Number(r.numUpdatedRows) !== 1) return undefined;
          await trx.deleteFrom('scim_members').where('user_id', '=', id).execute();
          return userFromRow(before);
        }),
      ),
    groupsOfUsers: (userIds) =>
      guarded('scim.groupsOfUsers', async () => {
        const out = new Map<string, Array<{ id: string; displayName: string }>>();
        for (const part of chunks([...new Set(userIds)])) {
          if (part.length === 0) continue;
          const rows = await db
            .selectFrom('scim_members')
            .innerJoin('scim_groups', 'scim_groups.id', 'scim_members.group_id')
            .select(['scim_members.user_id as userId', 'scim_groups.id as id', 'scim_groups.display_name as displayName'])
            .where('scim_members.user_id', 'in', part)
            .orderBy('scim_groups.display_name_key')
            .execute();
          for (const r of rows) out.set(r.userId, [...(out.get(r.userId) ?? []), { id: r.id, displayName: r.displayName }]);
        }
        return out;
      }),
    liveUserIds: (ids) =>
      guarded('scim.liveUserIds', async () => {
        const out = new Set<string>();
        for (const part of chunks([...new Set(ids)])) {
          if (part.length === 0) continue;
          const rows = await db.selectFrom('scim_users').select('id').where('id', 'in', part).where('deleted_at', 'is', null).execute();
          for (const r of rows) out.add(r.id);
        }
        return out;
      }),
    insertGroup: (id, v, memberIds, now) =>
      uniqueOr('scim.insertGroup', () =>
        db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('scim_groups')
            .values({ id, display_name: v.displayName, display_name_key: v.displayName.toLowerCase(), external_id: v.externalId, created_at: now, updated_at: now, version: 1 })
            .returningAll()
            .executeTakeFirstOrThrow();
          await addMembers(trx, id, memberIds);
          return groupFromRow(row);
        }),
      ),
    getGroup: (id) =>
      guarded('scim.getGroup', async () => {
        const row = await db.selectFrom('scim_groups').selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? undefined : groupFromRow(row);
      }),
    listGroups: (filter, offset, limit) =>
      guarded('scim.listGroups', async () => {
        const total = await groupQuery(filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        const rows = limit === 0 ? [] : await groupQuery(filter).selectAll().orderBy('created_at').orderBy('id').offset(offset).limit(limit).execute();
        return { total: Number(total.n), rows: rows.map(groupFromRow) };
      }),
    membersOf: (groupIds) =>
      guarded('scim.membersOf', async () => {
        const out = new Map<string, ScimMember[]>();
        for (const part of chunks([...new Set(groupIds)])) {
          if (part.length === 0) continue;
          const rows = await db
            .selectFrom('scim_members')
            .innerJoin('scim_users', 'scim_users.id', 'scim_members.user_id')
            .select(['scim_members.group_id as groupId', 'scim_users.id as id', 'scim_users.user_name as userName'])
            .where('scim_members.group_id', 'in', part)
            .orderBy('scim_users.user_name_key')
            .execute();
          for (const r of rows) out.set(r.groupId, [...(out.get(r.groupId) ?? []), { id: r.id, userName: r.userName }]);
        }
        return out;
      }),
    updateGroup: async (id, version, v, add, remove, now) => {
      const r = await uniqueOr('scim.updateGroup', () =>
        db.transaction().execute(async (trx) => {
          const row = await trx
            .updateTable('scim_groups')
            .set({ display_name: v.displayName, display_name_key: v.displayName.toLowerCase(), external_id: v.externalId, updated_at: now, version: version + 1 })
            .where('id', '=', id)
            .where('version', '=', version)
            .returningAll()
            .executeTakeFirst();
          if (row === undefined) return undefined;
          for (const part of chunks([...new Set(remove)])) {
            if (part.length > 0) await trx.deleteFrom('scim_members').where('group_id', '=', id).where('user_id', 'in', part).execute();
          }
          await addMembers(trx, id, add);
          return groupFromRow(row);
        }),
      );
      if (r !== undefined) return r;
      const exists = await guarded('scim.updateGroup', () => db.selectFrom('scim_groups').select('id').where('id', '=', id).executeTakeFirst());
      return exists ? 'stale' : 'not_found';
    },
    deleteGroup: (id) =>
      guarded('scim.deleteGroup', () =>
        db.transaction().execute(async (trx) => {
          const row = await trx.selectFrom('scim_groups').selectAll().where('id', '=', id).executeTakeFirst();
          if (row === undefined) return undefined;
          const members = await trx.selectFrom('scim_members').select('user_id').where('group_id', '=', id).execute();
          await trx.deleteFrom('scim_members').where('group_id', '=', id).execute();
          const r = await trx.deleteFrom('scim_groups').where('id', '=', id).executeTakeFirst();
          if (Number(r.numDeletedRows) !== 1) return undefined;
          return { row: groupFromRow(row), memberIds: members.map((m) => m.user_id) };
        }),
      ),
    findForLogin: (match, key) =>
      guarded('scim.findForLogin', async () => {
        let q = db.selectFrom('scim_users').select(['id', 'active', 'deleted_at']);
        if (match === 'userName') q = q.where('user_name_key', '=', key.toLowerCase());
        else if (match === 'email') q = q.where('email_key', '=', key.toLowerCase());
        else q = q.where('external_id', '=', key);
        // a live record wins over tombstones; among several, the most recently changed
        const rows = await q.orderBy(sql`case when deleted_at is null then 0 else 1 end`).orderBy('updated_at', 'desc').limit(1).execute();
        const row = rows[0];
        if (row === undefined) return undefined;
        const groups = row.deleted_at === null
          ? (await db.selectFrom('scim_members').innerJoin('scim_groups', 'scim_groups.id', 'scim_members.group_id').select('scim_groups.display_name as name').where('scim_members.user_id', '=', row.id).orderBy('scim_groups.display_name_key').execute()).map((g) => g.name)
          : [];
        return { id: row.id, active: Number(row.active) === 1 && row.deleted_at === null, deleted: row.deleted_at !== null, groups };
      }),
    subjectsFor: (match, keys) =>
      guarded('scim.subjectsFor', async () => {
        const wanted = [...new Set(keys.filter((k) => k !== ''))];
        if (wanted.length === 0) return [];
        const subs = new Set<string>();
        for (const part of chunks(wanted)) {
          let q = db.selectFrom('users').select('sub');
          if (match === 'userName') q = q.where(sql`lower(username)`, 'in', part.map((k) => k.toLowerCase()));
          else if (match === 'email') q = q.where(sql`lower(email)`, 'in', part.map((k) => k.toLowerCase()));
          else q = q.where('sub', 'in', part);
          for (const r of await q.execute()) subs.add(r.sub);
        }
        return [...subs].sort();
      }),
    setLoginGroups: (sub, groups) =>
      guarded('scim.setLoginGroups', async () => {
        const row = await db.selectFrom('users').select('groups').where('sub', '=', sub).executeTakeFirst();
        if (row === undefined) return undefined;
        const before = parseJsonColumn(groupsSchema, row.groups, 'users.groups');
        await db.updateTable('users').set({ groups: JSON.stringify(groups) }).where('sub', '=', sub).execute();
        return { before };
      }),
  };
}

function userFromRow(r: Selectable<ScimUsersTable>): ScimUserRow {
  return {
    id: r.id,
    userName: r.user_name,
    externalId: r.external_id,
    emailKey: r.email_key,
    active: Number(r.active) === 1,
    resource: parseJsonColumn(resourceSchema, r.resource, 'scim_users.resource'),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    version: Number(r.version),
    deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
  };
}

function groupFromRow(r: Selectable<ScimGroupsTable>): ScimGroupRow {
  return {
    id: r.id,
    displayName: r.display_name,
    externalId: r.external_id,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    version: Number(r.version),
  };
}
