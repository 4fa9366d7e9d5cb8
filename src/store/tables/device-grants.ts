/**
 * The `device_grants` table: pending `airlock login` requests (RFC 8628 device authorization), minutes long.
 * Only the SHA-256 of the device code is stored (`device_code_hash`, base64url). Times are epoch ms.
 */
export interface DeviceGrantsTable {
  device_code_hash: string;
  /** Normalised user code: 8 letters of the 20-letter alphabet, no dash (unique). */
  user_code: string;
  client_id: string;
  /** JSON text: string[] of environment names, or ["*"]. */
  envs: string;
  /** JSON text: string[] of actions. */
  actions: string;
  /** Lifetime of the token to issue, ms. */
  token_ttl: number;
  /** Address of the client that asked (shown on the approval page). */
  client_ip: string | null;
  /** pending | approved | denied | issued */
  status: string;
  /** Current minimum polling interval, ms (raised by 5 s at each slow_down). */
  interval_ms: number;
  last_polled_at: number | null;
  /** IdP subject of the person who approved or denied. */
  decided_by: string | null;
  decided_at: number | null;
  /** The token issued at the first poll after approval. */
  token_id: string | null;
  created_at: number;
  expires_at: number;
}

export interface DeviceGrantTables {
  device_grants: DeviceGrantsTable;
}
