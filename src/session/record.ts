import type { Identity } from '../identity/identity.ts';
import type { SessionRow, StoredIdentity } from '../store/index.ts';
import { sessionHandle } from './session-id.ts';

/** A live session as the gateway sees it. Times are epoch ms. */
export interface SessionRecord {
  readonly idHash: string;
  /** `sessionId` is the public handle (first 16 chars of idHash), never the cookie value. */
  readonly identity: Identity;
  readonly idpSid?: string;
  /** The IdP's `sub` (a back-channel logout token may name the person by it). */
  readonly idpSub?: string;
  /**
   * The session was signed in with an IdP ID token (not a passwordless one). The token itself stays in the store
   * (SessionManager.storedIdToken): only logout needs it, and it is the largest part of a row.
   */
  readonly hasIdToken: boolean;
  /** When the claims (groups) were last read from the IdP: at login, then at each refresh. */
  readonly claimsAt: number;
  /** The session holds an IdP refresh token (else it re-authenticates once its claims are too old). */
  readonly refreshable: boolean;
  /** Bumped by every refresh. */
  readonly version: number;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** Absolute end. */
  readonly expiresAt: number;
  /** When it ends if unused: min(lastSeenAt + idle_timeout, expiresAt). */
  readonly idleExpiresAt: number;
}

export function toStoredIdentity(id: Identity): StoredIdentity {
  return {
    kind: id.kind,
    username: id.username,
    email: id.email ?? null,
    name: id.name ?? null,
    groups: [...id.groups],
    roles: [...id.roles],
    mfa: {
      method: id.mfa.method,
      ...(id.mfa.at === undefined ? {} : { at: id.mfa.at }),
      ...(id.mfa.credentialId === undefined ? {} : { credentialId: id.mfa.credentialId }),
    },
    ...(id.authTime === undefined ? {} : { authTime: id.authTime }),
  };
}

export function fromStoredIdentity(sub: string, idHash: string, s: StoredIdentity): Identity {
  return Object.freeze({
    kind: s.kind,
    sub,
    username: s.username,
    email: s.email ?? undefined,
    name: s.name ?? undefined,
    groups: Object.freeze([...s.groups]),
    roles: Object.freeze([...s.roles]),
    sessionId: sessionHandle(idHash),
    mfa: Object.freeze({ ...s.mfa }),
    ...(s.authTime === undefined ? {} : { authTime: s.authTime }),
  });
}

export function recordFromRow(row: SessionRow, lastSeenAt: number, idleTimeout: number): SessionRecord {
  return Object.freeze({
    idHash: row.idHash,
    identity: fromStoredIdentity(row.sub, row.idHash, row.identity),
    ...(row.idpSid === null ? {} : { idpSid: row.idpSid }),
    ...(row.idpSub === null ? {} : { idpSub: row.idpSub }),
    hasIdToken: row.idToken !== null,
    claimsAt: row.claimsAt,
    refreshable: row.refreshToken !== null,
    version: row.version,
    createdAt: row.createdAt,
    lastSeenAt,
    expiresAt: row.expiresAt,
    idleExpiresAt: Math.min(lastSeenAt + idleTimeout, row.expiresAt),
  });
}

/** A copy with a new lastSeenAt (and the idle deadline that follows from it). */
export function withLastSeen(r: SessionRecord, lastSeenAt: number, idleTimeout: number): SessionRecord {
  return Object.freeze({ ...r, lastSeenAt, idleExpiresAt: Math.min(lastSeenAt + idleTimeout, r.expiresAt) });
}
