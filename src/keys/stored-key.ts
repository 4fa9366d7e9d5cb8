import type { JWK } from 'jose';

/** A signing key as persisted. Timestamps are epoch milliseconds. */
export interface StoredKey {
  readonly kid: string;
  readonly alg: 'ES256';
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
  readonly createdAt: number;
  /** From this time the key may sign. */
  readonly activatesAt: number;
  /** From this time the key no longer signs. */
  readonly retiresAt: number;
  /** From this time the key leaves the JWKS (retiresAt + overlap). */
  readonly expiresAt: number;
}

/** Where keys live (the store's signing_keys table in production, memory in tests). */
export interface KeyStorage {
  list(): Promise<StoredKey[]>;
  /**
   * Stores the key unless a stored key already signs at `at` (activatesAt <= at < retiresAt, not expired);
   * atomic across every process sharing the storage. True when this call stored it.
   */
  insertUnlessCovered(key: StoredKey, at: number): Promise<boolean>;
  deleteExpired(now: number): Promise<number>;
}

export function memoryKeyStorage(): KeyStorage {
  const keys = new Map<string, StoredKey>();
  return {
    async list() {
      return [...keys.values()];
    },
    async insertUnlessCovered(key, at) {
      if (keys.has(key.kid)) throw new TypeError(`duplicate kid ${key.kid}`);
      for (const k of keys.values()) if (k.activatesAt <= at && k.retiresAt > at && k.expiresAt > at) return false;
      keys.set(key.kid, key);
      return true;
    },
    async deleteExpired(now) {
      let n = 0;
      for (const [kid, k] of keys) if (k.expiresAt <= now) (keys.delete(kid), n++);
      return n;
    },
  };
}
