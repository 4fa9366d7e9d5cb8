import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

/**
 * An in-memory store for oidc-provider owned by one dev IdP. It outlives a provider instance,
 * so a provider re-created for a key rotation keeps the sessions, grants and codes.
 */
export function createMemoryStorage(): {
  factory: AdapterFactory;
  clear(): void;
  /** The live payloads of one model (e.g. "Session"), by id. */
  payloads(model: string): Array<[string, AdapterPayload]>;
} {
  const entries = new Map<string, Entry>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();

  function read(key: string): AdapterPayload | undefined {
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return e.payload;
  }

  function factory(model: string): Adapter {
    const k = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const key = k(id);
        entries.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
        if (payload.uid) byUid.set(`${model}:${payload.uid}`, key);
        if (payload.userCode) byUserCode.set(`${model}:${payload.userCode}`, key);
        if (payload.grantId) {
          const set = byGrant.get(payload.grantId) ?? new Set<string>();
          set.add(key);
          byGrant.set(payload.grantId, set);
        }
      },
      async find(id) {
        return read(k(id));
      },
      async findByUid(uid) {
        const key = byUid.get(`${model}:${uid}`);
        return key ? read(key) : undefined;
      },
      async findByUserCode(userCode) {
        const key = byUserCode.get(`${model}:${userCode}`);
        return key ? read(key) : undefined;
      },
      async consume(id) {
        const e = entries.get(k(id));
        if (e) e.payload = { ...e.payload, consumed: Math.floor(Date.now() / 1000) };
      },
      async destroy(id) {
        entries.delete(k(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of byGrant.get(grantId) ?? []) entries.delete(key);
        byGrant.delete(grantId);
      },
    };
  }

  return {
    factory,
    payloads(model) {
      const out: Array<[string, AdapterPayload]> = [];
      for (const key of entries.keys()) {
        if (!key.startsWith(`${model}:`)) continue;
        const p = read(key);
        if (p) out.push([key.slice(model.length + 1), p]);
      }
      return out;
    },
    clear() {
      entries.clear();
      byUid.clear();
      byUserCode.clear();
      byGrant.clear();
    },
  };
}
