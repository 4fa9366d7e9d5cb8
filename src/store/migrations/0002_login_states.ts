import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

/** login_states: pending logins between /.airlock/login and /.airlock/callback. */
export const loginStates: Migration = {
  name: '0002_login_states',
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('login_states')
      .addColumn('state', 'text', (c) => c.primaryKey())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('login_states_expires_at_idx').on('login_states').column('expires_at').execute();
  },
};
