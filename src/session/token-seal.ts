import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals the IdP refresh token of a session for the store: AES-256-GCM under a key derived (HKDF-SHA256) from a
 * secret that is NOT in the store (the server derives it from the IdP client credentials), with the session's id
 * hash as additional data, so a sealed token copied to another row does not open. A leaked database therefore
 * yields no usable refresh token (and a refresh token needs the client credentials at the IdP anyway).
 */
export interface TokenSealer {
  seal(idHash: string, token: string): string;
  /** The token, or undefined when `sealed` does not open with this key (the key changed, or the row was tampered with). */
  open(idHash: string, sealed: string): string | undefined;
}

const VERSION = 'v1';
const INFO = 'airlock refresh-token v1';

/** `material`: the secret the key is derived from; `salt`: public context (e.g. the client id). */
export function tokenSealer(material: string, salt: string): TokenSealer {
  if (typeof material !== 'string' || material.length < 8) throw new TypeError('tokenSealer: material must be a secret of at least 8 characters');
  if (typeof salt !== 'string') throw new TypeError('tokenSealer: salt must be a string');
  const key = Buffer.from(hkdfSync('sha256', material, salt, INFO, 32));
  return {
    seal(idHash, token) {
      if (typeof token !== 'string' || token === '') throw new TypeError('tokenSealer.seal: token must be a non-empty string');
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(Buffer.from(idHash, 'utf8'));
      const body = Buffer.concat([c.update(token, 'utf8'), c.final()]);
      return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}.${c.getAuthTag().toString('base64url')}`;
    },
    open(idHash, sealed) {
      const parts = typeof sealed === 'string' ? sealed.split('.') : [];
      if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[1]!, 'base64url'));
        d.setAAD(Buffer.from(idHash, 'utf8'));
        d.setAuthTag(Buffer.from(parts[3]!, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(parts[2]!, 'base64url')), d.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
