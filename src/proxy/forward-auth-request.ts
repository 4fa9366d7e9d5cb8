import { parseIp } from '../config/index.ts';
import { AuthzAmbiguousOriginal, AuthzNoOriginalRequest } from './forward-auth-errors.ts';
import { isTrustedIp, type TrustedProxies } from './trusted-proxies.ts';

/** The forward-auth endpoint. Envoy's `path_prefix` form appends the original path: /.airlock/authz/api/v1/dags. */
export const AUTHZ_PATH = '/.airlock/authz';

/** Which ingress asked, told by the headers it describes the request with. */
export type IngressKind = 'nginx' | 'traefik' | 'envoy';

/** The request an ingress asks about (method and target still raw: the canonicalizer judges them). */
export interface OriginalRequest {
  readonly ingress: IngressKind;
  readonly method: string;
  /** The original request target, origin-form (path and query) as the client sent it. */
  readonly target: string;
  /** The Host the client used: selects the environment as in the proxy. */
  readonly host: string | undefined;
}

/** Whether a raw request target addresses the forward-auth endpoint (exact spelling; nothing normalized). */
export function isAuthzTarget(rawUrl: string): boolean {
  return rawUrl === AUTHZ_PATH || (rawUrl.startsWith(AUTHZ_PATH) && (rawUrl.charCodeAt(AUTHZ_PATH.length) === 0x2f || rawUrl.charCodeAt(AUTHZ_PATH.length) === 0x3f));
}

/** Whether the TCP peer is inside trusted_proxies (an IPv4 CIDR also matches the IPv4-mapped IPv6 form). */
export function isTrustedPeer(t: TrustedProxies, remoteAddress: string | undefined): boolean {
  const ip = remoteAddress === undefined ? undefined : parseIp(remoteAddress);
  return ip !== undefined && isTrustedIp(t, ip);
}

const DESCRIBING = ['x-original-method', 'x-original-uri', 'x-forwarded-method', 'x-forwarded-uri'] as const;

/**
 * Reads which request an ingress asks about (docs/forward-auth.md). Trust the result only from a trusted peer
 * (isTrustedPeer): these headers are what a client would forge.
 * - nginx `auth_request`: `GET /.airlock/authz` with X-Original-Method + X-Original-URI; the Host header is the
 *   client's (`proxy_set_header Host $http_host`), which nginx always sets itself.
 * - Traefik ForwardAuth: `/.airlock/authz` with X-Forwarded-Method + X-Forwarded-Uri + X-Forwarded-Host (Traefik
 *   overwrites any client copy unless trustForwardHeader is on).
 * - Envoy ext_authz (HTTP service, `path_prefix: /.airlock/authz`): the original method, the original path after
 *   the prefix, the original Host (:authority).
 * Refuses (400) a request that names none of these (AIRLOCK_AUTHZ_NO_ORIGINAL_REQUEST), or that is ambiguous: a
 * describing header repeated, headers of two styles, the Envoy form with describing headers, a query on the bare
 * endpoint, an nginx or Traefik description missing one of its headers (AIRLOCK_AUTHZ_AMBIGUOUS_ORIGINAL).
 */
export function readOriginalRequest(method: string, rawUrl: string, rawHeaders: readonly string[]): OriginalRequest {
  if (!isAuthzTarget(rawUrl)) throw AuthzNoOriginalRequest.create({ logMessage: `not the forward-auth endpoint: ${JSON.stringify(rawUrl.slice(0, 80))}` });
  const found: Partial<Record<(typeof DESCRIBING)[number] | 'x-forwarded-host' | 'host', string>> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (name !== 'host' && name !== 'x-forwarded-host' && !(DESCRIBING as readonly string[]).includes(name)) continue;
    if (found[name as keyof typeof found] !== undefined) throw ambiguous(`${name} sent more than once`);
    found[name as keyof typeof found] = rawHeaders[i + 1]!;
  }
  const nginx = found['x-original-method'] !== undefined || found['x-original-uri'] !== undefined;
  const traefik = found['x-forwarded-method'] !== undefined || found['x-forwarded-uri'] !== undefined;
  if (rawUrl !== AUTHZ_PATH) {
    if (rawUrl.charCodeAt(AUTHZ_PATH.length) === 0x3f) throw ambiguous('a query on /.airlock/authz');
    if (nginx || traefik) throw ambiguous('the Envoy path form together with X-Original-* or X-Forwarded-Method/-Uri');
    return { ingress: 'envoy', method, target: rawUrl.slice(AUTHZ_PATH.length), host: found.host };
  }
  if (nginx && traefik) throw ambiguous('both X-Original-* (nginx) and X-Forwarded-Method/-Uri (Traefik)');
  if (nginx) {
    const m = found['x-original-method'];
    const u = found['x-original-uri'];
    if (m === undefined || u === undefined) throw ambiguous('X-Original-Method and X-Original-URI must come together');
    return { ingress: 'nginx', method: m.trim(), target: u.trim(), host: found.host };
  }
  if (traefik) {
    const m = found['x-forwarded-method'];
    const u = found['x-forwarded-uri'];
    const h = found['x-forwarded-host'];
    if (m === undefined || u === undefined || h === undefined) throw ambiguous('X-Forwarded-Method, X-Forwarded-Uri and X-Forwarded-Host must come together');
    return { ingress: 'traefik', method: m.trim(), target: u.trim(), host: h.trim() };
  }
  throw AuthzNoOriginalRequest.create();
}

function ambiguous(what: string) {
  return AuthzAmbiguousOriginal.create({ logMessage: `forward-auth: ${what}` });
}
