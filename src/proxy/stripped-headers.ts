/**
 * THE table of request headers a client may never send upstream (docs/proxy.md, "Headers removed by name";
 * a test checks that the docs table equals this one, and one test per header proves it is removed, for HTTP
 * and for WebSocket upgrades). A pattern ending in "*" is a prefix (the "*" is not part of it); any other
 * pattern is an exact name. Names compare lower-cased, with "_" read as "-" (every name with "_" is dropped
 * anyway). Naming one of these in Connection is refused (AIRLOCK_PROXY_BAD_HEADER).
 */

export type StrippedKind = 'gateway' | 'client address' | 'URL rewrite' | 'method override' | 'host' | 'identity';

export interface StrippedHeader {
  /** As documented: "X-Original-URI" (exact) or "X-Auth-*" (prefix). */
  readonly pattern: string;
  readonly kind: StrippedKind;
  /** Who legitimately sets it (the proxy or product whose trust a client would borrow). */
  readonly setBy: string;
  /** For a prefix: names it covers that are worth naming (each one is tested). */
  readonly examples: readonly string[];
}

function h(pattern: string, kind: StrippedKind, setBy: string, examples: readonly string[] = []): StrippedHeader {
  return Object.freeze({ pattern, kind, setBy, examples: Object.freeze([...examples]) });
}

export const STRIPPED_REQUEST_HEADERS: readonly StrippedHeader[] = Object.freeze([
  // set by this gateway
  h('X-Airlock*', 'gateway', 'Airlock itself (identity headers and the assertion)', ['X-Airlock-User', 'X-Airlock-Email', 'X-Airlock-Roles', 'X-Airlock-Assertion']),
  h('Forwarded', 'gateway', 'RFC 7239 proxies; Airlock sends X-Forwarded-* instead'),
  h('X-Forwarded-*', 'gateway', 'Airlock (For, Proto, Host, Port); Apache mod_proxy and Traefik (Server); Traefik ForwardAuth (Uri, Method); oauth2-proxy (User, Email, Preferred-Username, Groups, Access-Token)', [
    'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host', 'X-Forwarded-Port', 'X-Forwarded-Prefix', 'X-Forwarded-Server', 'X-Forwarded-Uri', 'X-Forwarded-Method',
    'X-Forwarded-User', 'X-Forwarded-Email', 'X-Forwarded-Preferred-Username', 'X-Forwarded-Groups', 'X-Forwarded-Access-Token',
  ]),
  // the client address is X-Forwarded-For, worked out by the gateway
  h('X-Real-IP', 'client address', 'nginx, Traefik'),
  h('X-Client-IP', 'client address', 'various load balancers and frameworks'),
  h('X-Cluster-Client-IP', 'client address', 'Rackspace and Riverbed load balancers'),
  h('True-Client-IP', 'client address', 'Akamai, Cloudflare Enterprise'),
  h('CF-Connecting-IP', 'client address', 'Cloudflare'),
  h('Fastly-Client-IP', 'client address', 'Fastly'),
  // the path Airflow sees is the one the policy decided
  h('X-Original-URI', 'URL rewrite', 'nginx auth_request set-ups'),
  h('X-Original-URL', 'URL rewrite', 'IIS URL Rewrite; read by Symfony and Zend'),
  h('X-Rewrite-URL', 'URL rewrite', 'IIS ISAPI_Rewrite; read by Symfony and Zend'),
  h('X-Override-URL', 'URL rewrite', 'URL-override convention'),
  h('X-Request-URI', 'URL rewrite', 'nginx set-ups passing $request_uri'),
  h('X-Envoy-*', 'URL rewrite', 'Envoy (original path, retries, timeouts, internal-request marker)', ['X-Envoy-Original-Path', 'X-Envoy-Internal', 'X-Envoy-Retry-On']),
  // the method Airflow sees is the one the policy decided
  h('X-HTTP-Method-Override', 'method override', 'Google APIs, Express method-override and many frameworks'),
  h('X-HTTP-Method', 'method override', 'OData / Microsoft'),
  h('X-Method-Override', 'method override', 'method-override convention'),
  h('X-Original-Method', 'method override', 'nginx auth_request set-ups'),
  // the host Airflow sees is the Host header the gateway checked
  h('X-Host', 'host', 'host-override convention'),
  h('X-Original-Host', 'host', 'Azure Application Gateway and Front Door'),
  h('X-HTTP-Host-Override', 'host', 'host-override convention'),
  // identity asserted by other authenticating proxies: Airflow gets identity from the assertion only
  h('Remote-User', 'identity', 'Authelia; REMOTE_USER set-ups'),
  h('Remote-Groups', 'identity', 'Authelia'),
  h('Remote-Email', 'identity', 'Authelia'),
  h('Remote-Name', 'identity', 'Authelia'),
  h('X-Remote-*', 'identity', 'Apache and NetBox-style REMOTE_USER set-ups; Kubernetes request-header authentication', ['X-Remote-User', 'X-Remote-Group', 'X-Remote-Extra-Scopes']),
  h('X-Auth-*', 'identity', 'oauth2-proxy (X-Auth-Request-*); Traefik ForwardAuth set-ups (X-Auth-User); Keycloak Gatekeeper / Louketo', [
    'X-Auth-Request-User', 'X-Auth-Request-Email', 'X-Auth-Request-Preferred-Username', 'X-Auth-Request-Groups', 'X-Auth-Request-Access-Token',
    'X-Auth-User', 'X-Auth-Username', 'X-Auth-Email', 'X-Auth-Roles', 'X-Auth-Token',
  ]),
  h('X-WebAuth-*', 'identity', 'Grafana auth proxy, Stanford WebAuth', ['X-WebAuth-User']),
  h('X-User', 'identity', 'nginx auth_request set-ups (oauth2-proxy examples)'),
  h('X-Username', 'identity', 'Pomerium claim-header examples, various'),
  h('X-Email', 'identity', 'nginx auth_request set-ups, Pomerium claim-header examples'),
  h('GAP-Auth', 'identity', 'oauth2-proxy'),
  h('GAP-Signature', 'identity', 'oauth2-proxy (signed upstream requests)'),
  h('X-Pomerium-*', 'identity', 'Pomerium', ['X-Pomerium-Jwt-Assertion', 'X-Pomerium-Claim-Email']),
  h('X-Authentik-*', 'identity', 'authentik', ['X-Authentik-Username', 'X-Authentik-Groups']),
  h('X-Vouch-*', 'identity', 'Vouch Proxy', ['X-Vouch-User', 'X-Vouch-IdP-Claims-Groups']),
  h('Cf-Access-*', 'identity', 'Cloudflare Access', ['Cf-Access-Jwt-Assertion', 'Cf-Access-Authenticated-User-Email']),
  h('X-Goog-Authenticated-User-*', 'identity', 'Google Cloud IAP', ['X-Goog-Authenticated-User-Email', 'X-Goog-Authenticated-User-Id']),
  h('X-Goog-IAP-JWT-Assertion', 'identity', 'Google Cloud IAP'),
  h('X-Amzn-Oidc-*', 'identity', 'AWS Application Load Balancer', ['X-Amzn-Oidc-Data', 'X-Amzn-Oidc-Identity', 'X-Amzn-Oidc-Accesstoken']),
  h('X-MS-Client-Principal*', 'identity', 'Azure App Service authentication', ['X-MS-Client-Principal', 'X-MS-Client-Principal-Name', 'X-MS-Client-Principal-Id']),
  h('X-MS-Token-*', 'identity', 'Azure App Service authentication', ['X-MS-Token-AAD-ID-Token']),
]);

