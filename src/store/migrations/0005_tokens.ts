import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

/** tokens: Airlock machine tokens (hash of the secret only), looked up by secret_hash on every token request. */
export const tokens: Migration = {
  name: '0005_tokens',
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
      .addColumn('owner_sub', 'text')
      .addColumn('service_account', 'text')
      .addColumn('envs', 'text', (c) => c.notNull())
      .addColumn('dags', 'text', (c) => c.notNull())
      .addColumn('actions', 'text', (c) => c.notNull())
      .addColumn('approval_actions', 'text', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('revoked_by', 'text')
      .addColumn('revoke_reason', 'text')
      .addColumn('rotated_from', 'text')
      .addColumn('last_used_at', 'bigint')
      .addColumn('last_used_ip', 'text')
      .execute();
    await db.schema.createIndex('tokens_name_idx').on('tokens').column('name').execute();
    await db.schema.createIndex('tokens_owner_sub_idx').on('tokens').column('owner_sub').execute();
  },
};
