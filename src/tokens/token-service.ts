import type { RoleMapper } from '../identity/index.ts';
import type { Store, TokenRow, UserRow } from '../store/index.ts';
import type { CompiledServiceAccount, CompiledTokens } from './compile.ts';
import type { Credential } from './credentials.ts';
import { TokenExpired, TokenInvalid, TokenOwnerInactive, TokenRateLimited, TokenRevoked, TokenServiceAccountUnknown } from './errors.ts';
import { hashToken, parseToken, sameHash } from './format.ts';
import { tokenPrincipal, workloadPrincipal, type MachinePrincipal } from './principal.ts';
import { TokenBuckets } from './rate-limit.ts';
import { verifyWorkloadJwt } from './workload.ts';

/**
 * A worker re-reads a token's row, and its owner's record, at most this long after its last read: a revocation,
 * an expiry change (rotation) or an owner's lost group or disablement reaches every worker of every host within
 * this bound, whoever made the change (the CLI, another host), with no message bus.
 */
export const REVALIDATE_MS = 200;
/** last_used_at / last_used_ip are written at most this often per token and worker. */
export const TOUCH_EVERY_MS = 30_000;

export interface TokenRuntime {
  readonly version: number;
  readonly tokens: CompiledTokens;
  readonly roles: RoleMapper;
}

export interface MachineAuth {
  readonly principal: MachinePrincipal;
  /** Epoch ms when the credential stops working. */
  readonly expiresAt: number;
}

export interface TokenServiceLogger {
  warn(obj: object, msg: string): void;
}

export interface TokenServiceOptions {
  readonly store: Store;
  readonly now?: () => number;
  readonly log?: TokenServiceLogger;
  /** Bound of each memory cache (default 100 000 entries). */
  readonly maxEntries?: number;
}

interface Cached<T> {
  value: T | null;
  fetchedAt: number;
}

/** A small bounded map: the oldest insertion goes first when full. */
class Bounded<V> extends Map<string, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(k: string, v: V): this {
    if (!this.has(k) && this.size >= this.max) this.delete(this.keys().next().value as string);
    return super.set(k, v);
  }
}

/**
 * Authenticates machine callers in one worker: Airlock tokens (hash lookup, revocation, expiry, owner, service
 * account) and IdP-issued workload JWTs, then applies the per-token rate limit and records the last use.
 */
export class TokenService {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #log: TokenServiceLogger | undefined;
  readonly #rows: Bounded<Cached<TokenRow>>;
  readonly #owners: Bounded<Cached<UserRow>>;
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #principals: Bounded<{ key: string; sa: CompiledServiceAccount | undefined; principal: MachinePrincipal }>;
  readonly #touched: Bounded<number>;
  readonly #buckets: TokenBuckets;

  constructor(opts: TokenServiceOptions) {
    if (typeof opts?.store?.tokens?.findByHash !== 'function') throw new TypeError('TokenService: store is required');
    const max = opts.maxEntries ?? 100_000;
    this.#store = opts.store;
    this.#now = opts.now ?? Date.now;
    this.#log = opts.log;
    this.#rows = new Bounded(max);
    this.#owners = new Bounded(max);
    this.#principals = new Bounded(max);
    this.#touched = new Bounded(max);
    this.#buckets = new TokenBuckets(max);
  }

  /** The principal of a bearer credential; throws an AirlockError (401/403/429/503) when it is refused. */
  async authenticate(cred: Extract<Credential, { kind: 'token' | 'jwt' }>, rt: TokenRuntime, clientIp: string | undefined): Promise<MachineAuth> {
    const auth = cred.kind === 'token' ? await this.#token(cred.value, rt) : await this.#workload(cred.value, rt);
    const wait = this.#buckets.take(auth.principal.rateKey, this.#now(), rt.tokens.rate.perSecond, rt.tokens.rate.burst);
    if (wait > 0) {
      const retryAfter = Math.max(1, Math.ceil(wait / 1000));
      throw TokenRateLimited.create({ details: { retry_after: retryAfter, limit: { per_second: rt.tokens.rate.perSecond, burst: rt.tokens.rate.burst, per: 'worker' } }, logMessage: `rate limit of ${auth.principal.identity.tokenId}` });
    }
    if (auth.principal.token) this.#touch(auth.principal.token.id, clientIp);
    return auth;
  }

  /** Drops this worker's copy of a person's record (called after their login refreshed it). */
  forgetOwner(sub: string): void {
    this.#owners.delete(sub);
  }

