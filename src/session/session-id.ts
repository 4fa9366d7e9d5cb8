import { hash, randomBytes } from 'node:crypto';

/** 32 random bytes = 256 bits, base64url without padding = 43 characters. */
const ID_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new session id: 256 bits from the CSPRNG, base64url. Only ever sent in the cookie. */
export function newSessionId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

/** What the store keys sessions by: SHA-256 of the id, base64url. The raw id is never stored. */
export function hashSessionId(id: string): string {
  return hash('sha256', id, 'base64url'); // one-shot: a third of createHash()'s cost for 43 bytes
}

/** True for exactly the shape newSessionId produces (43 base64url characters). */
export function isWellFormedSessionId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** The short public handle of a session (safe in logs, assertions and the UI): a prefix of the hash. */
export function sessionHandle(idHash: string): string {
  return idHash.slice(0, 16);
}
