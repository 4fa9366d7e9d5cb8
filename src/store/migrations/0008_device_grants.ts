import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

/** `airlock login` (issue #13 section 3): RFC 8628 device grants, keyed by the device code's hash. */
export const deviceGrants: Migration = {
  name: '0008_device_grants',
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('device_grants')
      .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_code', 'text', (c) => c.notNull().unique())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('envs', 'text', (c) => c.notNull())
      .addColumn('actions', 'text', (c) => c.notNull())
      .addColumn('token_ttl', 'bigint', (c) => c.notNull())
      .addColumn('client_ip', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('interval_ms', 'bigint', (c) => c.notNull())
      .addColumn('last_polled_at', 'bigint')
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'bigint')
      .addColumn('token_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('device_grants_expires_at_idx').on('device_grants').column('expires_at').execute();
  },
};
