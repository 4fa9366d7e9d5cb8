/**
 * Token buckets, one per machine principal, in THIS worker process only: with N workers a token may make up to
 * N times the configured rate in total (the kernel spreads connections over workers). Bounded: the least
 * recently used buckets are dropped beyond maxKeys (a dropped bucket starts full again).
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #maxKeys: number;

  constructor(maxKeys = 100_000) {
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new TypeError('TokenBuckets: maxKeys must be a positive integer');
    this.#maxKeys = maxKeys;
  }

  /** Takes one request from the key's bucket: 0 when allowed, else the ms until one is available. */
  take(key: string, now: number, perSecond: number, burst: number): number {
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
      b = { tokens: burst, at: now };
    } else {
      this.#buckets.delete(key); // re-insert below: most recently used last
      b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) * perSecond) / 1000);
      b.at = now;
    }
    this.#buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 1000) / perSecond);
  }

  get size(): number {
    return this.#buckets.size;
  }
}
