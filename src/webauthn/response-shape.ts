import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { ResponseMalformed } from './errors.ts';

const b64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/, 'base64url');
const clientExtensionResults = z.record(z.string(), z.unknown()).refine((v) => JSON.stringify(v).length <= 4096);
const attachment = z.enum(['platform', 'cross-platform']).optional();

const registrationSchema = z.strictObject({
  id: b64url(1400),
  rawId: b64url(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url(8192),
    attestationObject: b64url(65536),
    transports: z.array(z.string().max(32)).max(10).optional(),
  }),
  clientExtensionResults,
  authenticatorAttachment: attachment,
});

const authenticationSchema = z.strictObject({
  id: b64url(1400),
  rawId: b64url(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url(8192),
    authenticatorData: b64url(8192),
    signature: b64url(2048),
    userHandle: z.union([b64url(128), z.null()]).optional(),
  }),
  clientExtensionResults,
  authenticatorAttachment: attachment,
});

/** A registration response (untrusted JSON) checked for shape; id and rawId must agree. */
export function parseRegistrationResponse(value: unknown): RegistrationResponseJSON {
  const r = registrationSchema.safeParse(value);
  if (!r.success) throw ResponseMalformed.create({ cause: r.error, logMessage: 'registration response has the wrong shape' });
  if (r.data.id !== r.data.rawId) throw ResponseMalformed.create({ logMessage: 'registration response id differs from rawId' });
  return r.data as RegistrationResponseJSON;
}

/** An authentication response (untrusted JSON) checked for shape; id and rawId must agree. */
export function parseAuthenticationResponse(value: unknown): AuthenticationResponseJSON {
  const r = authenticationSchema.safeParse(value);
  if (!r.success) throw ResponseMalformed.create({ cause: r.error, logMessage: 'authentication response has the wrong shape' });
  if (r.data.id !== r.data.rawId) throw ResponseMalformed.create({ logMessage: 'authentication response id differs from rawId' });
  const { userHandle, ...rest } = r.data.response;
  return { ...r.data, response: { ...rest, ...(typeof userHandle === 'string' ? { userHandle } : {}) } } as AuthenticationResponseJSON;
}
