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
  insert(key: StoredKey): Promise<void>;
  deleteExpired(now: number): Promise<number>;
}

export function memoryKeyStorage(): KeyStorage {
  const keys = new Map<string, StoredKey>();
  return {
    async list() {
      return [...keys.values()];
    },
    async insert(key) {
      if (keys.has(key.kid)) throw new TypeError(`duplicate kid ${key.kid}`);
      keys.set(key.kid, key);
    },
    async deleteExpired(now) {
      let n = 0;
      for (const [kid, k] of keys) if (k.expiresAt <= now) (keys.delete(kid), n++);
      return n;
    },
  };
}
