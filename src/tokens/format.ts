import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { TokenKind } from '../store/index.ts';

/**
 * The Airlock token format (docs/machine-identities.md):
 *
 *   alk_<k>_<secret><check>
 *
 * <k> = s (service account), p (a person's own), a (an agent acting for a person); <secret> = 32 random bytes
 * (256 bits), base64url, 43 characters; <check> = CRC-32 of everything before it, big-endian, base64url,
 * 6 characters. 55 characters in all. The checksum lets secret scanners (and the gateway, before any store
 * lookup) tell a real token from a look-alike; it adds no secrecy. Only SHA-256(token) is stored.
 */
export const TOKEN_PREFIX = 'alk_';
export const TOKEN_LENGTH = 55;

/** For secret scanners: finds tokens in text (then verify the checksum with isWellFormedToken). */
export const TOKEN_SCAN_REGEX = /(?<![A-Za-z0-9_-])alk_[psa]_[A-Za-z0-9_-]{49}(?![A-Za-z0-9_-])/g;
const WHOLE = /^alk_([psa])_[A-Za-z0-9_-]{49}$/;

const KIND_CHAR: Readonly<Record<TokenKind, string>> = { person: 'p', service: 's', agent: 'a' };
const CHAR_KIND: Readonly<Record<string, TokenKind>> = { p: 'person', s: 'service', a: 'agent' };

function checksum(body: string): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(body) >>> 0);
  return b.toString('base64url');
}

/** A new token of this kind: the secret to show once, and the hash to store. */
export function generateToken(kind: TokenKind): { token: string; hash: string } {
  const c = KIND_CHAR[kind];
  if (c === undefined) throw new TypeError(`generateToken: unknown kind ${String(kind)}`);
  const body = `${TOKEN_PREFIX}${c}_${randomBytes(32).toString('base64url')}`;
  const token = body + checksum(body);
  return { token, hash: hashToken(token) };
}

/** The kind a well-formed token (right shape and checksum) declares; undefined otherwise. */
export function parseToken(value: string): TokenKind | undefined {
  if (typeof value !== 'string' || value.length !== TOKEN_LENGTH) return undefined;
  const m = WHOLE.exec(value);
  if (!m) return undefined;
  if (checksum(value.slice(0, TOKEN_LENGTH - 6)) !== value.slice(TOKEN_LENGTH - 6)) return undefined;
  return CHAR_KIND[m[1]!];
}

export function isWellFormedToken(value: string): boolean {
  return parseToken(value) !== undefined;
}

/** Looks like an Airlock token (prefix and kind letter), checksum or not: used to refuse tokens sent in the wrong place. */
export function looksLikeToken(value: string): boolean {
  return /(?:^|[^A-Za-z0-9_-])alk_[psa]_[A-Za-z0-9_-]{20,}/.test(value);
}

/** SHA-256 of the whole token, base64url (what the store keeps). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** Constant-time comparison of two stored-form hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64url');
  const y = Buffer.from(b, 'base64url');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

/** A public token id ("tok_" + 12 base64url characters): shown in lists, audit events and the assertion's sid. */
export function newTokenId(): string {
  return `tok_${randomBytes(9).toString('base64url')}`;
}
