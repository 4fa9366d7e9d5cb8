import { sql, type Kysely } from 'kysely';
import type { Migration } from './migration.ts';

/**
 * SCIM 2.0 provisioning (issue #14): scim_users (a deleted user stays as a tombstone, deleted_at set, so that the
 * person stays refused at sign-in; its userName is free again: the unique index covers live rows only), scim_groups
 * (displayName unique, case-insensitive) and scim_members (group <-> user).
 */
export const scim: Migration = {
  name: '0007_scim',
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('scim_users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('user_name_key', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text')
      .addColumn('email_key', 'text')
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .execute();
    await db.schema.createIndex('scim_users_user_name_live').on('scim_users').column('user_name_key').unique().where(sql.ref('deleted_at'), 'is', null).execute();
    await db.schema.createIndex('scim_users_user_name_key_idx').on('scim_users').column('user_name_key').execute();
    await db.schema.createIndex('scim_users_external_id_idx').on('scim_users').column('external_id').execute();
    await db.schema.createIndex('scim_users_email_key_idx').on('scim_users').column('email_key').execute();

    await db.schema
      .createTable('scim_groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('display_name_key', 'text', (c) => c.notNull().unique())
      .addColumn('external_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('scim_groups_external_id_idx').on('scim_groups').column('external_id').execute();

    await db.schema
      .createTable('scim_members')
      .addColumn('group_id', 'text', (c) => c.notNull().references('scim_groups.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('scim_users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('scim_members_pk', ['group_id', 'user_id'])
      .execute();
    await db.schema.createIndex('scim_members_user_id_idx').on('scim_members').column('user_id').execute();
  },
};
