import type { KeyStorage, StoredKey } from '../keys/index.ts';
import type { Store } from '../store/index.ts';

/** Adapts the store's signing_keys repository to the key ring's storage interface. */
export function signingKeyStorage(store: Store): KeyStorage {
  const repo = store.signingKeys;
  return {
    async list() {
      const rows = await repo.list();
      return rows.map((r) => ({
        kid: r.kid,
        alg: 'ES256',
        publicJwk: r.publicJwk,
        privateJwk: r.privateJwk,
        createdAt: r.createdAt,
        activatesAt: r.activatesAt,
        retiresAt: r.retiresAt,
        expiresAt: r.expiresAt,
      }) as StoredKey);
    },
    insertUnlessCovered(k, at) {
      return repo.insertUnlessCovered({ kid: k.kid, alg: k.alg, publicJwk: k.publicJwk, privateJwk: k.privateJwk, createdAt: k.createdAt, activatesAt: k.activatesAt, retiresAt: k.retiresAt, expiresAt: k.expiresAt }, at);
    },
    async deleteExpired(now) {
      return repo.deleteExpired(now);
    },
  };
}
