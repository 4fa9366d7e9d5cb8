import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionRow, Store } from '../store/index.ts';
import type { SessionRecord } from './record.ts';
import type { TokenSealer } from './token-seal.ts';

/** What the IdP said to a refresh (the server builds this from the token response, with the login's claim mapping). */
export type RefreshAnswer =
  | {
      readonly kind: 'ok';
      readonly claims: { readonly username: string; readonly email: string | null; readonly name: string | null; readonly groups: readonly string[]; readonly roles: readonly string[] };
      /** A rotated refresh token (undefined: keep using the current one). */
      readonly refreshToken?: string;
      readonly idToken?: string;
    }
  /** The IdP refused the refresh token (invalid_grant) or returned claims that fail verification: end the session. */
  | { readonly kind: 'refused'; readonly error?: unknown }
  /** The IdP could not be asked (down, timeout, 5xx, our client credentials refused): keep the claims for now. */
  | { readonly kind: 'unavailable'; readonly error?: unknown }
  /** The answer cannot re-read the claims (no ID token and no userinfo): forget the refresh token, re-authenticate. */
  | { readonly kind: 'no_claims'; readonly error?: unknown };

/** Calls the IdP's token endpoint with the (plain) refresh token of `record`. */
export type RefreshFn = (refreshToken: string, record: SessionRecord) => Promise<RefreshAnswer>;

/** The result of making sure a session's claims are recent enough to serve a request. */
export type FreshOutcome =
  /** Claims younger than claims_max_age (`refreshed`: this call refreshed them; `groupsBefore` for the audit). */
  | { readonly kind: 'fresh'; readonly record: SessionRecord; readonly refreshed?: { readonly groupsBefore: readonly string[] } }
  /** The IdP could not be asked; the claims are still younger than claims_max_stale: serve with them. */
  | { readonly kind: 'stale'; readonly record: SessionRecord; readonly error?: unknown }
  /** No (usable) refresh token: the person must re-authenticate (silently where the IdP session lives). */
  | { readonly kind: 'reauth'; readonly record: SessionRecord }
  /** The IdP refused the refresh: the session is revoked (`byThisCall`: this process asked the IdP). */
  | { readonly kind: 'ended'; readonly record: SessionRecord; readonly byThisCall: boolean; readonly error?: unknown }
  /** The IdP could not be asked and the claims are older than claims_max_stale: refuse, retryable. */
  | { readonly kind: 'unavailable'; readonly record: SessionRecord; readonly retryAfterMs: number; readonly error?: unknown }
  /** The session was revoked or expired meanwhile (by someone else, for another reason). */
  | { readonly kind: 'gone' };

export interface RefreshLimits {
  /** Claims older than this are refreshed before a request is served (session.claims_max_age). */
  readonly maxAge: number;
  /** With the IdP unreachable, claims are served until this old (session.claims_max_stale). */
  readonly maxStale: number;
  /** How long a request waits for another process's refresh of the same session before serving stale claims. */
  readonly waitMs: number;
  /** How long a refresh lease lasts (longer than the IdP timeout: a crashed holder frees it then). */
  readonly leaseMs: number;
}

/** After a failed refresh (IdP unavailable), no process asks the IdP again for this session before this long. */
export const REFRESH_RETRY_MS = 5_000;
/** How often a waiting request looks at the store for another process's refresh result. */
const WAIT_POLL_MS = 20;
/** The revoke reason written when the IdP refuses a refresh (waiters in other processes recognise it). */
export const REFRESH_REFUSED_REASON = 'refresh refused by the IdP';

export interface RefreshDeps {
  readonly store: Store;
  readonly now: () => number;
  /** This process's lease owner id (random). */
  readonly owner: string;
  readonly sealer: () => TokenSealer | undefined;
  /** Puts a row read from the store into this process's cache; returns its record. */
  adopt(row: SessionRow): SessionRecord;
  /** The row changed: every other process drops its copy (this process adopts the new row itself). */
  publishChange(idHash: string): void;
  /** Drops this process's copy. */
  evictLocal(idHash: string): void;
  /** Revokes the session everywhere (store first, then the bus). */
  revoke(idHash: string, reason: string): Promise<void>;
}

/**
 * Refreshes of one session are serialized across workers and replicas by a lease in the store: a conditional
 * UPDATE takes `refresh_lease_*` on the row at its current `version` (exactly one process succeeds), that process
 * alone redeems the refresh token (so a rotating one is used once), then writes the new claims with version + 1 and
 * releases the lease. Everyone else polls the row until the version moves and uses that result. Inside a process,
 * concurrent requests of one session share one attempt.
 */
export class RefreshCoordinator {
  readonly #deps: RefreshDeps;
  readonly #inflight = new Map<string, Promise<FreshOutcome>>();

  constructor(deps: RefreshDeps) {
    this.#deps = deps;
  }

