import { sql, type Kysely } from 'kysely';
import type { Migration } from './migration.ts';

/**
 * Sessions follow the IdP (issue #14): the IdP refresh token (sealed), the IdP subject, when the claims were last
 * read from the IdP, a version bumped by each refresh, and the refresh lease that serializes refreshes of one
 * session across workers and replicas. `replay_guards` remembers single-use token ids (back-channel logout `jti`)
 * until they expire.
 */
export const sessionRefresh: Migration = {
  name: '0006_session_refresh',
  async up(db: Kysely<any>) {
    await db.schema.alterTable('sessions').addColumn('refresh_token', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('idp_sub', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('claims_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('sessions').addColumn('version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('sessions').addColumn('refresh_lease_until', 'bigint').execute();
    await db.schema.alterTable('sessions').addColumn('refresh_lease_owner', 'text').execute();
    // sessions from before this migration: their claims were read at login
    await sql`update sessions set claims_at = created_at`.execute(db);
    await db.schema.createIndex('sessions_idp_sub_idx').on('sessions').column('idp_sub').execute();
    // the SQLite revocation poll (a CLI in another process) reads recent revocations by time
    await db.schema.createIndex('sessions_revoked_at_idx').on('sessions').column('revoked_at').execute();

    await db.schema
      .createTable('replay_guards')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('replay_guards_expires_at_idx').on('replay_guards').column('expires_at').execute();
  },
};
