import { z } from 'zod';
import { Secret } from '../secret.ts';
import { secretValue } from './common.ts';

/**
 * "sqlite:./airlock.db" (relative to the config file's folder; made absolute at load), "sqlite::memory:" (tests),
 * or "postgres://user@host/db". A PostgreSQL URL with a password must come from ${env:...} or ${file:...}.
 * Also accepted as a map: { url: ..., pool: 10 }.
 */
export const storeSchema = z
  .preprocess(
    (v) => (v instanceof Secret || typeof v === 'string' ? { url: v } : v),
    z.strictObject({
      url: z.union([z.string(), secretValue], { error: 'must be "sqlite:<path>" or "postgres://…" (or a secret reference)' }),
      /** PostgreSQL pool size per worker. */
      pool: z.number().int().min(1).max(100).default(10),
    }),
  )
  .transform((v, ctx) => {
    const raw = v.url instanceof Secret ? v.url.reveal() : v.url;
    if (raw.startsWith('sqlite:')) {
      const path = raw.slice('sqlite:'.length);
      if (path === '' || path.startsWith('//') || path.includes('\0')) {
        ctx.addIssue({ code: 'custom', message: 'a SQLite store is "sqlite:./file.db", "sqlite:/absolute/file.db" or "sqlite::memory:"' });
        return z.NEVER;
      }
      return { kind: 'sqlite' as const, path, pool: v.pool };
    }
    if (/^postgres(ql)?:\/\//.test(raw)) {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a valid PostgreSQL URL' });
        return z.NEVER;
      }
      if (!(v.url instanceof Secret) && (u.password !== '' || u.searchParams.has('password'))) {
        ctx.addIssue({ code: 'custom', message: 'a PostgreSQL URL with a password must come from ${env:NAME} or ${file:/path}' });
        return z.NEVER;
      }
      return { kind: 'postgres' as const, url: v.url instanceof Secret ? v.url : new Secret(raw, 'config'), pool: v.pool };
    }
    ctx.addIssue({ code: 'custom', message: 'must start with "sqlite:" or "postgres://"' });
    return z.NEVER;
  });

export type StoreConfig = z.infer<typeof storeSchema>;
