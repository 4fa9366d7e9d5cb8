/** The `sessions` table: one row per login. The raw cookie value is never stored, only its SHA-256. */
export interface SessionsTable {
  /** SHA-256 (base64url) of the cookie's session id. */
  id_hash: string;
  sub: string;
  /** JSON text of {@link StoredIdentity}. */
  identity: string;
  idp_sid: string | null;
  /** The IdP's id_token, kept only as the RP-initiated logout hint. */
  id_token: string | null;
  created_at: number;
  last_seen_at: number;
  /** Absolute end of the session (epoch ms). */
  expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
}

export interface SessionTables {
  sessions: SessionsTable;
}
