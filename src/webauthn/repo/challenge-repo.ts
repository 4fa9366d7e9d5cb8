import type { Kysely } from 'kysely';
import { guarded, type Database } from '../../store/index.ts';

export type ChallengePurpose = 'register' | 'login' | 'step_up' | 'manage' | 'passwordless';

export interface ChallengeRow {
  readonly challenge: string;
  readonly purpose: ChallengePurpose;
  /** SHA-256 of the session id (or of the passwordless browser cookie). */
  readonly binding: string;
  readonly sub: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface ChallengeRepo {
  insert(row: ChallengeRow): Promise<void>;
  /** Deletes and returns the row (expired ones too, so the caller can say "expired"): a challenge is answered once. */
  take(challenge: string): Promise<ChallengeRow | undefined>;
  /** Deletes rows that expired before `before`. */
  deleteExpired(before: number): Promise<number>;
}

const PURPOSES: ReadonlySet<string> = new Set(['register', 'login', 'step_up', 'manage', 'passwordless']);

/** Expired rows are kept this long (so a late answer is told "expired", not "unknown"), then swept. */
export const EXPIRED_KEPT_MS = 10 * 60_000;
const SWEEP_EVERY = 100;

export function challengeRepo(db: Kysely<Database>): ChallengeRepo {
  let inserts = 0;
  const deleteExpired = (before: number) =>
    guarded('webauthn.challenges.deleteExpired', async () => {
      const r = await db.deleteFrom('webauthn_challenges').where('expires_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  return {
    insert: (row) =>
      guarded('webauthn.challenges.insert', async () => {
        if (++inserts % SWEEP_EVERY === 0) void deleteExpired(row.createdAt - EXPIRED_KEPT_MS).catch(() => undefined);
        await db
          .insertInto('webauthn_challenges')
          .values({ challenge: row.challenge, purpose: row.purpose, binding: row.binding, sub: row.sub, created_at: row.createdAt, expires_at: row.expiresAt })
          .execute();
      }),
    take: (challenge) =>
      guarded('webauthn.challenges.take', async () => {
        const row = await db.deleteFrom('webauthn_challenges').where('challenge', '=', challenge).returningAll().executeTakeFirst();
        if (!row || !PURPOSES.has(row.purpose)) return undefined;
        return {
          challenge: row.challenge,
          purpose: row.purpose as ChallengePurpose,
          binding: row.binding,
          sub: row.sub,
          createdAt: Number(row.created_at),
          expiresAt: Number(row.expires_at),
        };
      }),
    deleteExpired,
  };
}
