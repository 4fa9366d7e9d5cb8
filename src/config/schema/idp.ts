import { z } from 'zod';
import { ALWAYS, duration, httpUrl, isLoopbackHost, parseUrl, secret, text } from './common.ts';
import { Secret } from '../secret.ts';

/** Where each identity attribute is read from: a dotted path ("realm_access.roles") or a full claim name ("https://example.com/groups"). */
export const claimsSchema = z.strictObject({
  subject: text.default('sub'),
  username: text.default('preferred_username'),
  email: text.default('email'),
  name: text.default('name'),
  groups: text.default('groups'),
});

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;

/** "graph.microsoft.com", "localhost:8443", "[::1]:9000": a host name or IP, optionally with a port; kept lower-case. */
const sourceHost = text.pipe(
  z
    .string()
    .transform((v) => v.toLowerCase())
    .refine((v) => /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?$/.test(v), 'must be a host name or IP, optionally with :port (no scheme, path or wildcard)'),
);

/**
 * Resolving a groups claim the IdP left out as a distributed claim (OIDC Core 5.6.2; Entra ID "group overage"):
 * only endpoints on these hosts are called, with the person's access token, within idp.timeout in total.
 */
export const distributedGroupsSchema = z.strictObject({
  allowed_hosts: z.array(sourceHost).default(['graph.microsoft.com']),
  max_pages: z.number().int().min(1).max(1000).default(50),
  max_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
});

export const idpSchema = z
  .strictObject({
    issuer: httpUrl,
    /** Defaults to <issuer>/.well-known/openid-configuration. */
    discovery_url: httpUrl.optional(),
    client_id: text.pipe(z.string().min(1, 'must not be empty')),
    client_secret: secret.optional(),
    token_endpoint_auth_method: z
      .enum(AUTH_METHODS)
      .default('client_secret_basic'),
    /** PEM (PKCS#8) private key for private_key_jwt. */
    private_key: secret.optional(),
    private_key_alg: z.enum(['RS256', 'PS256', 'ES256']).default('RS256'),
    private_key_kid: text.optional(),
    scopes: z.array(text).default(['openid', 'profile', 'email']),
    /** Extra authorization request parameters, e.g. { prompt: login } or Auth0's { audience: ... }. */
    auth_params: z.record(z.string(), text).default({}),
    claims: claimsSchema.prefault({}),
    /** Read the userinfo endpoint after the token exchange (its sub must equal the ID token's). */
    userinfo: z.boolean().default(true),
    /** HTTP timeout for calls to the IdP. */
    timeout: duration.default(10_000),
    /** Permit an http:// issuer (only for localhost development and tests). */
    allow_insecure_http: z.boolean().default(false),
    /** Clock skew tolerated on iat/exp, seconds. */
    clock_tolerance: z.number().int().min(0).max(300).default(30),
    /** Where a distributed groups claim may be fetched from, and how much of it (see distributedGroupsSchema). */
    distributed_groups: distributedGroupsSchema.prefault({}),
  })
  .superRefine((v, ctx) => {
    // Runs even when other idp fields have issues (so every problem is reported at once): check types first.
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v.scopes) && !v.scopes.includes('openid')) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'must include "openid"' });
    const method = (AUTH_METHODS as readonly unknown[]).includes(v.token_endpoint_auth_method) ? v.token_endpoint_auth_method : undefined;
    if (method === undefined) {
      // token_endpoint_auth_method itself has an issue; nothing to cross-check.
    } else if (method === 'private_key_jwt') {
      if (v.private_key === undefined) ctx.addIssue({ code: 'custom', path: ['private_key'], message: 'required when token_endpoint_auth_method is private_key_jwt' });
    } else if (v.client_secret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['client_secret'], message: `required when token_endpoint_auth_method is ${method}` });
    }
    if (method !== undefined && method !== 'private_key_jwt' && v.private_key instanceof Secret) {
      ctx.addIssue({ code: 'custom', path: ['private_key'], message: 'is used only with token_endpoint_auth_method: private_key_jwt' });
    }
    for (const field of ['issuer', 'discovery_url'] as const) {
      const u = parseUrl(v[field]);
      if (u && u.protocol === 'http:' && !(v.allow_insecure_http && isLoopbackHost(u.hostname))) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'must be https:// (http:// only for localhost with allow_insecure_http: true)' });
      }
    }
  }, ALWAYS);

export type IdpConfig = z.infer<typeof idpSchema>;
