import type { Identity } from '../identity/identity.ts';
import type { KeyRing } from '../keys/index.ts';
import { mintAssertion, type DagRulesValue } from './assertion.ts';

interface Entry {
  readonly token: string;
  readonly kid: string;
  /** Re-mint after this time (half the lifetime), so a forwarded assertion always has >= ttl/2 left. */
  readonly refreshAt: number;
  readonly identity: Identity;
  /** The dag_rules claim it carries (the same frozen object while the policy snapshot and subject are unchanged). */
  readonly dagRules: DagRulesValue | undefined;
}

/**
 * Per-(session, environment) cache of signed assertions so the hot path rarely signs.
 * An entry is reused while it has at least half its lifetime left, the signing key is unchanged,
 * the identity object is the same one (a new login or role change gives a new object), and the dag_rules claim
 * is the same object (a config reload that changes the rules gives a new one).
 */
export class AssertionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<string>>();
  #max: number;

  constructor(
    private readonly ring: KeyRing,
    private readonly issuer: string,
    private readonly ttlMs: number,
    opts: { maxEntries?: number } = {},
  ) {
    this.#max = checkMax(opts.maxEntries ?? 10_000);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A new bound (`session.cache_entries` changed by a reload): a smaller one drops the oldest entries at once. */
  resize(maxEntries: number): void {
    this.#max = checkMax(maxEntries);
    this.#trim(this.#max);
  }

  /** Synchronous probe for the hot path; undefined when a (re-)mint is needed. */
  peek(identity: Identity, audience: string, now = Date.now(), dagRules?: DagRulesValue): string | undefined {
    const e = this.#entries.get(cacheKey(identity, audience));
    if (e && e.identity === identity && e.dagRules === dagRules && e.refreshAt > now && e.kid === this.ring.current().kid) return e.token;
    return undefined;
  }

  async get(identity: Identity, audience: string, now = Date.now(), dagRules?: DagRulesValue): Promise<string> {
    const hit = this.peek(identity, audience, now, dagRules);
    if (hit) return hit;
    const key = cacheKey(identity, audience);
    const pending = this.#inflight.get(key);
    if (pending) return pending;
    const p = this.#mint(key, identity, audience, now, dagRules).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  /**
   * A one-off assertion, signed now and never cached or shared: for a request whose identity must not be reused by
   * any other request (a held request performed on a person's approval carries `approved_by`).
   */
  mintOnce(identity: Identity, audience: string, now = Date.now(), dagRules?: DagRulesValue): Promise<string> {
    return mintAssertion(this.ring, { issuer: this.issuer, audience, identity, ttlMs: this.ttlMs, now, ...(dagRules ? { dagRules } : {}) });
  }

  /** Forget a session's assertions (logout, revocation). */
  evictSession(sessionId: string): void {
    for (const k of this.#entries.keys()) if (k.startsWith(`${sessionId}\u0000`)) this.#entries.delete(k);
  }

  async #mint(key: string, identity: Identity, audience: string, now: number, dagRules: DagRulesValue | undefined): Promise<string> {
    const kid = this.ring.current().kid;
    const token = await mintAssertion(this.ring, { issuer: this.issuer, audience, identity, ttlMs: this.ttlMs, now, ...(dagRules ? { dagRules } : {}) });
    this.#entries.delete(key);
    this.#trim(this.#max - 1);
    this.#entries.set(key, { token, kid, refreshAt: now + Math.floor(this.ttlMs / 2), identity, dagRules });
    return token;
  }

  #trim(max: number): void {
    while (this.#entries.size > max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}

function checkMax(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new TypeError('AssertionCache: maxEntries must be a positive integer');
  return n;
}

function cacheKey(identity: Identity, audience: string): string {
  return `${identity.sessionId ?? identity.tokenId ?? identity.sub}\u0000${audience}`;
}
