import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { StoredKey } from './stored-key.ts';

/** Creates a new ES256 key pair valid from `activatesAt` for `lifetimeMs`, listed `overlapMs` longer. */
export async function generateSigningKey(opts: { now: number; activatesAt: number; lifetimeMs: number; overlapMs: number }): Promise<StoredKey> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `ak-${new Date(opts.activatesAt).toISOString().slice(0, 10)}-${randomBytes(6).toString('base64url')}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  const retiresAt = opts.activatesAt + opts.lifetimeMs;
  return Object.freeze({
    kid,
    alg: 'ES256',
    publicJwk,
    privateJwk,
    createdAt: opts.now,
    activatesAt: opts.activatesAt,
    retiresAt,
    expiresAt: retiresAt + opts.overlapMs,
  });
}
