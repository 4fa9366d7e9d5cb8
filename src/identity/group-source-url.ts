import { GroupsSourceNotAllowed } from './errors.ts';

/** Where distributed group claims may be read from (idp.distributed_groups, plus the http rule of idp). */
export interface GroupSourcePolicy {
  /** "graph.microsoft.com" (default port of the scheme only) or "host:port"; lower-case. */
  readonly allowedHosts: readonly string[];
  /** idp.allow_insecure_http: then http:// is accepted for localhost / 127.0.0.1 / [::1] (tests, development). */
  readonly allowInsecureLoopback: boolean;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The URL of a distributed claims endpoint (from `_claim_sources`, or a Graph `@odata.nextLink`) if it may be
 * called with the person's access token: https (http only for loopback with allow_insecure_http), no
 * credentials in it, and its host (and port) listed in idp.distributed_groups.allowed_hosts. The ID token is
 * signed by the configured issuer, but the list still keeps its endpoint (and every next link) from sending the
 * token anywhere else: anything else is AIRLOCK_IDENTITY_GROUPS_SOURCE_NOT_ALLOWED, and nothing is sent.
 */
export function groupSourceUrl(raw: unknown, policy: GroupSourcePolicy, what: string): URL {
  const refuse = (why: string) =>
    GroupsSourceNotAllowed.create({ logMessage: `the ${what} of the distributed groups claim ${why}; nothing was sent to it`, details: { reason: 'not_allowed' } });
  if (typeof raw !== 'string') throw refuse('is not a string');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('is not an absolute URL');
  }
  const shown = `${url.protocol}//${url.host}${url.pathname.slice(0, 200)}`;
  if (url.username || url.password) throw refuse(`${shown} carries credentials`);
  const https = url.protocol === 'https:';
  if (!https && !(url.protocol === 'http:' && policy.allowInsecureLoopback && LOOPBACK.has(url.hostname))) {
    throw refuse(`${shown} is not https:// (http:// only for localhost with idp.allow_insecure_http)`);
  }
  const port = url.port || (https ? '443' : '80');
  const defaultPort = url.port === '';
  const allowed = policy.allowedHosts.some((entry) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m || m[1] !== url.hostname) return false;
    return m[2] === undefined ? defaultPort : Number(m[2]) === Number(port);
  });
  if (!allowed) throw refuse(`host ${url.host} is not in idp.distributed_groups.allowed_hosts (${policy.allowedHosts.join(', ') || 'empty'})`);
  return url;
}
