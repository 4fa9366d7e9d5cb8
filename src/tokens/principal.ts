import type { Identity } from '../identity/index.ts';
import type { RoleMapper } from '../identity/index.ts';
import type { Reason, Subject } from '../policy/index.ts';
import type { TokenKind, TokenRow, UserRow } from '../store/index.ts';
import type { CompiledServiceAccount } from './compile.ts';
import { scopeLayer, type ScopeLayer } from './scope.ts';

/** The Airlock token behind a principal, as /.airlock/token/self and refusals describe it. */
export interface TokenFacts {
  readonly id: string;
  readonly name: string;
  readonly kind: TokenKind;
  readonly owner: { readonly sub: string; readonly username: string } | undefined;
  readonly serviceAccount: string | undefined;
  readonly envs: readonly string[];
  readonly dags: readonly string[];
  readonly actions: readonly string[];
  readonly approvalActions: readonly string[];
  readonly origin: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A workload JWT's facts (issuer, its subject claim, the service account it maps to). */
export interface WorkloadFacts {
  readonly issuer: string;
  readonly subject: string;
  readonly serviceAccount: string;
}

/** An authenticated machine caller. One object per token (or workload) and config/owner state, so the assertion cache can reuse it. */
export interface MachinePrincipal {
  /** What Airflow and the audit see (kind, username, roles, token id, owner). */
  readonly identity: Identity;
  /** Whose rights decide() weighs: the owner's current groups and roles, or the service account's role. */
  readonly subject: Subject;
  /** Ceilings the request must fit: the token's scopes and/or the service account's. */
  readonly layers: readonly ScopeLayer[];
  /** Names whose rights were weighed (first reason of every decision). */
  readonly rights: Reason;
  readonly token: TokenFacts | undefined;
  readonly workload: WorkloadFacts | undefined;
  /** Rate-limit bucket key. */
  readonly rateKey: string;
}

const NO_MFA = Object.freeze({ method: 'none' as const });

function facts(row: TokenRow, owner: UserRow | undefined): TokenFacts {
  return Object.freeze({
    id: row.id,
    name: row.name,
    kind: row.kind,
    owner: owner ? Object.freeze({ sub: owner.sub, username: owner.username }) : undefined,
    serviceAccount: row.serviceAccount ?? undefined,
    envs: row.envs,
    dags: row.dags,
    actions: row.actions,
    approvalActions: row.approvalActions,
    origin: row.origin,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  });
}

export function tokenLabel(row: Pick<TokenRow, 'id' | 'name'>, owner: Pick<UserRow, 'username'> | undefined): string {
  return `token "${row.name}" (${row.id}${owner ? `, owner ${owner.username}` : ''})`;
}

/**
 * The principal of a live token. The caller has checked that the owner (when the token names one) exists and is
 * not disabled, and that a service token's service account is configured.
 */
export function tokenPrincipal(row: TokenRow, owner: UserRow | undefined, sa: CompiledServiceAccount | undefined, roles: RoleMapper): MachinePrincipal {
  const token = facts(row, owner);
  const tokenLayer = scopeLayer('token', tokenLabel(row, owner), row);
  const ownerRef = token.owner;
  if (row.kind === 'service') {
    if (!sa) throw new TypeError('tokenPrincipal: a service token needs its service account');
    const identity: Identity = Object.freeze({
      kind: 'service',
      sub: sa.username,
      username: sa.username,
      email: undefined,
      name: sa.description,
      groups: Object.freeze([]),
      roles: Object.freeze([sa.role]),
      tokenId: row.id,
      machine: Object.freeze({ tokenName: row.name, serviceAccount: sa.name, ...(ownerRef ? { owner: ownerRef } : {}) }),
      mfa: NO_MFA,
    });
    return Object.freeze({
      identity,
      subject: identity,
      layers: Object.freeze([tokenLayer, sa.layer]),
      rights: { code: 'service_account', message: `service account "${sa.name}" holds role ${sa.role}` },
      token,
      workload: undefined,
      rateKey: row.id,
    });
  }
  if (!owner || !ownerRef) throw new TypeError(`tokenPrincipal: a ${row.kind} token needs its owner`);
  const groups = Object.freeze([...owner.groups]);
  const ownerRoles = Object.freeze(roles.rolesFor(owner.groups));
  const rights: Reason = { code: 'token_owner', message: `rights of owner ${owner.username} as last known (groups ${groups.join(', ') || 'none'}; roles ${ownerRoles.join(', ') || 'none'})` };
  if (row.kind === 'person') {
    const identity: Identity = Object.freeze({
      kind: 'person',
      sub: owner.sub,
      username: owner.username,
      email: owner.email ?? undefined,
      name: owner.name ?? undefined,
      groups,
      roles: ownerRoles,
      tokenId: row.id,
      machine: Object.freeze({ tokenName: row.name, owner: ownerRef }),
      mfa: NO_MFA,
    });
    return Object.freeze({ identity, subject: identity, layers: Object.freeze([tokenLayer]), rights, token, workload: undefined, rateKey: row.id });
  }
  // an agent: its own name in Airflow, the owner's rights (rules naming the owner apply; kind:agent rules too)
  const identity: Identity = Object.freeze({
    kind: 'agent',
    sub: `agent:${row.name}`,
    username: `agent:${row.name}`,
    email: undefined,
    name: undefined,
    groups,
    roles: ownerRoles,
    tokenId: row.id,
    machine: Object.freeze({ tokenName: row.name, owner: ownerRef }),
    mfa: NO_MFA,
  });
  const subject: Subject = Object.freeze({ kind: 'agent', sub: owner.sub, username: owner.username, email: owner.email ?? undefined, groups, roles: ownerRoles, mfa: NO_MFA });
  return Object.freeze({ identity, subject, layers: Object.freeze([tokenLayer]), rights, token, workload: undefined, rateKey: row.id });
}

/** The principal of a verified workload JWT: its service account's identity and ceiling. */
export function workloadPrincipal(w: WorkloadFacts, sa: CompiledServiceAccount, tokenId: string): MachinePrincipal {
  const identity: Identity = Object.freeze({
    kind: 'service',
    sub: sa.username,
    username: sa.username,
    email: undefined,
    name: sa.description,
    groups: Object.freeze([]),
    roles: Object.freeze([sa.role]),
    tokenId,
    machine: Object.freeze({ serviceAccount: sa.name, issuer: w.issuer, workloadSubject: w.subject }),
    mfa: NO_MFA,
  });
  return Object.freeze({
    identity,
    subject: identity,
    layers: Object.freeze([sa.layer]),
    rights: { code: 'service_account', message: `workload ${w.subject} of ${w.issuer} maps to service account "${sa.name}" (role ${sa.role})` },
    token: undefined,
    workload: Object.freeze({ ...w }),
    rateKey: tokenId,
  });
}
