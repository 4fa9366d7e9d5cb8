import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

/** approvals: machine requests held for a person's approval (docs/machine-identities.md). */
export const approvals: Migration = {
  name: '0009_approvals',
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('approvals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('token_id', 'text', (c) => c.notNull())
      .addColumn('requester', 'text', (c) => c.notNull())
      .addColumn('env', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('raw_url', 'text', (c) => c.notNull())
      .addColumn('client', 'text', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('dag_ids', 'text', (c) => c.notNull())
      .addColumn('headers', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('body_sha256', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'bigint')
      .addColumn('executed_at', 'bigint')
      .addColumn('upstream_status', 'integer')
      .addColumn('upstream_body', 'text')
      .addColumn('upstream_content_type', 'text')
      .addColumn('error', 'text')
      .execute();
    await db.schema.createIndex('approvals_token_id_idx').on('approvals').column('token_id').execute();
  },
};
