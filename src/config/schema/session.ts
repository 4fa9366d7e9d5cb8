import { z } from 'zod';
import { duration, text } from './common.ts';

export const sessionSchema = z
  .strictObject({
    /** A session unused for this long ends. */
    idle_timeout: duration.default(8 * 3_600_000),
    /** A session ends this long after login, used or not. */
    absolute_timeout: duration.default(24 * 3_600_000),
    /** How long a worker trusts its in-memory copy before re-reading the store (revocations are pushed at once). */
    cache_ttl: duration.default(30_000),
    /**
     * Sessions each worker keeps in memory (least recently used dropped first; the signed-assertion cache has the
     * same bound). A session outside it costs one indexed store read on its next request. A reload applies it.
     */
    cache_entries: z.number().int().min(1).max(10_000_000).default(10_000),
    /** Claims (groups) older than this are re-read from the IdP (refresh token) before a request is served. */
    claims_max_age: duration.default(15 * 60_000),
    /** With the IdP unreachable, a session keeps its last claims until they are this old; then requests get a retryable 503. */
    claims_max_stale: duration.default(3_600_000),
  })
  .superRefine((v, ctx) => {
    if (v.idle_timeout > v.absolute_timeout) ctx.addIssue({ code: 'custom', path: ['idle_timeout'], message: 'must not exceed absolute_timeout' });
    if (typeof v.claims_max_age === 'number' && v.claims_max_age < 1000) ctx.addIssue({ code: 'custom', path: ['claims_max_age'], message: 'must be at least 1s' });
    if (typeof v.claims_max_stale === 'number' && typeof v.claims_max_age === 'number' && v.claims_max_stale < v.claims_max_age) {
      ctx.addIssue({ code: 'custom', path: ['claims_max_stale'], message: 'must not be shorter than claims_max_age' });
    }
  });

export const cookieSchema = z.strictObject({
  /** Defaults to "__Host-airlock" (https) or "airlock" (http://localhost development); filled in at load. */
  name: text.pipe(z.string().regex(/^[A-Za-z0-9_-]+$/, 'cookie names are letters, digits, "_" and "-"')).optional(),
  same_site: z.enum(['lax', 'strict']).default('lax'),
});

export type SessionConfig = z.infer<typeof sessionSchema>;
