import { z } from 'zod';
import { duration } from './common.ts';

export const assertionSchema = z
  .strictObject({
    /** Lifetime of X-Airlock-Assertion; at most 5 minutes. */
    ttl: duration.default(300_000),
    /** A new signing key is created this often. */
    rotate_every: duration.default(30 * 86_400_000),
    /** A retired key stays in /.airlock/jwks.json this long after the next one takes over. */
    overlap: duration.default(86_400_000),
    /** Also send plain X-Airlock-User / X-Airlock-Email / X-Airlock-Roles headers. */
    plain_headers: z.boolean().default(true),
  })
  .superRefine((v, ctx) => {
    if (v.ttl > 300_000) ctx.addIssue({ code: 'custom', path: ['ttl'], message: 'must be at most 5m' });
    if (v.ttl < 10_000) ctx.addIssue({ code: 'custom', path: ['ttl'], message: 'must be at least 10s' });
    if (v.overlap < v.ttl) ctx.addIssue({ code: 'custom', path: ['overlap'], message: 'must be at least ttl so no assertion outlives its key' });
    if (v.rotate_every < 3_600_000) ctx.addIssue({ code: 'custom', path: ['rotate_every'], message: 'must be at least 1h' });
  });

export type AssertionConfig = z.infer<typeof assertionSchema>;
