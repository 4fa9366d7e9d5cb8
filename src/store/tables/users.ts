/** The `users` table: people who logged in at least once. */
export interface UsersTable {
  sub: string;
  username: string;
  email: string | null;
  name: string | null;
  /** JSON text: string[] as the IdP sent them. */
  groups: string;
  first_login_at: number;
  last_login_at: number;
  disabled_at: number | null;
}

export interface UserTables {
  users: UsersTable;
}
