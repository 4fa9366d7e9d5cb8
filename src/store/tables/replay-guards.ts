/** The `replay_guards` table: single-use identifiers (a logout token's issuer + `jti`, hashed) until they expire. */
export interface ReplayGuardsTable {
  /** SHA-256 (base64url) of the namespaced identifier. */
  key: string;
  /** Epoch ms after which the identifier may be forgotten (the token it came from is expired by then). */
  expires_at: number;
}

export interface ReplayGuardTables {
  replay_guards: ReplayGuardsTable;
}
