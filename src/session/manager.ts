import { randomBytes } from 'node:crypto';
import type { Identity, MfaState } from '../identity/identity.ts';
import type { RevokedSession, SessionFilter, SessionRow, Store } from '../store/index.ts';
import type { RevocationBus, RevocationMessage } from './bus/message.ts';
import { SessionCache, type CacheEntry } from './cache.ts';
import { recordFromRow, toStoredIdentity, withLastSeen, type SessionRecord } from './record.ts';
import { hashSessionId, isWellFormedSessionId, newSessionId } from './session-id.ts';
import { RefreshCoordinator, type FreshOutcome, type RefreshFn, type RefreshLimits } from './refresh.ts';
import type { TokenSealer } from './token-seal.ts';

export interface SessionTimeouts {
  readonly idle_timeout: number;
  readonly absolute_timeout: number;
  readonly cache_ttl: number;
  /** Claims older than this are re-read from the IdP before a request is served (absent: never). */
  readonly claims_max_age?: number;
  /** With the IdP unreachable, claims are served until this old, then refused (absent: claims_max_age). */
  readonly claims_max_stale?: number;
}

export interface SessionManagerOptions {
  store: Store;
  /** Read on every call, so a config reload applies to live sessions. */
  config: () => SessionTimeouts;
  bus: RevocationBus;
  now?: () => number;
  /**
   * Memory cache bound (default DEFAULT_CACHE_ENTRIES sessions per process; `session.cache_entries`, see resizeCache).
   * A session outside it costs one indexed store read on its next request.
   */
  maxCacheEntries?: number;
  /** Seals IdP refresh tokens for the store (read per call: a reload may change the IdP credentials). */
  sealer?: () => TokenSealer | undefined;
}

/** last_seen_at is written to the store at most this often per session (idle timeout precision). */
export const TOUCH_INTERVAL_MS = 60_000;

/**
 * The memory copy's lastSeenAt moves in steps of this much: requests of one session within a second share one
 * frozen record instead of copying it per request (the idle deadline is exact to the second).
 */
export const LAST_SEEN_STEP_MS = 1_000;

/** Sessions a process keeps in memory unless told otherwise (the default of `session.cache_entries`). */
export const DEFAULT_CACHE_ENTRIES = 10_000;

/**
 * Server-side sessions: the store is the truth, each process keeps a bounded memory copy that it
 * re-reads after cache_ttl and drops at once when the revocation bus says so.
 */
export class SessionManager {
  readonly #store: Store;
  readonly #config: () => SessionTimeouts;
  readonly #bus: RevocationBus;
  readonly #now: () => number;
  readonly #cache: SessionCache;
  readonly #unsubscribe: () => void;
  readonly #sealer: () => TokenSealer | undefined;
  readonly #refresher: RefreshCoordinator;
  /** Bumped by every eviction: a store read that overlapped one is not cached. */
  #evictions = 0;
  #closed = false;

