import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

/** audit_events (hash chain), audit_checkpoints (signed anchors), audit_keys (public keys of checkpoint signers). */
export const audit: Migration = {
  name: '0003_audit',
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('audit_events')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('time', 'bigint', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text')
      .addColumn('sub', 'text')
      .addColumn('username', 'text')
      .addColumn('env', 'text')
      .addColumn('action', 'text')
      .addColumn('resource', 'text')
      .addColumn('decision', 'text')
      .addColumn('dags', 'text')
      .addColumn('status', 'integer')
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_events_time_idx').on('audit_events').column('time').execute();
    await db.schema.createIndex('audit_events_username_idx').on('audit_events').column('username').execute();
    await db.schema.createIndex('audit_events_request_id_idx').on('audit_events').column('request_id').execute();

    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('time', 'bigint', (c) => c.notNull())
      .addColumn('kid', 'text', (c) => c.notNull())
      .addColumn('jws', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('audit_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
