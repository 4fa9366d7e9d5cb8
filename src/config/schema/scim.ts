import { z } from 'zod';
import { secret } from './common.ts';

/** A SCIM bearer token shorter than this is refused at load (it is the only thing between the internet and provisioning). */
export const SCIM_TOKEN_MIN_LENGTH = 32;

/**
 * `scim:` (docs/scim.md): SCIM 2.0 provisioning at /.airlock/scim/v2 (Okta, Entra ID). Absent: the endpoints answer 404.
 */
export const scimSchema = z
  .strictObject({
    /** The bearer token the IdP's provisioning client sends; a secret reference, compared in constant time. */
    token: secret,
    /** Which SCIM attribute names the person who signs in: userName = the username claim, email = the email claim, externalId = the subject. */
    match: z.enum(['userName', 'email', 'externalId'], { error: 'must be userName, email or externalId' }).default('userName'),
    /** replace: a person with a SCIM record has exactly their SCIM groups; merge: the token's groups and the SCIM groups. */
    groups: z.enum(['replace', 'merge'], { error: 'must be replace or merge' }).default('replace'),
    /** Largest request body accepted (413 above). */
    max_body: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  })
  .superRefine((v, ctx) => {
    const t = v.token as unknown;
    if (t !== null && typeof t === 'object' && typeof (t as { reveal?: unknown }).reveal === 'function') {
      const value = (t as { reveal(): string }).reveal();
      if (value.length < SCIM_TOKEN_MIN_LENGTH) ctx.addIssue({ code: 'custom', path: ['token'], message: `must be at least ${SCIM_TOKEN_MIN_LENGTH} characters (e.g. openssl rand -base64 32)` });
      else if (/\s/.test(value)) ctx.addIssue({ code: 'custom', path: ['token'], message: 'must not contain whitespace' });
    }
  });

export const scimSections = {
  scim: scimSchema.optional(),
};

export type ScimConfig = z.infer<typeof scimSchema>;
