import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** Keys the fingerprints: random per process, so a fingerprint says nothing outside it (not even for a short secret). */
const FINGERPRINT_KEY = randomBytes(32);

/**
 * A secret value resolved from a `${env:NAME}` or `${file:/path}` reference.
 * It never prints itself: String(), JSON and util.inspect all give "[redacted]".
 * Read it with `.reveal()` exactly where it is used.
 */
export class Secret {
  readonly #value: string;
  /** Where it came from, e.g. "env:AIRLOCK_CLIENT_SECRET" (safe to log). */
  readonly source: string;
  constructor(value: string, source: string) {
    this.#value = value;
    this.source = source;
  }
  reveal(): string {
    return this.#value;
  }
  /**
   * HMAC-SHA256 of the value under a key random per process: equal values give equal fingerprints within
   * this process (to tell whether a reloaded secret changed). Compare it; never log or store it.
   */
  fingerprint(): string {
    return createHmac('sha256', FINGERPRINT_KEY).update(this.#value).digest('base64url');
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return `[redacted ${this.source}]`;
  }
  [inspect.custom](): string {
    return `Secret(${this.source})`;
  }
}

/**
 * Whether two config values (e.g. `previous.idp` and `next.idp` on reload) are equal, comparing each Secret by
 * its value (fingerprint) instead of its redacted JSON form, which names only where it came from. For the
 * "unchanged, reuse" decisions of a reload.
 */
export function sameConfigValue(a: unknown, b: unknown): boolean {
  return comparableJson(a) === comparableJson(b);
}

function comparableJson(v: unknown): string {
  return JSON.stringify(v, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key]; // before toJSON ran
    return raw instanceof Secret ? { secret: raw.source, fingerprint: raw.fingerprint() } : value;
  }) ?? 'undefined';
}
