import { defineError } from '../errors/index.ts';

/** Forward-auth (/.airlock/authz): the ingress's description of the request it asks about (docs/forward-auth.md). */
export const AuthzUntrustedSource = defineError(
  'AIRLOCK_AUTHZ_UNTRUSTED_SOURCE',
  403,
  'Only an ingress listed in trusted_proxies may ask for a forward-auth decision.',
);
export const AuthzNoOriginalRequest = defineError(
  'AIRLOCK_AUTHZ_NO_ORIGINAL_REQUEST',
  400,
  'The ingress did not say which request to decide: send X-Original-Method and X-Original-URI (nginx), X-Forwarded-Method, X-Forwarded-Uri and X-Forwarded-Host (Traefik), or the request path after /.airlock/authz (Envoy path_prefix).',
);
export const AuthzAmbiguousOriginal = defineError(
  'AIRLOCK_AUTHZ_AMBIGUOUS_ORIGINAL',
  400,
  'The ingress described the request more than once or in more than one way; nothing was decided.',
);
