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
}

/** A new session: not revoked yet. */
export type NewSessionRow = Omit<SessionRow, 'revokedAt' | 'revokeReason'>;
