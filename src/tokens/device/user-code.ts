import { createHash, randomBytes } from 'node:crypto';

/**
 * RFC 8628 codes of `airlock login`:
 * - the user code a person types: 8 letters of a 20-letter alphabet without vowels (no words) and without
 *   look-alikes (no I, O, U, Y, A, E), shown as BCDF-GHJK; 20^8 ≈ 2.6·10^10 codes (34.6 bits), guessing is
 *   rate-limited and a code lives 10 minutes;
 * - the device code the CLI polls with: 32 random bytes (256 bits), base64url; only its SHA-256 is stored.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;
/** Longest text accepted as a user code before normalising (spaces and dashes included). */
const MAX_INPUT = 32;
const VALID = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);

/** A new user code, normalised (8 letters, no dash). Uniform: bytes ≥ 240 are drawn again (240 = 12 × 20). */
export function generateUserCode(): string {
  let out = '';
  while (out.length < USER_CODE_LENGTH) {
    for (const b of randomBytes(16)) {
      if (b >= 240) continue;
      out += USER_CODE_ALPHABET[b % 20];
      if (out.length === USER_CODE_LENGTH) break;
    }
  }
  return out;
}

/** For people: BCDF-GHJK. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * What a person typed, as stored: case-insensitive, spaces and dashes ignored (RFC 8628 §6.1). Undefined when
 * it cannot be a user code (wrong length, a letter outside the alphabet, too long).
 */
export function normaliseUserCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_INPUT) return undefined;
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  return VALID.test(code) ? code : undefined;
}

/** A new device code and the hash the store keeps. */
export function generateDeviceCode(): { deviceCode: string; hash: string } {
  const deviceCode = randomBytes(32).toString('base64url');
  return { deviceCode, hash: hashDeviceCode(deviceCode) };
}

export function hashDeviceCode(deviceCode: string): string {
  return createHash('sha256').update(deviceCode, 'utf8').digest('base64url');
}

/** A device code as the CLI sends it: 43 base64url characters. */
export function isWellFormedDeviceCode(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
