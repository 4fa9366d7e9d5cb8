/** The `webauthn_credentials` table: one row per registered security key (credential). */
export interface WebauthnCredentialsTable {
  /** Credential id, base64url: the primary key, so an id is unique across all users. */
  id: string;
  sub: string;
  /** The WebAuthn user handle (base64url) the credential was created for. */
  user_handle: string;
  /** COSE public key, base64url. */
  public_key: string;
  /** COSE algorithm id (-7 ES256, -8 EdDSA, -257 RS256, ...). */
  alg: number;
  counter: number;
  /** JSON text: string[] of transports the browser reported. */
  transports: string;
  aaguid: string;
  /** Attestation format at registration ("none", "packed", ...). */
  fmt: string;
  name: string;
  /** 1 when the authenticator said the credential may be backed up (a synced passkey), else 0. */
  backup_eligible: number;
  backed_up: number;
  /** 1 when a discoverable (resident) credential was requested and the client reported one, else 0. */
  discoverable: number;
  created_at: number;
  last_used_at: number | null;
  disabled_at: number | null;
  disabled_reason: string | null;
}

/** `webauthn_users`: the random, stable WebAuthn user handle of each person (never their IdP subject). */
export interface WebauthnUsersTable {
  sub: string;
  user_handle: string;
  created_at: number;
}

/** `webauthn_challenges`: outstanding challenges, single-use, bound to a session or a browser. */
export interface WebauthnChallengesTable {
  /** The challenge itself, base64url. */
  challenge: string;
  /** register | login | step_up | manage | passwordless */
  purpose: string;
  /** SHA-256 of the session id (or of the passwordless browser cookie). */
  binding: string;
  /** The person it was issued for; null for passwordless (not known until the assertion). */
  sub: string | null;
  created_at: number;
  expires_at: number;
}

export interface WebauthnTables {
  webauthn_credentials: WebauthnCredentialsTable;
  webauthn_users: WebauthnUsersTable;
  webauthn_challenges: WebauthnChallengesTable;
}
