import type { Kysely } from 'kysely';

/** One schema step. `name` is recorded once applied; names sort in the order they must run. */
export interface Migration {
  readonly name: string;
  /** Runs inside the migration transaction, on SQLite and on PostgreSQL alike (use the portable schema builder). */
  up(db: Kysely<any>, kind: 'sqlite' | 'postgres'): Promise<void>;
}
