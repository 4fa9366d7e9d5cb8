import { z } from 'zod';
import { AIRFLOW_ROLES, ALWAYS, cidr, httpUrl, isLoopbackHost, listenAddress, parseUrl, rpIdCovers, text } from './common.ts';
import { idpSchema } from './idp.ts';
import { listenTlsSchema } from './listen-tls.ts';
import { environmentsSchema } from './environments.ts';
import { cookieSchema, sessionSchema } from './session.ts';
import { storeSchema } from './store.ts';
import { assertionSchema } from './assertion.ts';
import { auditSchema } from './audit.ts';
import { policySections } from './policy.ts';
import { webauthnSections } from './webauthn.ts';
import { checkTokenReferences, tokenSections } from './tokens.ts';
import { scimSections } from './scim.ts';
import { approvalSections, checkApprovalReferences } from './approvals.ts';
import { forwardAuthSchema } from './forward-auth.ts';

const roleName = z.string().min(1, 'must not be empty');
/** IdP group (as the IdP sends it) -> one Airflow role or a list of roles. */
const rolesSchema = z.record(
  z.string().min(1, 'group names must not be empty'),
  z.union([roleName, z.array(roleName).min(1, 'list at least one role')], { error: 'must be a role name or a list of role names' }).transform((v) => (Array.isArray(v) ? v : [v])),
);

export const configSchema = z
  .strictObject({
    listen: listenAddress.default({ host: '0.0.0.0', port: 8080 }),
    /** Serve https on `listen` with this certificate (else plain HTTP, for a TLS terminator in front). */
    listen_tls: listenTlsSchema.optional(),
    /** A second, plain-HTTP listener for probes, the JWKS and metrics only (any Host); off by default. */
    internal_listen: listenAddress.optional(),
    /** Also serve /.airlock/metrics on `listen` (the public listener). Off: metrics only on internal_listen. */
    public_metrics: z.boolean().default(false),
    /** The URL people use to reach Airlock; the redirect URI is <public_url>/.airlock/callback. */
    public_url: httpUrl.transform((v) => v.replace(/\/+$/, '')),
    /** Worker processes; "auto" = the number of cores. */
    workers: z.union([z.literal('auto'), z.number().int().min(1).max(256)], { error: 'must be "auto" or a whole number from 1 to 256' }).default('auto'),
    log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') }).prefault({}),
    idp: idpSchema,
    roles: rolesSchema.default({}),
    environments: environmentsSchema,
    session: sessionSchema.prefault({}),
    cookie: cookieSchema.prefault({}),
    /** Peers whose X-Forwarded-For / -Proto / -Host are believed. Nobody by default. */
    trusted_proxies: z.array(cidr).default([]),
    store: storeSchema.prefault('sqlite:./airlock.db'),
    assertion: assertionSchema.prefault({}),
    audit: auditSchema.prefault({}),
    /** Max bytes of a request body read for DAG ids (larger bodies on such routes are refused with 413). */
    max_inspected_body: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
    /** Forward-auth mode: /.airlock/authz answers nginx auth_request, Traefik ForwardAuth, Envoy ext_authz (off by default). */
    forward_auth: forwardAuthSchema.prefault({}),
    ...policySections,
    ...webauthnSections,
    ...tokenSections,
    ...scimSections,
    ...approvalSections,
  })
  .superRefine((cfg, ctx) => {
    // Runs even when other sections have issues (every problem at once), so every value is type-checked here.
    const u = parseUrl(cfg.public_url);
    if (u && (u.protocol === 'http:' || u.protocol === 'https:')) checkPublicUrl(u, cfg, ctx);
    const il = cfg.internal_listen as { port?: unknown } | undefined;
    if (il && typeof il.port === 'number' && il.port !== 0 && il.port === (cfg.listen as { port?: unknown } | undefined)?.port) {
      ctx.addIssue({ code: 'custom', path: ['internal_listen'], message: 'must use another port than listen' });
    }
    const custom = customRoleNames(cfg);
    const roles = cfg.roles !== null && typeof cfg.roles === 'object' ? cfg.roles : {};
    for (const [group, list] of Object.entries(roles)) {
      if (!Array.isArray(list)) continue;
      list.forEach((r, i) => {
        if (typeof r === 'string' && !(AIRFLOW_ROLES as readonly string[]).includes(r) && !custom.has(r)) {
          ctx.addIssue({ code: 'custom', path: ['roles', group, ...(list.length > 1 ? [i] : [])], message: `unknown role "${r}"; use one of ${AIRFLOW_ROLES.join(', ')} or a custom role from policy.roles` });
        }
      });
    }
    checkTokenReferences(cfg, custom, ctx);
    checkApprovalReferences(cfg, ctx);
    const fa = cfg.forward_auth as { enabled?: unknown } | undefined;
    if (fa?.enabled === true && Array.isArray(cfg.trusted_proxies) && cfg.trusted_proxies.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['forward_auth', 'enabled'], message: 'needs trusted_proxies listing the ingress (nginx, Traefik, Envoy) that asks /.airlock/authz' });
    }
  }, ALWAYS)
  .transform((cfg) => {
    const https = new URL(cfg.public_url).protocol === 'https:';
    return { ...cfg, cookie: { ...cfg.cookie, name: cfg.cookie.name ?? (https ? '__Host-airlock' : 'airlock') } };
  });

