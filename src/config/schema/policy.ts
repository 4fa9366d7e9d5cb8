import { z } from 'zod';
import { duration, secret } from './common.ts';

/**
 * Top-level config sections owned by the policy area: `policy:` (roles, allow-list, step-up, environment
 * defaults, DAG metadata) and `dags:` (per-DAG rules). Spread into the root schema. See docs/policy.md.
 */

/** Actions a per-DAG rule can name; "write" = every action except read, "mark" = mark_success + mark_failed, "*" = all. */
export const RULE_ACTIONS = ['read', 'create', 'edit', 'delete', 'trigger', 'clear', 'pause', 'mark_success', 'mark_failed', 'write', 'mark', '*'] as const;

/** "group:<IdP group>", "user:<username>", "role:<Airflow role>", "kind:<person|service|agent>" or "*" (everybody). */
const subject = z
  .string()
  .regex(/^(\*|(group|user|role|email):.+|kind:(person|service|agent))$/, 'must be "group:NAME", "user:NAME", "role:NAME", "email:ADDRESS", "kind:person|service|agent" or "*"');

const grants = z
  .partialRecord(z.enum(RULE_ACTIONS), z.array(subject).min(1))
  .optional();

const envList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

export const dagRuleSchema = z
  .strictObject({
    /** Stable id shown in reasons, logs and audit; defaults to "dags[<index>]". */
    id: z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/, 'ids are letters, digits and _ . : -').optional(),
    name: z.string().max(200).optional(),
    /** Environment(s) the rule applies to; omitted = every environment. */
    env: envList.optional(),
    /** Glob on dag_id: "*" any run of characters, "?" one character. */
    match: z.string().min(1).optional(),
    /** JavaScript regular expression on dag_id (anchor it yourself). */
    regex: z.string().min(1).optional(),
    dag_ids: z.array(z.string().min(1)).min(1).optional(),
    /** Needs policy.dag_metadata for the environment. */
    tags: z.array(z.string().min(1)).min(1).optional(),
    owners: z.array(z.string().min(1)).min(1).optional(),
    allow: grants,
    deny: grants,
  })
  .superRefine((r, ctx) => {
    const selectors = ['match', 'regex', 'dag_ids', 'tags', 'owners'].filter((k) => r[k as keyof typeof r] !== undefined);
    if (selectors.length !== 1) ctx.addIssue({ code: 'custom', message: 'set exactly one of match, regex, dag_ids, tags, owners' });
    if (!r.allow && !r.deny) ctx.addIssue({ code: 'custom', message: 'set allow or deny (or both)' });
    if (r.regex !== undefined) {
      try {
        new RegExp(r.regex, 'u');
      } catch {
        ctx.addIssue({ code: 'custom', path: ['regex'], message: 'is not a valid regular expression' });
      }
    }
  });

const permission = z.tuple([z.string().regex(/^(can_[a-z]+|menu_access)$/, 'must be can_read, can_create, can_edit, can_delete or menu_access'), z.string().min(1)]);

const customRole = z.strictObject({
  /** Built-in or custom roles whose permissions this role includes. */
  extends: z.array(z.string().min(1)).default([]),
  permissions: z.array(permission).default([]),
});

const allowEntry = z.strictObject({
  /** Exact path, or a prefix ending in "/**". */
  path: z.string().regex(/^\/[^?#]*$/, 'must be a path starting with "/"'),
  methods: z.array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])).min(1).default(['GET', 'HEAD']),
  /** Only for environments of this Airflow major version; omitted = both. */
  airflow: z.union([z.literal(2), z.literal(3)]).optional(),
});

const stepUp = z.strictObject({
  env: envList,
  actions: z.array(z.enum(RULE_ACTIONS)).min(1),
  /** A second factor older than this must be repeated. */
  within: duration,
});

const envDefaults = z.strictObject({
  /** Like a dags: rule that matches every DAG of the environment. */
  allow: grants,
  deny: grants,
});

const dagMetadata = z.strictObject({
  /**
   * Unset (the default): the gateway reads the DAG list as its own service principal, with a signed assertion
   * (user airlock-dag-metadata, role Viewer), which the airflow-airlock integration accepts. Set only for an
   * Airflow without the integration: a Bearer token, or "user:password" with scheme basic.
   */
  token: secret.optional(),
  scheme: z.enum(['bearer', 'basic']).default('bearer'),
  /** How often the DAG list is re-read. */
  refresh: duration.default(60_000),
  /** A snapshot older than this is treated as missing (rules on tags/owners then deny). */
  max_age: duration.default(600_000),
  timeout: duration.default(10_000),
});

export const policySchema = z.strictObject({
  /** Which Airflow release's default role definitions to use (from airflow2-default-roles.json). */
  roles_version: z.enum(['2.7.3', '2.8.4', '2.9.3', '2.10.5']).default('2.10.5'),
  roles: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9 _-]{0,63}$/, 'role names are letters, digits, space, _ and -'), customRole).default({}),
  /** Routes that skip role and DAG checks (static assets, health). Replaces the documented default list when set. */
  allow_list: z.array(allowEntry).optional(),
  step_up: z.array(stepUp).default([]),
  /** Per-environment defaults, e.g. { prod: { allow: { trigger: [group:oncall], clear: [group:oncall] } } }. */
  env_defaults: z.record(z.string(), envDefaults).default({}),
  /** Per-environment DAG metadata source (for tags/owners rules). */
  dag_metadata: z.record(z.string(), dagMetadata).default({}),
  /** Entries of the per-dag_id rule cache kept per compiled policy. */
  cache_size: z.number().int().min(0).max(1_000_000).default(10_000),
});

export const policySections = {
  policy: policySchema.default({ roles_version: '2.10.5', roles: {}, step_up: [], env_defaults: {}, dag_metadata: {}, cache_size: 10_000 }),
  dags: z.array(dagRuleSchema).default([]),
};

export type PolicyConfig = z.infer<typeof policySchema>;
export type DagRuleConfig = z.infer<typeof dagRuleSchema>;
