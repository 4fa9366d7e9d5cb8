/**
 * SCIM 2.0 provisioning (src/scim, docs/scim.md): people and groups pushed by the IdP's provisioning client.
 * Times are epoch ms.
 */
export interface ScimUsersTable {
  /** The SCIM `id` Airlock assigned (a UUID). */
  id: string;
  /** `userName` as sent. */
  user_name: string;
  /** `userName` lower-cased: unique among live rows (SCIM userName is case-insensitive). */
  user_name_key: string;
  external_id: string | null;
  /** The primary (else first) email, lower-cased, for `scim.match: email`. */
  email_key: string | null;
  /** 1 active, 0 deactivated. */
  active: number;
  /** JSON text: the other attributes as stored (name, displayName, emails, ...; never a password). */
  resource: string;
  created_at: number;
  updated_at: number;
  /** Bumped by every change (meta.version). */
  version: number;
  /** Set by DELETE: the row stays as a tombstone, so the person stays refused at sign-in. */
  deleted_at: number | null;
}

export interface ScimGroupsTable {
  id: string;
  display_name: string;
  /** `displayName` lower-cased: unique. */
  display_name_key: string;
  external_id: string | null;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface ScimMembersTable {
  group_id: string;
  user_id: string;
}

export interface ScimTables {
  scim_users: ScimUsersTable;
  scim_groups: ScimGroupsTable;
  scim_members: ScimMembersTable;
}