function checkPublicUrl(u: URL, cfg: { cookie: unknown; webauthn?: unknown; listen_tls?: unknown }, ctx: z.RefinementCtx): void {
  if (u.pathname !== '/' && u.pathname !== '') ctx.addIssue({ code: 'custom', path: ['public_url'], message: 'must be an origin without a path, e.g. https://airflow.example.com' });
  if (u.search !== '' || u.hash !== '') ctx.addIssue({ code: 'custom', path: ['public_url'], message: 'must not have a query or fragment' });
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) ctx.addIssue({ code: 'custom', path: ['public_url'], message: 'must be https:// (http:// is allowed only for localhost development)' });
  if (u.protocol === 'http:' && cfg.listen_tls !== undefined) ctx.addIssue({ code: 'custom', path: ['public_url'], message: 'must be https:// when Airlock serves TLS itself (listen_tls)' });
  const rpId = (cfg.webauthn as { rp_id?: unknown } | undefined)?.rp_id;
  const host = u.hostname.toLowerCase();
  if (typeof rpId === 'string' && !rpIdCovers(rpId, host)) {
    ctx.addIssue({ code: 'custom', path: ['webauthn', 'rp_id'], message: `must be public_url's host (${host}) or a parent domain of it` });
  }
  const name = (cfg.cookie as { name?: unknown } | undefined)?.name;
  if (u.protocol === 'https:' && typeof name === 'string' && !name.startsWith('__Host-')) {
    ctx.addIssue({ code: 'custom', path: ['cookie', 'name'], message: 'must start with "__Host-" on https' });
  }
}

function customRoleNames(cfg: { policy?: unknown }): Set<string> {
  const policy = cfg.policy as { roles?: unknown } | undefined;
  const roles = policy && typeof policy === 'object' ? policy.roles : undefined;
  return new Set(roles && typeof roles === 'object' ? Object.keys(roles) : []);
}

export type AirlockConfig = z.infer<typeof configSchema>;
/** The cookie section as loaded: `name` is always set (the default depends on public_url's scheme). */
export type CookieConfig = AirlockConfig['cookie'];
export type { IdpConfig } from './idp.ts';
export type { EnvironmentConfig } from './environments.ts';
export type { SessionConfig } from './session.ts';
export type { StoreConfig } from './store.ts';
export type { AssertionConfig } from './assertion.ts';
export type { TokensConfig, MachineIssuerConfig, ServiceAccountConfig } from './tokens.ts';
export type { ApprovalsConfig } from './approvals.ts';
export type { ScimConfig } from './scim.ts';
export { TOKEN_ACTIONS, WORKLOAD_ALGORITHMS, DAG_GLOB, SERVICE_ACCOUNT_NAME } from './tokens.ts';
export { text, httpUrl, duration, secret } from './common.ts';
export { AIRFLOW_ROLES } from './common.ts';
