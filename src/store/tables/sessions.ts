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
  /** The IdP refresh token, sealed (AES-256-GCM, see src/session/token-seal.ts); null when the IdP gave none. */
  refresh_token: string | null;
  /** The IdP's `sub` of the ID token at login (back-channel logout by `sub`). */
  idp_sub: string | null;
  /** When the identity's claims (groups) were last read from the IdP: login or refresh (epoch ms). */
  claims_at: number;
  /** Bumped by every refresh: the compare-and-swap of concurrent refreshes. */
  version: number;
  /** A refresh of this session is in progress (owner set) or backing off (owner null) until then (epoch ms). */
  refresh_lease_until: number | null;
  refresh_lease_owner: string | null;
}

export interface SessionTables {
  sessions: SessionsTable;
}