  constructor(opts: SessionManagerOptions) {
    if (typeof opts?.store?.sessions?.findByHash !== 'function') throw new TypeError('SessionManager: store is required');
    if (typeof opts.config !== 'function') throw new TypeError('SessionManager: config must be a function');
    if (typeof opts.bus?.subscribe !== 'function' || typeof opts.bus.publish !== 'function') throw new TypeError('SessionManager: bus is required');
    if (opts.now !== undefined && typeof opts.now !== 'function') throw new TypeError('SessionManager: now must be a function');
    this.#store = opts.store;
    this.#config = opts.config;
    this.#bus = opts.bus;
    this.#now = opts.now ?? Date.now;
    this.#cache = new SessionCache(opts.maxCacheEntries ?? DEFAULT_CACHE_ENTRIES);
    if (opts.sealer !== undefined && typeof opts.sealer !== 'function') throw new TypeError('SessionManager: sealer must be a function');
    this.#sealer = opts.sealer ?? (() => undefined);
    timeouts(this.#config()); // fail at construction on a bad config
    this.#unsubscribe = this.#bus.subscribe((msg) => this.#onRevocation(msg));
    this.#refresher = new RefreshCoordinator({
      store: this.#store,
      now: this.#now,
      owner: randomBytes(12).toString('base64url'),
      sealer: this.#sealer,
      adopt: (row) => this.#adopt(row),
      publishChange: (h) => this.#bus.publish({ type: 'revoke', idHashes: [h] }), // evicts only; the row stays live
      evictLocal: (h) => this.#onRevocation({ type: 'revoke', idHashes: [h] }),
      revoke: async (h, reason) => {
        await this.#revokeHashes(async () => ((await this.#store.sessions.revoke(h, reason, this.#now())) ? [h] : []));
      },
    });
  }

  /** A new session with a fresh random id. Nothing from a previous (pre-login) cookie is reused. */
  async create(identity: Identity, extra: { idpSid?: string; idpSub?: string; idToken?: string; refreshToken?: string } = {}): Promise<{ id: string; record: SessionRecord }> {
    this.#open();
    const cfg = timeouts(this.#config());
    if (typeof identity?.sub !== 'string' || identity.sub === '') throw new TypeError('SessionManager.create: identity.sub is required');
    const id = newSessionId();
    const idHash = hashSessionId(id);
    const now = this.#now();
    const sealer = extra.refreshToken === undefined ? undefined : this.#sealer();
    const row = {
      idHash,
      sub: identity.sub,
      identity: toStoredIdentity(identity),
      idpSid: extra.idpSid ?? null,
      idpSub: extra.idpSub ?? null,
      idToken: extra.idToken ?? null,
      // no sealer (no key): the token is not kept, and the session re-authenticates when its claims are too old
      refreshToken: sealer !== undefined && extra.refreshToken !== undefined ? sealer.seal(idHash, extra.refreshToken) : null,
      claimsAt: now,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + cfg.absolute_timeout,
    };
    await this.#store.sessions.insert(row);
    const record = recordFromRow({ ...row, revokedAt: null, revokeReason: null, version: 0, refreshLeaseUntil: null, refreshLeaseOwner: null }, now, cfg.idle_timeout);
    this.#cache.set(idHash, { record, fetchedAt: now, writtenAt: now });
    return { id, record };
  }

  /** The live session for a cookie value; undefined when malformed, unknown, expired or revoked. Counts as use. */
  async get(id: string): Promise<SessionRecord | undefined> {
    this.#open();
    if (!isWellFormedSessionId(id)) return undefined;
    const cfg = timeouts(this.#config());
    const idHash = hashSessionId(id);
    const now = this.#now();
    let entry = this.#cache.get(idHash);
    if (entry === undefined || now - entry.fetchedAt >= cfg.cache_ttl) {
      entry = await this.#load(idHash, entry, now, cfg);
      if (entry === undefined) return undefined;
    }
    if (expired(entry.record, now, cfg)) {
      this.#cache.delete(idHash);
      return undefined;
    }
    if (now - entry.record.lastSeenAt >= LAST_SEEN_STEP_MS) entry.record = withLastSeen(entry.record, now, cfg.idle_timeout);
    if (now - entry.writtenAt >= TOUCH_INTERVAL_MS) {
      entry.writtenAt = now; // set first: concurrent requests don't all write
      await this.#store.sessions.touch(idHash, now);
    }
    return entry.record;
  }

  /**
   * Synchronous hot-path probe: the record when the memory copy is fresh and no store write is due,
   * undefined when the cookie is malformed or the cached session has expired, 'miss' otherwise (call get()).
   */
  getCached(id: string): SessionRecord | undefined | 'miss' {
    this.#open();
    if (!isWellFormedSessionId(id)) return undefined;
    const cfg = timeouts(this.#config());
    const idHash = hashSessionId(id);
    const now = this.#now();
    const entry = this.#cache.get(idHash);
    if (entry === undefined || now - entry.fetchedAt >= cfg.cache_ttl) return 'miss';
    if (expired(entry.record, now, cfg)) {
      this.#cache.delete(idHash);
      return undefined;
    }
    if (now - entry.writtenAt >= TOUCH_INTERVAL_MS) return 'miss';
    if (now - entry.record.lastSeenAt >= LAST_SEEN_STEP_MS) entry.record = withLastSeen(entry.record, now, cfg.idle_timeout);
    return entry.record;
  }

  /** Ends one session (logout): store first, then every process drops its copy. */
  async revoke(id: string, reason: string): Promise<void> {
    this.#open();
    checkReason(reason);
    if (!isWellFormedSessionId(id)) return;
    await this.#revokeHashes(async () => {
      const idHash = hashSessionId(id);
      await this.#store.sessions.revoke(idHash, reason, this.#now());
      return [idHash];
    });
  }

  /** Ends every session of a subject (user disabled, admin action). Returns how many were live. */
  async revokeBySub(sub: string, reason: string): Promise<number> {
    this.#open();
    checkReason(reason);
    if (typeof sub !== 'string' || sub === '') throw new TypeError('revokeBySub: sub is required');
    return (await this.#revokeHashes(() => this.#store.sessions.revokeBySub(sub, reason, this.#now()))).length;
  }

  /** Ends every session created from one IdP session (back-channel logout). Returns how many were live. */
  async revokeByIdpSid(idpSid: string, reason: string): Promise<number> {
    this.#open();
    checkReason(reason);
    if (typeof idpSid !== 'string' || idpSid === '') throw new TypeError('revokeByIdpSid: idpSid is required');
    return (await this.#revokeHashes(() => this.#store.sessions.revokeByIdpSid(idpSid, reason, this.#now()))).length;
  }

  /**
   * Ends every live session matching `filter` (`{ sub }`: all sessions of a person; `{ idpSid }`, `{ idpSub }`: a
   * back-channel logout; `{ handle }`: one session by its public handle; `{ all: true }`). Store first, then every
   * process drops them. Returns what was ended (for the audit).
   */
  async revokeMatching(filter: SessionFilter, reason: string): Promise<RevokedSession[]> {
    this.#open();
    checkReason(reason);
    let ended: RevokedSession[] = [];
    await this.#revokeHashes(async () => {
      ended = await this.#store.sessions.revokeMatching(filter, reason, this.#now());
      return ended.map((r) => r.idHash);
    });
    return ended;
  }

  /** Live sessions matching `filter` (e.g. `{ sub }`: the sessions of a person), oldest first. */
  async list(filter: SessionFilter, limit?: number): Promise<SessionRow[]> {
    this.#open();
    return this.#store.sessions.list(filter, this.#now(), limit);
  }

  /**
   * Makes sure the session's claims are younger than `session.claims_max_age` before a request is served on it:
   * refreshes them at the IdP (serialized across processes, see RefreshCoordinator), or says the person must
   * re-authenticate, or (IdP unreachable) serves the claims it has until `session.claims_max_stale`.
   */
  ensureFresh(record: SessionRecord, refresh: RefreshFn, wait: { readonly waitMs: number; readonly leaseMs: number }): Promise<FreshOutcome> | FreshOutcome {
    this.#open();
    const cfg = timeouts(this.#config());
    if (cfg.claims_max_age === undefined) return { kind: 'fresh', record };
    const limits: RefreshLimits = { maxAge: cfg.claims_max_age, maxStale: Math.max(cfg.claims_max_stale ?? cfg.claims_max_age, cfg.claims_max_age), waitMs: wait.waitMs, leaseMs: wait.leaseMs };
    return this.#refresher.ensureFresh(record, refresh, limits);
  }

  /** Drops this process's copies (a revocation written by another process, seen by polling the store). */
  evict(idHashes: readonly string[]): void {
    this.#open();
    if (idHashes.length > 0) this.#onRevocation({ type: 'revoke', idHashes });
  }

  /**
   * Records a verified second factor in a live session (after a WebAuthn assertion): store first, then every
   * process drops its cached copy (via the bus) and re-reads it. Returns the updated record, or undefined
   * when the session is unknown, expired or revoked.
   */
  async setMfa(id: string, mfa: MfaState): Promise<SessionRecord | undefined> {
    this.#open();
    if (!isWellFormedSessionId(id)) return undefined;
    if (mfa?.method !== 'webauthn' && mfa?.method !== 'idp' && mfa?.method !== 'none') throw new TypeError('setMfa: mfa.method must be webauthn, idp or none');
    const idHash = hashSessionId(id);
    const stored = {
      method: mfa.method,
      ...(mfa.at === undefined ? {} : { at: mfa.at }),
      ...(mfa.credentialId === undefined ? {} : { credentialId: mfa.credentialId }),
    };
    const updated = await this.#store.sessions.setMfa(idHash, stored);
    this.#onRevocation({ type: 'revoke', idHashes: [idHash] }); // evicts only; the row stays live
    this.#bus.publish({ type: 'revoke', idHashes: [idHash] });
    return updated ? this.get(id) : undefined;
  }

  /** Deletes sessions past their absolute expiry from the store (run periodically by one process). */
  async deleteExpired(): Promise<number> {
    this.#open();
    return this.#store.sessions.deleteExpired(this.#now());
  }

  /**
   * The IdP ID token a live session was signed in (or last refreshed) with, read from the store: the memory copy
   * does not hold it (about 1 KB per session), and only RP-initiated logout needs it (`id_token_hint`). Undefined
   * when the id is malformed, the session unknown or revoked, or it has no ID token.
   */
  async storedIdToken(id: string): Promise<string | undefined> {
    this.#open();
    if (!isWellFormedSessionId(id)) return undefined;
    const row = await this.#store.sessions.findByHash(hashSessionId(id));
    if (row === undefined || row.revokedAt !== null) return undefined;
    return row.idToken ?? undefined;
  }

  /** Sessions held in this process's memory (for metrics). */
  get cachedCount(): number {
    return this.#cache.size;
  }

  /** The memory cache bound. */
  get cacheBound(): number {
    return this.#cache.maxEntries;
  }

  /**
   * A new memory cache bound (a config reload changed `session.cache_entries`): a smaller one drops the least
   * recently used sessions at once (they are re-read from the store on their next request).
   */
  resizeCache(maxEntries: number): void {
    this.#open();
    this.#cache.resize(maxEntries);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#cache.clear();
  }

  async #revokeHashes(write: () => Promise<string[]>): Promise<string[]> {
    const hashes = await write();
    this.#onRevocation({ type: 'revoke', idHashes: hashes });
    if (hashes.length > 0) this.#bus.publish({ type: 'revoke', idHashes: hashes });
    return hashes;
  }

  async #load(idHash: string, stale: CacheEntry | undefined, now: number, cfg: SessionTimeouts): Promise<CacheEntry | undefined> {
    for (let attempt = 0; ; attempt++) {
      const before = this.#evictions;
      const row = await this.#store.sessions.findByHash(idHash);
      // A revocation that arrived while we were reading may concern this row: read again (once) rather than cache it.
      if (before !== this.#evictions && attempt === 0) continue;
      if (row === undefined || row.revokedAt !== null) {
        this.#cache.delete(idHash);
        return undefined;
      }
      const lastSeen = Math.max(row.lastSeenAt, stale?.record.lastSeenAt ?? 0);
      const entry: CacheEntry = {
        record: recordFromRow(row, lastSeen, cfg.idle_timeout),
        fetchedAt: now,
        writtenAt: Math.max(row.lastSeenAt, stale?.writtenAt ?? 0),
      };
      if (before === this.#evictions) this.#cache.set(idHash, entry);
      return entry;
    }
  }

  #adopt(row: SessionRow): SessionRecord {
    const cfg = timeouts(this.#config());
    const stale = this.#cache.get(row.idHash);
    const lastSeen = Math.max(row.lastSeenAt, stale?.record.lastSeenAt ?? 0);
    const entry: CacheEntry = { record: recordFromRow(row, lastSeen, cfg.idle_timeout), fetchedAt: this.#now(), writtenAt: Math.max(row.lastSeenAt, stale?.writtenAt ?? 0) };
    this.#cache.set(row.idHash, entry);
    return entry.record;
  }

  #onRevocation(msg: RevocationMessage): void {
    this.#evictions++;
    if (msg.type === 'flush') {
      this.#cache.clear();
      return;
    }
    for (const h of msg.idHashes) this.#cache.delete(h);
  }

  #open(): void {
    if (this.#closed) throw new TypeError('SessionManager is closed');
  }
}

function expired(r: SessionRecord, now: number, cfg: SessionTimeouts): boolean {
  return now >= r.expiresAt || now >= r.lastSeenAt + cfg.idle_timeout;
}

/** Config objects already checked (the config function returns the same object until a reload). */
const checkedTimeouts = new WeakSet<SessionTimeouts>();

function timeouts(cfg: SessionTimeouts): SessionTimeouts {
  if (typeof cfg === 'object' && cfg !== null && checkedTimeouts.has(cfg)) return cfg;
  for (const k of ['idle_timeout', 'absolute_timeout', 'cache_ttl'] as const) {
    const v = cfg?.[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (k !== 'cache_ttl' && v <= 0)) {
      throw new TypeError(`SessionManager: config ${k} must be a non-negative number of ms`);
    }
  }
  for (const k of ['claims_max_age', 'claims_max_stale'] as const) {
    const v = cfg[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) throw new TypeError(`SessionManager: config ${k} must be a positive number of ms`);
  }
  if (Object.isFrozen(cfg)) checkedTimeouts.add(cfg); // a mutable object could change after the check
  return cfg;
}

function checkReason(reason: string): void {
  if (typeof reason !== 'string' || reason === '' || reason.length > 200) throw new TypeError('revocation reason must be a short non-empty string');
}
