import { z } from 'zod';
import { duration, httpUrl, text } from './common.ts';

const envName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'environment names are lower-case letters, digits, "-" and "_", starting with a letter');

export const environmentSchema = z
  .strictObject({
    /** Select this environment by Host header (exact, case-insensitive, port ignored unless given). */
    host: text.pipe(z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host name, optionally with :port')).optional(),
    /** Or by path prefix, e.g. "/prod": matched on whole segments and KEPT when forwarding (Airflow's base_url must include it). */
    path_prefix: text.pipe(z.string().regex(/^\/[A-Za-z0-9._~-]+$/, 'must be one path segment such as "/prod"')).optional(),
    /** Where Airflow listens: an origin, optionally with a base path; no credentials, query or fragment. */
    upstream: httpUrl.pipe(
      z.string().refine((v) => {
        const u = new URL(v);
        return u.search === '' && u.hash === '';
      }, 'must not have a query or fragment'),
    ),
    /** Airflow major version behind this environment (2 or 3). */
    airflow: z.union([z.literal(2), z.literal(3)], { error: 'must be 2 or 3 (the Airflow major version)' }),
    /** Whole-request timeout towards the upstream (headers). */
    timeout: duration.default(30_000),
    connect_timeout: duration.default(5_000),
    /** Keep-alive connections per worker to this upstream. */
    connections: z.number().int().min(1).max(1024).default(128),
  })
  .superRefine((v, ctx) => {
    if (!v.host && !v.path_prefix) ctx.addIssue({ code: 'custom', message: 'set host or path_prefix so requests can select this environment' });
  });

export const environmentsSchema = z.record(envName, environmentSchema).superRefine((envs, ctx) => {
  if (Object.keys(envs).length === 0) ctx.addIssue({ code: 'custom', message: 'define at least one environment' });
  const seen = new Map<string, string>();
  for (const [name, e] of Object.entries(envs)) {
    const key = `${(e.host ?? '*').toLowerCase()}|${e.path_prefix ?? ''}`;
    const other = seen.get(key);
    if (other) ctx.addIssue({ code: 'custom', path: [name], message: `selects the same requests as environment "${other}"` });
    seen.set(key, name);
  }
});

export type EnvironmentConfig = z.infer<typeof environmentSchema>;
