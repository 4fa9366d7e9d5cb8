/** Bookkeeping of applied migrations (managed by the migrator, not by repositories). */
export interface MigrationsTable {
  name: string;
  applied_at: number;
}

export interface MigrationTables {
  airlock_migrations: MigrationsTable;
}
