import { z } from 'zod';
import { AIRFLOW_ROLES, ALWAYS, duration, httpUrl, isLoopbackHost, parseUrl, text } from './common.ts';

/**
 * Top-level sections owned by the tokens area (docs/machine-identities.md): `tokens:` (Airlock tokens: limits,
 * rate limit, service accounts) and `machine_issuers:` (IdP-issued workload JWTs mapped to service accounts).
 * Spread into the root schema; checkTokenReferences() runs in the root refinement (names of other sections).
 */

/** Actions a token may carry (the policy catalogue's actions; no "write"/"*" shorthands: a token lists what it does). */
export const TOKEN_ACTIONS = ['read', 'create', 'edit', 'delete', 'trigger', 'clear', 'pause', 'mark_success', 'mark_failed'] as const;

/** A DAG id glob: "*" any run of characters, "?" one character, otherwise dag_id characters. */
export const DAG_GLOB = /^[\p{L}\p{N}_.\-*?]{1,250}$/u;
/** A service account name; its Airflow user is "svc:<name>". */
export const SERVICE_ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const action = z.enum(TOKEN_ACTIONS, { error: `must be one of ${TOKEN_ACTIONS.join(', ')}` });
const dagGlob = z.string().regex(DAG_GLOB, 'must be a DAG id or a glob ("*" any characters, "?" one)');
const envName = z.string().min(1, 'must not be empty');

const serviceAccountSchema = z.strictObject({
  /** The Airflow role the service account holds (built-in or policy.roles). */
  role: z.string().min(1, 'must not be empty'),
  description: z.string().max(200).optional(),
  /** Environments its tokens and workloads may reach; omitted = every environment. */
  envs: z.array(envName).min(1).optional(),
  /** DAG id globs it may act on; omitted = every DAG. */
  dags: z.array(dagGlob).min(1).optional(),
  /** Actions it may take; omitted = tokens.allowed_actions. */
  actions: z.array(action).min(1).optional(),
});

const rateLimitSchema = z.strictObject({
  /** Sustained requests per second per token (per worker process). */
  per_second: z.number().positive().max(100_000).default(10),
  /** Requests a token may make in a burst (bucket size, per worker process). */
  burst: z.number().int().min(1).max(1_000_000).default(20),
});

export const tokensSchema = z
  .strictObject({
    /** Longest lifetime `airlock tokens create/rotate --ttl` may give. */
    max_ttl: duration.default(30 * 86_400_000),
    /** Lifetime when --ttl is not given. */
    default_ttl: duration.default(3_600_000),
    /** Lifetime of a person's token from `airlock login` (never longer than max_ttl). */
    personal_ttl: duration.default(8 * 3_600_000),
    /** Actions a token may carry at all. */
    allowed_actions: z.array(action).min(1).default([...TOKEN_ACTIONS]),
    rate_limit: rateLimitSchema.prefault({}),
    /** Named non-person identities: a role and the envs/DAGs/actions their tokens and workloads may use. */
    service_accounts: z
      .record(z.string().regex(SERVICE_ACCOUNT_NAME, 'service account names are lower-case letters, digits, ".", "_" and "-" (at most 63)'), serviceAccountSchema)
      .default({}),
  })
  .superRefine((v, ctx) => {
    if (typeof v.default_ttl === 'number' && typeof v.max_ttl === 'number' && v.default_ttl > v.max_ttl) {
      ctx.addIssue({ code: 'custom', path: ['default_ttl'], message: 'must not exceed max_ttl' });
    }
    if (typeof v.max_ttl === 'number' && v.max_ttl < 60_000) ctx.addIssue({ code: 'custom', path: ['max_ttl'], message: 'must be at least 1m' });
    if (typeof v.max_ttl === 'number' && v.max_ttl > 366 * 86_400_000) ctx.addIssue({ code: 'custom', path: ['max_ttl'], message: 'must be at most 366d (tokens must expire)' });
    const allowed = new Set(Array.isArray(v.allowed_actions) ? v.allowed_actions : []);
    for (const [name, sa] of Object.entries(v.service_accounts ?? {})) {
      (sa?.actions ?? []).forEach((a, i) => {
        if (!allowed.has(a)) ctx.addIssue({ code: 'custom', path: ['service_accounts', name, 'actions', i], message: `"${a}" is not in tokens.allowed_actions` });
      });
    }
  }, ALWAYS);

/** Asymmetric JWS algorithms only: an HMAC or "none" token can never verify. */
export const WORKLOAD_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const claimValue = text.pipe(z.string().min(1, 'must not be empty').max(500));

const mappingSchema = z.strictObject({
  /** Every listed claim must equal one of the values (a value may be a glob with "*" and "?"). */
  claims: z
    .record(z.string().regex(/^[A-Za-z0-9_.:/-]{1,100}$/, 'claim names are letters, digits and _ . : / -'), z.union([claimValue, z.array(claimValue).min(1)]).transform((x) => (Array.isArray(x) ? x : [x])))
    .refine((m) => Object.keys(m).length > 0, 'list at least one claim'),
  service_account: z.string().regex(SERVICE_ACCOUNT_NAME, 'must be a service account name'),
});

