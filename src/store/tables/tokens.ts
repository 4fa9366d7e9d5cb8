/**
 * The `tokens` table: Airlock machine tokens (src/tokens). The secret itself is never stored, only its
 * SHA-256 (`secret_hash`, base64url). Times are epoch ms.
 */
export interface TokensTable {
  /** Public id, e.g. "tok_3fQ9x2LmA0bc" (audit, CLI, the assertion's `sid`). */
  id: string;
  /** Operator-chosen name ("etl-ci"); two rows share one during a rotation overlap. */
  name: string;
  /** person | service | agent: who the token acts as. */
  kind: string;
  /** SHA-256 of the whole token string, base64url (unique). */
  secret_hash: string;
  /** IdP subject of the person who owns the token (person and agent tokens; optional for service tokens). */
  owner_sub: string | null;
  /** A configured service account (tokens.service_accounts) the token acts as, for kind "service". */
  service_account: string | null;
  /** JSON text: string[] of environment names, or ["*"]. */
  envs: string;
  /** JSON text: string[] of DAG id globs, or ["*"]. */
  dags: string;
  /** JSON text: string[] of actions (read, trigger, ...). */
  actions: string;
  /** JSON text: string[] of actions that need a person's approval (held requests; [] until approvals exist). */
  approval_actions: string;
  /** How the token was issued: "cli" (airlock tokens create/rotate) or later "device" (airlock login). */
  origin: string;
  /** Who issued it, e.g. "cli:root". */
  created_by: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  /** The token this one replaced (rotate). */
  rotated_from: string | null;
  last_used_at: number | null;
  last_used_ip: string | null;
}

export interface TokenTables {
  tokens: TokensTable;
}
