import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Identity } from '../identity/identity.ts';
import type { KeyRing } from '../keys/index.ts';
import { isAnonymousCaller } from './gateway-principals.ts';

/** Version of the assertion contract (docs/assertion-contract.md). Bump on any breaking change. */
export const ASSERTION_VERSION = 1;
export const ASSERTION_HEADER = 'x-airlock-assertion';
export const MAX_ASSERTION_TTL_MS = 300_000;
/** Response header by which the Airflow integration says it filtered DAG lists by the dag_rules claim. */
export const DAG_FILTER_HEADER = 'x-airlock-dag-filter';
export const DAG_FILTER_APPLIED = 'applied';
/** The dag_rules claim as the policy area builds it (dagRulesClaimFor); JSON, opaque to the proxy. */
export type DagRulesValue = readonly unknown[];

/** What the gateway verified about the caller, as the `amr` claim. */
export function assertionAmr(identity: Identity): string[] {
  const amr: string[] = [];
  if (identity.kind === 'person' && !identity.tokenId) amr.push('oidc');
  if (identity.tokenId) amr.push('token');
  if (identity.mfa.method === 'webauthn') amr.push('webauthn');
  if (identity.mfa.method === 'idp') amr.push('idp_mfa');
  return amr;
}

export interface MintOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly identity: Identity;
  readonly ttlMs: number;
  readonly now?: number;
  /** The subject's per-DAG rules for this environment (only where airflow_filters_dags is on). */
  readonly dagRules?: DagRulesValue | undefined;
}

/** Signs an X-Airlock-Assertion (ES256 JWT) for one identity and one environment. */
export async function mintAssertion(ring: KeyRing, opts: MintOptions): Promise<string> {
  if (!(opts.ttlMs > 0 && opts.ttlMs <= MAX_ASSERTION_TTL_MS)) throw new TypeError('assertion ttl must be within (0, 5m]');
  const key = ring.current();
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  const id = opts.identity;
  const claims: Record<string, unknown> = {
    preferred_username: id.username,
    groups: [...id.groups],
    roles: [...id.roles],
    sid: id.sessionId ?? id.tokenId ?? '',
    amr: assertionAmr(id),
    kind: id.kind,
    airlock_ver: ASSERTION_VERSION,
  };
  if (id.email !== undefined) claims.email = id.email;
  if (id.name !== undefined) claims.name = id.name;
  const m = id.machine;
  if (m !== undefined) {
    // who a machine caller is: its token, its service account, the person who owns it (RFC 8693-style `act`)
    if (m.tokenName !== undefined) claims.token_name = m.tokenName;
    if (m.serviceAccount !== undefined) claims.service_account = m.serviceAccount;
    if (m.owner !== undefined && m.owner.sub !== id.sub) claims.act = { sub: m.owner.sub, preferred_username: m.owner.username };
    // a held request performed on a person's approval: who approved it (docs/assertion-contract.md)
    if (m.approvedBy !== undefined) claims.approved_by = { sub: m.approvedBy.sub, preferred_username: m.approvedBy.username, approval_id: m.approvedBy.approvalId };
  }
  if (isAnonymousCaller(id)) claims.anonymous = true; // an allow-listed request without a signed-in caller
  if (opts.dagRules !== undefined) claims.dag_rules = opts.dagRules;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: key.kid })
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setSubject(id.sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.floor(opts.ttlMs / 1000))
    .setJti(randomBytes(16).toString('base64url'))
    .sign(key.privateKey);
}