/** Lower-case exact names of the table. */
const EXACT: ReadonlySet<string> = new Set(STRIPPED_REQUEST_HEADERS.filter((e) => !e.pattern.endsWith('*')).map((e) => e.pattern.toLowerCase()));

/**
 * Lower-case prefixes, bucketed by (first char, third char) of the name, so that a name is compared with the
 * one or two prefixes that could match (no allocation; most names meet an empty bucket). Every prefix has at
 * least 3 characters; header names are ASCII tokens.
 */
const PREFIX_BUCKETS: readonly (readonly string[] | undefined)[] = (() => {
  const buckets: (string[] | undefined)[] = new Array(128 * 128).fill(undefined);
  for (const e of STRIPPED_REQUEST_HEADERS) {
    if (!e.pattern.endsWith('*')) continue;
    const p = e.pattern.slice(0, -1).toLowerCase();
    if (p.length < 3 || !/^[\x21-\x7e]+$/.test(p)) throw new TypeError(`stripped header prefix "${p}" must be at least 3 ASCII characters`);
    const i = bucketOf(p);
    (buckets[i] ??= []).push(p);
  }
  return Object.freeze(buckets.map((b) => (b === undefined ? undefined : Object.freeze(b))));
})();

function bucketOf(lowerName: string): number {
  // charCodeAt past the end is NaN, and NaN & 127 is 0: a name shorter than 3 meets bucket (c0, 0), always empty
  return ((lowerName.charCodeAt(0) & 127) << 7) | (lowerName.charCodeAt(2) & 127);
}

/** True when a lower-case (canonical) header name is in the table, exactly or by prefix. */
export function isStrippedHeader(lowerName: string): boolean {
  if (EXACT.has(lowerName)) return true;
  const bucket = PREFIX_BUCKETS[bucketOf(lowerName)];
  if (bucket === undefined) return false;
  for (let i = 0; i < bucket.length; i++) if (lowerName.startsWith(bucket[i]!)) return true;
  return false;
}
