import { z } from 'zod';
import { ALWAYS, duration, httpUrl, parseUrl, text } from './common.ts';
import { upstreamTlsSchema } from './upstream-tls.ts';

const envName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'environment names are lower-case letters, digits, "-" and "_", starting with a letter');

export const environmentSchema = z
  .strictObject({
    /** Select this environment by Host header (exact, case-insensitive, port ignored unless given). */
    host: text.pipe(z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host name, optionally with :port')).optional(),
    /** Or by path prefix, e.g. "/prod": matched on whole segments and kept when forwarding (Airflow's base_url must include it). */
    path_prefix: text.pipe(z.string().regex(/^\/[A-Za-z0-9._~-]+$/, 'must be one path segment such as "/prod"')).optional(),
    /** Where Airflow listens: an origin only (the request path, path_prefix included, is forwarded as it is). */
    upstream: httpUrl.pipe(
      z.string().superRefine((v, ctx) => {
        const u = new URL(v);
        if (u.search !== '' || u.hash !== '') ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment' });
        else if (u.pathname !== '/' && u.pathname !== '') {
          ctx.addIssue({ code: 'custom', message: `must be an origin such as "${u.origin}" without a path: requests are forwarded with their own path; to serve Airflow under "${u.pathname.replace(/\/$/, '')}", use path_prefix (kept when forwarding) and Airflow's base_url` });
        }
      }),
    ),
    /** TLS towards an https:// upstream: a private CA, mutual TLS, the name to verify. */
    tls: upstreamTlsSchema.optional(),
    /** Airflow major version behind this environment (2 or 3). */
    airflow: z.union([z.literal(2), z.literal(3)], { error: 'must be 2 or 3 (the Airflow major version)' }),
    /** Whole-request timeout towards the upstream (headers). */
    timeout: duration.default(30_000),
    connect_timeout: duration.default(5_000),
    /** Keep-alive connections per worker to this upstream. */
    connections: z.number().int().min(1).max(1024).default(128),
    /**
     * This Airflow runs the airflow-airlock integration with its DAG filter: the assertion carries the person's
     * per-DAG rules (dag_rules) and DAG lists are forwarded to rule-restricted people, answered only with the
     * DAGs the rules allow (docs/airflow-integration.md). Off: such lists are refused as all_dags_required.
     */
    airflow_filters_dags: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    if (v === null || typeof v !== 'object') return;
    if (!v.host && !v.path_prefix) ctx.addIssue({ code: 'custom', message: 'set host or path_prefix so requests can select this environment' });
    const u = parseUrl(v.upstream);
    if (v.tls !== undefined && u?.protocol === 'http:') ctx.addIssue({ code: 'custom', path: ['tls'], message: 'applies only to an https:// upstream (this one is http://)' });
  }, ALWAYS);

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