export const machineIssuerSchema = z
  .strictObject({
    /** Compared exactly with the JWT's `iss`. */
    issuer: httpUrl,
    /** The issuer's JWKS; default: `jwks_uri` from <issuer>/.well-known/openid-configuration. */
    jwks_uri: httpUrl.optional(),
    /** The JWT's `aud` must contain one of these (e.g. your public_url, or a resource indicator). */
    audiences: z.array(text.pipe(z.string().min(1, 'must not be empty'))).min(1),
    /** Accepted signature algorithms (asymmetric only). */
    algorithms: z.array(z.enum(WORKLOAD_ALGORITHMS, { error: `must be one of ${WORKLOAD_ALGORITHMS.join(', ')} (asymmetric algorithms only)` })).min(1).default(['RS256', 'ES256']),
    /** Required JOSE `typ` header, e.g. "at+jwt" for RFC 9068 access tokens; omitted = not checked. */
    typ: text.pipe(z.string().min(1)).optional(),
    /** Clock skew tolerated on exp, nbf and iat. */
    clock_tolerance: duration.default(30_000),
    /** Refuse tokens issued longer ago than this (needs `iat`); omitted = exp alone bounds the token. */
    max_age: duration.optional(),
    /** The claim that names the workload in audit events and decisions. */
    subject_claim: z.string().regex(/^[A-Za-z0-9_.:/-]{1,100}$/).default('sub'),
    /** Rules tried in order: the first whose claims all match gives the service account. */
    map: z.array(mappingSchema).min(1),
    /** Permit an http:// issuer or JWKS on localhost (development, tests). */
    allow_insecure_http: z.boolean().default(false),
    /** JWKS fetch timeout. */
    timeout: duration.default(5_000),
    /** How long a fetched JWKS is used before it is fetched again. */
    jwks_cache: duration.default(600_000),
    /** After a fetch, an unknown `kid` does not trigger another fetch for this long. */
    jwks_cooldown: duration.default(30_000),
  })
  .superRefine((v, ctx) => {
    if (v === null || typeof v !== 'object') return;
    for (const field of ['issuer', 'jwks_uri'] as const) {
      const u = parseUrl(v[field]);
      if (u && u.protocol === 'http:' && !(v.allow_insecure_http === true && isLoopbackHost(u.hostname))) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'must be https:// (http:// only for localhost with allow_insecure_http: true)' });
      }
    }
    if (typeof v.clock_tolerance === 'number' && v.clock_tolerance > 300_000) ctx.addIssue({ code: 'custom', path: ['clock_tolerance'], message: 'must be at most 5m' });
  }, ALWAYS);

export const tokenSections = {
  tokens: tokensSchema.prefault({}),
  machine_issuers: z.array(machineIssuerSchema).default([]),
};

export type TokensConfig = z.infer<typeof tokensSchema>;
export type MachineIssuerConfig = z.infer<typeof machineIssuerSchema>;
export type ServiceAccountConfig = z.infer<typeof serviceAccountSchema>;

/**
 * Cross-section checks (run by the root schema even when other sections have issues): service accounts name
 * configured environments and known roles; issuer mappings name configured service accounts; issuers are unique.
 */
export function checkTokenReferences(cfg: { tokens?: unknown; machine_issuers?: unknown; environments?: unknown }, customRoles: ReadonlySet<string>, ctx: z.RefinementCtx): void {
  const envs = cfg.environments !== null && typeof cfg.environments === 'object' ? new Set(Object.keys(cfg.environments)) : undefined;
  const tokens = cfg.tokens as { service_accounts?: Record<string, { role?: unknown; envs?: unknown }> } | undefined;
  const accounts = tokens?.service_accounts !== null && typeof tokens?.service_accounts === 'object' ? tokens.service_accounts : {};
  for (const [name, sa] of Object.entries(accounts)) {
    if (sa === null || typeof sa !== 'object') continue;
    if (typeof sa.role === 'string' && sa.role !== '' && !(AIRFLOW_ROLES as readonly string[]).includes(sa.role) && !customRoles.has(sa.role)) {
      ctx.addIssue({ code: 'custom', path: ['tokens', 'service_accounts', name, 'role'], message: `unknown role "${sa.role}"; use one of ${AIRFLOW_ROLES.join(', ')} or a custom role from policy.roles` });
    }
    if (envs && Array.isArray(sa.envs)) {
      sa.envs.forEach((e, i) => {
        if (typeof e === 'string' && e !== '*' && !envs.has(e)) ctx.addIssue({ code: 'custom', path: ['tokens', 'service_accounts', name, 'envs', i], message: `unknown environment "${e}"` });
      });
    }
  }
  if (!Array.isArray(cfg.machine_issuers)) return;
  const seen = new Set<string>();
  cfg.machine_issuers.forEach((iss: { issuer?: unknown; map?: unknown }, i) => {
    if (iss === null || typeof iss !== 'object') return;
    if (typeof iss.issuer === 'string') {
      if (seen.has(iss.issuer)) ctx.addIssue({ code: 'custom', path: ['machine_issuers', i, 'issuer'], message: 'this issuer is listed twice' });
      seen.add(iss.issuer);
    }
    if (!Array.isArray(iss.map)) return;
    iss.map.forEach((m: { service_account?: unknown }, j) => {
      if (m && typeof m.service_account === 'string' && !Object.hasOwn(accounts, m.service_account)) {
        ctx.addIssue({ code: 'custom', path: ['machine_issuers', i, 'map', j, 'service_account'], message: `unknown service account "${m.service_account}"; define it under tokens.service_accounts` });
      }
    });
  });
}