  ensureFresh(record: SessionRecord, refresh: RefreshFn, limits: RefreshLimits): Promise<FreshOutcome> | FreshOutcome {
    if (this.#deps.now() - record.claimsAt < limits.maxAge) return { kind: 'fresh', record };
    if (!record.refreshable) return { kind: 'reauth', record };
    let p = this.#inflight.get(record.idHash);
    if (p === undefined) {
      p = this.#run(record, refresh, limits).finally(() => this.#inflight.delete(record.idHash));
      this.#inflight.set(record.idHash, p);
    }
    return p;
  }

  async #run(record: SessionRecord, refresh: RefreshFn, limits: RefreshLimits): Promise<FreshOutcome> {
    const d = this.#deps;
    const h = record.idHash;
    const deadline = d.now() + limits.waitMs;
    let current = record;
    for (;;) {
      const t = d.now();
      if (t - current.claimsAt < limits.maxAge) return { kind: 'fresh', record: current };
      if (!current.refreshable) return { kind: 'reauth', record: current };
      if (await d.store.sessions.acquireRefreshLease(h, current.version, d.owner, t + limits.leaseMs, t)) {
        return this.#refresh(current, refresh, limits);
      }
      const row = await d.store.sessions.findByHash(h);
      if (row === undefined || row.revokedAt !== null || row.expiresAt <= d.now()) return this.#gone(h, current, row);
      if (row.version !== current.version) {
        current = d.adopt(row); // another process refreshed (or dropped the token): use its result
        continue;
      }
      // a back-off after another process found the IdP unavailable: nobody asks the IdP before it ends
      if (row.refreshLeaseOwner === null) return this.#staleOr(current, limits, row.refreshLeaseUntil);
      if (d.now() >= deadline) return this.#staleOr(current, limits, row.refreshLeaseUntil);
      await sleep(WAIT_POLL_MS);
    }
  }

  async #refresh(current: SessionRecord, refresh: RefreshFn, limits: RefreshLimits): Promise<FreshOutcome> {
    const d = this.#deps;
    const h = current.idHash;
    let answer: RefreshAnswer;
    try {
      const row = await d.store.sessions.findByHash(h);
      if (row === undefined || row.revokedAt !== null) return this.#gone(h, current, row);
      const sealed = row.refreshToken;
      const token = sealed === null ? undefined : d.sealer()?.open(h, sealed);
      if (token === undefined) return this.#dropToken(current);
      answer = await refresh(token, current);
    } catch (err) {
      await d.store.sessions.releaseRefreshLease(h, d.owner, d.now() + REFRESH_RETRY_MS).catch(() => undefined);
      throw err;
    }
    switch (answer.kind) {
      case 'ok': {
        const sealer = d.sealer();
        const rotated = answer.refreshToken !== undefined && sealer !== undefined ? sealer.seal(h, answer.refreshToken) : undefined;
        const updated = await d.store.sessions.completeRefresh(h, d.owner, current.version, {
          ...answer.claims,
          ...(rotated === undefined ? {} : { refreshToken: rotated }),
          ...(answer.idToken === undefined ? {} : { idToken: answer.idToken }),
          claimsAt: d.now(),
        });
        if (updated === undefined) {
          // the lease was lost (held longer than leaseMs) or the session revoked meanwhile
          const row = await d.store.sessions.findByHash(h);
          if (row === undefined || row.revokedAt !== null) return this.#gone(h, current, row);
          return { kind: 'fresh', record: d.adopt(row) };
        }
        d.publishChange(h);
        return { kind: 'fresh', record: d.adopt(updated), refreshed: { groupsBefore: current.identity.groups } };
      }
      case 'refused':
        await d.revoke(h, REFRESH_REFUSED_REASON);
        return { kind: 'ended', record: current, byThisCall: true, ...(answer.error === undefined ? {} : { error: answer.error }) };
      case 'unavailable': {
        const until = d.now() + REFRESH_RETRY_MS;
        await d.store.sessions.releaseRefreshLease(h, d.owner, until);
        return this.#staleOr(current, limits, until, answer.error);
      }
      case 'no_claims':
        return this.#dropToken(current);
    }
  }

  async #dropToken(current: SessionRecord): Promise<FreshOutcome> {
    const d = this.#deps;
    const row = await d.store.sessions.dropRefreshToken(current.idHash, d.owner, current.version);
    if (row === undefined) {
      const now = await d.store.sessions.findByHash(current.idHash);
      if (now === undefined || now.revokedAt !== null) return this.#gone(current.idHash, current, now);
      return { kind: 'reauth', record: d.adopt(now) };
    }
    d.publishChange(current.idHash);
    return { kind: 'reauth', record: d.adopt(row) };
  }

  #gone(h: string, current: SessionRecord, row: SessionRow | undefined): FreshOutcome {
    this.#deps.evictLocal(h);
    if (row?.revokeReason === REFRESH_REFUSED_REASON) return { kind: 'ended', record: current, byThisCall: false };
    return { kind: 'gone' };
  }

  #staleOr(current: SessionRecord, limits: RefreshLimits, retryAt: number | null, error?: unknown): FreshOutcome {
    const now = this.#deps.now();
    const e = error === undefined ? {} : { error };
    if (now - current.claimsAt < limits.maxStale) return { kind: 'stale', record: current, ...e };
    return { kind: 'unavailable', record: current, retryAfterMs: Math.max(1000, (retryAt ?? now) - now), ...e };
  }
}
