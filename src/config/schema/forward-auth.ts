import { z } from 'zod';

/**
 * Forward-auth mode (docs/forward-auth.md): nginx `auth_request`, Traefik ForwardAuth or Envoy `ext_authz` ask
 * `/.airlock/authz` whether to let a request through, and carry the bytes themselves. Off by default; when on, the
 * ingress must be listed in `trusted_proxies` (nobody else may ask).
 */
export const forwardAuthSchema = z.strictObject({
  enabled: z.boolean().default(false),
});

export type ForwardAuthConfig = z.infer<typeof forwardAuthSchema>;
