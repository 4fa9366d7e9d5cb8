import type { IdpConfig } from '../config/index.ts';
import { readClaim } from './claims.ts';
import { fetchGroupPages } from './fetch-group-pages.ts';
import { groupSourceUrl } from './group-source-url.ts';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Resolves the groups claim when the (signed) ID token says it is a distributed claim (OIDC Core 5.6.2): Entra ID
 * does this above 200 groups ("group overage"), with `_claim_names: { groups: "src1" }` and
 * `_claim_sources: { src1: { endpoint: "https://graph.microsoft.com/v1.0/users/<oid>/getMemberObjects" } }`.
 * The endpoint is called once, at sign-in, with the source's own `access_token` when it has one, else the
 * person's access token (see fetchGroupPages for the bounds); the result becomes the groups claim and lives
 * in the session like any other claim (no call per request).
 *
 * Returns `{ [claims.groups]: ids }`, or undefined when there is nothing to resolve: the groups claim is present
 * (in the ID token or userinfo), the ID token does not name it in `_claim_names` under exactly that name, or its
 * source has no endpoint (an aggregated claim). mapIdentity then refuses a login whose groups were left out
 * with AIRLOCK_IDENTITY_GROUPS_NOT_IN_TOKEN, as it does for Entra's `hasgroups: true`.
 */
export async function resolveDistributedGroups(
  idClaims: Readonly<Record<string, unknown>>,
  userinfo: Readonly<Record<string, unknown>> | undefined,
  accessToken: string,
  idp: Pick<IdpConfig, 'claims' | 'distributed_groups' | 'timeout' | 'allow_insecure_http'>,
): Promise<Record<string, string[]> | undefined> {
  const claim = idp.claims.groups;
  if (readClaim({ ...idClaims, ...(userinfo ?? {}) }, claim) !== undefined) return undefined;
  const names = idClaims._claim_names;
  const sources = idClaims._claim_sources;
  if (!isObject(names) || !Object.hasOwn(names, claim)) return undefined;
  const sourceName = names[claim];
  const source = typeof sourceName === 'string' && isObject(sources) && Object.hasOwn(sources, sourceName) ? sources[sourceName] : undefined;
  if (!isObject(source) || source.endpoint === undefined) return undefined;
  const s = idp.distributed_groups;
  const policy = { allowedHosts: s.allowed_hosts, allowInsecureLoopback: idp.allow_insecure_http };
  const url = groupSourceUrl(source.endpoint, policy, 'endpoint');
  const token = typeof source.access_token === 'string' ? source.access_token : accessToken;
  const groups = await fetchGroupPages(url, token, { ...policy, maxPages: s.max_pages, maxBytes: s.max_bytes, timeoutMs: idp.timeout });
  return { [claim]: groups };
}
