import type { LoginState, LoginStateStore } from '../identity/index.ts';
import type { Store } from '../store/index.ts';

/** Pending logins live in the store so that any worker (or replica) can finish a login another started. */
export function loginStateStore(store: Store): LoginStateStore {
  const repo = store.loginStates;
  let sweep = 0;
  return {
    async put(s, ttlMs) {
      await repo.insert({ state: s.state, data: JSON.stringify(s), createdAt: s.createdAt, expiresAt: s.createdAt + ttlMs });
      if (++sweep % 100 === 0) void repo.deleteExpired(s.createdAt).catch(() => undefined);
    },
    async take(state, now) {
      if (state.length > 200) return undefined;
      const row = await repo.take(state, now);
      if (!row) return undefined;
      return JSON.parse(row.data) as LoginState;
    },
  };
}
