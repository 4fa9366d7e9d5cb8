import { z } from 'zod';

/** The identity fields kept with a session (the `identity` JSON column). */
export interface StoredIdentity {
  readonly kind: 'person' | 'service' | 'agent';
  readonly username: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
  readonly mfa: { readonly method: 'webauthn' | 'idp' | 'none'; readonly at?: number; readonly credentialId?: string };
  readonly authTime?: number;
}

export const storedIdentitySchema: z.ZodType<StoredIdentity> = z.strictObject({
  kind: z.enum(['person', 'service', 'agent']),
  username: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  groups: z.array(z.string()),
  roles: z.array(z.string()),
  mfa: z.strictObject({
    method: z.enum(['webauthn', 'idp', 'none']),
    at: z.number().optional(),
    credentialId: z.string().optional(),
  }),
  authTime: z.number().optional(),
});

/** One session as the store keeps it. Times are epoch ms. */
export interface SessionRow {
  readonly idHash: string;
  readonly sub: string;
  readonly identity: StoredIdentity;
  readonly idpSid: string | null;
  readonly idToken: string | null;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  readonly revokeReason: string | null;
  /** The IdP refresh token as sealed by the session area (never the plain token); null when there is none. */
  readonly refreshToken: string | null;
  /** The IdP's `sub` (the ID token's), which a back-channel logout token names. */
  readonly idpSub: string | null;
  /** When the claims were last read from the IdP (login or refresh). */
  readonly claimsAt: number;
  /** Bumped by every refresh (compare-and-swap). */
  readonly version: number;
  /** A refresh in progress (owner set) or a back-off after a failed one (owner null) lasts until then. */
  readonly refreshLeaseUntil: number | null;
  readonly refreshLeaseOwner: string | null;
}

/** A new session: not revoked yet. `claimsAt` defaults to `createdAt`; `refreshToken` and `idpSub` to null. */
export type NewSessionRow = Omit<SessionRow, 'revokedAt' | 'revokeReason' | 'refreshToken' | 'idpSub' | 'claimsAt' | 'version' | 'refreshLeaseUntil' | 'refreshLeaseOwner'> & {
  readonly refreshToken?: string | null;
  readonly idpSub?: string | null;
  readonly claimsAt?: number;
};

/** Which live sessions a bulk operation concerns (every given field must match; `all` alone: every live session). */
export interface SessionFilter {
  readonly sub?: string;
  readonly idpSub?: string;
  readonly idpSid?: string;
  readonly idHashes?: readonly string[];
  /** The public handle: the first 16 characters of the id hash. */
  readonly handle?: string;
  readonly all?: true;
}

/** A session a bulk revocation ended. */
export interface RevokedSession {
  readonly idHash: string;
  readonly sub: string;
  readonly identity: StoredIdentity;
}

/** What a completed refresh writes (the identity is merged into the stored one: mfa and authTime are kept). */
export interface RefreshedClaims {
  readonly username: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
  /** The new sealed refresh token; undefined keeps the current one. */
  readonly refreshToken?: string;
  /** The new ID token (logout hint); undefined keeps the current one. */
  readonly idToken?: string;
  readonly claimsAt: number;
}
