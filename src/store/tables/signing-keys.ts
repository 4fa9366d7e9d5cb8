/** The `signing_keys` table: assertion signing keys and their life cycle. */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  /** JSON text of the public JWK. */
  public_jwk: string;
  /** JSON text of the private JWK. */
  private_jwk: string;
  created_at: number;
  /** From when the key may sign. */
  activates_at: number;
  /** When the key stops signing (still verifies until expires_at). */
  retires_at: number;
  /** When the key leaves the JWKS. */
  expires_at: number;
}

export interface SigningKeyTables {
  signing_keys: SigningKeysTable;
}