  async #token(value: string, rt: TokenRuntime): Promise<MachineAuth> {
    const kind = parseToken(value);
    if (kind === undefined) throw TokenInvalid.create({ details: { reason: 'format' }, logMessage: 'malformed Airlock token (shape or checksum)' });
    const hash = hashToken(value);
    const row = await this.#cached(this.#rows, `t:${hash}`, hash, (h) => this.#store.tokens.findByHash(h));
    if (row === null || !sameHash(row.secretHash, hash) || row.kind !== kind) throw TokenInvalid.create({ details: { reason: 'unknown' }, logMessage: 'unknown Airlock token' });
    return this.#live(row, rt);
  }

  /**
   * The principal of a token by id, read from the store now (not the cache): for a held request performed on a
   * person's approval, which must still be made by a live token with its owner's current rights. Throws what
   * authenticate() throws for a revoked or expired token or an inactive owner (AIRLOCK_TOKEN_INVALID when unknown).
   */
  async principalById(id: string, rt: TokenRuntime): Promise<MachineAuth> {
    const row = await this.#store.tokens.get(id);
    if (row === undefined) throw TokenInvalid.create({ details: { reason: 'unknown' }, logMessage: `token ${id} is unknown` });
    if (row.ownerSub !== null) this.#owners.delete(row.ownerSub);
    return this.#live(row, rt);
  }

  async #live(row: TokenRow, rt: TokenRuntime): Promise<MachineAuth> {
    const now = this.#now();
    const who = { token_id: row.id, token_name: row.name };
    if (row.revokedAt !== null) throw TokenRevoked.create({ details: who, logMessage: `revoked token ${row.id} used` });
    if (now >= row.expiresAt) throw TokenExpired.create({ details: { ...who, expired_at: new Date(row.expiresAt).toISOString() }, logMessage: `expired token ${row.id} used` });
    let owner: UserRow | undefined;
    if (row.ownerSub !== null) {
      const u = await this.#cached(this.#owners, `o:${row.ownerSub}`, row.ownerSub, (sub) => this.#store.users.get(sub), this.#owners);
      if (u === null || u.disabledAt !== null) {
        throw TokenOwnerInactive.create({ details: who, logMessage: `token ${row.id}: owner ${row.ownerSub} ${u === null ? 'has no record' : 'is disabled'}` });
      }
      owner = u;
    } else if (row.kind !== 'service') {
      throw TokenOwnerInactive.create({ details: who, logMessage: `token ${row.id} of kind ${row.kind} has no owner` });
    }
    let sa: CompiledServiceAccount | undefined;
    if (row.kind === 'service') {
      sa = row.serviceAccount === null ? undefined : rt.tokens.serviceAccounts.get(row.serviceAccount);
      if (!sa) throw TokenServiceAccountUnknown.create({ details: { ...who, service_account: row.serviceAccount }, logMessage: `token ${row.id}: service account ${row.serviceAccount} is not configured` });
    }
    const key = [rt.version, row.expiresAt, owner?.username, owner?.email, owner?.name, owner?.groups.join('\u0001')].join('\u0000');
    const memo = this.#principals.get(row.id);
    if (memo && memo.key === key && memo.sa === sa) return { principal: memo.principal, expiresAt: row.expiresAt };
    const principal = tokenPrincipal(row, owner, sa, rt.roles);
    this.#principals.set(row.id, { key, sa, principal });
    return { principal, expiresAt: row.expiresAt };
  }

  async #workload(jwt: string, rt: TokenRuntime): Promise<MachineAuth> {
    const v = await verifyWorkloadJwt(jwt, rt.tokens, this.#now());
    const sa = rt.tokens.serviceAccounts.get(v.serviceAccount);
    if (!sa) throw TokenServiceAccountUnknown.create({ details: { service_account: v.serviceAccount }, logMessage: `workload maps to unconfigured service account ${v.serviceAccount}` });
    const key = `${rt.version}\u0000${v.serviceAccount}`;
    const memo = this.#principals.get(v.workloadId);
    if (memo && memo.key === key && memo.sa === sa) return { principal: memo.principal, expiresAt: v.expiresAt };
    const principal = workloadPrincipal({ issuer: v.issuer, subject: v.subject, serviceAccount: sa.name }, sa, v.workloadId);
    this.#principals.set(v.workloadId, { key, sa, principal });
    return { principal, expiresAt: v.expiresAt };
  }

  /** A cached read no older than REVALIDATE_MS; concurrent misses share one store read. */
  async #cached<T>(cache: Bounded<Cached<T>>, flightKey: string, key: string, read: (k: string) => Promise<T | undefined>, evictable?: Bounded<Cached<T>>): Promise<T | null> {
    const hit = cache.get(key);
    const now = this.#now();
    if (hit && now - hit.fetchedAt < REVALIDATE_MS) return hit.value;
    let p = this.#inflight.get(flightKey) as Promise<T | null> | undefined;
    if (!p) {
      const started = now;
      p = read(key)
        .then((v) => {
          const value = v ?? null;
          // an eviction (forgetOwner) while reading must not be overwritten by the older read
          if (evictable === undefined || evictable.get(key) === hit) cache.set(key, { value, fetchedAt: started });
          return value;
        })
        .finally(() => this.#inflight.delete(flightKey));
      this.#inflight.set(flightKey, p);
    }
    return p;
  }

  #touch(id: string, ip: string | undefined): void {
    const now = this.#now();
    const last = this.#touched.get(id);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) return;
    this.#touched.set(id, now);
    this.#store.tokens.touch(id, now, ip ?? null).catch((err: Error) => this.#log?.warn({ tokenId: id, err: { message: err.message } }, 'tokens: last use not recorded'));
  }
}
