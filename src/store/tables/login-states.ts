/** The `login_states` table: pending OIDC logins (single-use, minutes long), shared by all workers. */
export interface LoginStatesTable {
  state: string;
  /** JSON text: nonce, code verifier, return-to, browser binding hash. */
  data: string;
  created_at: number;
  expires_at: number;
}

export interface LoginStateTables {
  login_states: LoginStatesTable;
}
