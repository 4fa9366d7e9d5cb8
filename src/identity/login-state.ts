import { createHash, randomBytes } from 'node:crypto';

/** What the gateway remembers between /.airlock/login and /.airlock/callback. */
export interface LoginState {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string;
  /** sha256 of the browser-binding cookie set at /.airlock/login (login CSRF defence). */
  readonly browserBindingHash: string;
  readonly createdAt: number;
  /** A silent re-authentication (prompt=none): an IdP answer "login_required" continues with a normal sign-in. */
  readonly silent?: boolean;
}

/** Single-use storage of pending logins, shared by all workers (the store in production). */
export interface LoginStateStore {
  put(state: LoginState, ttlMs: number): Promise<void>;
  /** Returns the state and deletes it atomically; undefined when unknown, used or expired. */
  take(stateValue: string, now: number): Promise<LoginState | undefined>;
}

export function memoryLoginStateStore(): LoginStateStore {
  const m = new Map<string, { s: LoginState; until: number }>();
  return {
    async put(s, ttlMs) {
      m.set(s.state, { s, until: s.createdAt + ttlMs });
      if (m.size > 50_000) for (const [k, v] of m) if (v.until < Date.now()) m.delete(k);
    },
    async take(state, now) {
      const e = m.get(state);
      m.delete(state);
      return e && e.until > now ? e.s : undefined;
    },
  };
}

export function newBrowserBinding(): string {
  return randomBytes(32).toString('base64url');
}

export function hashBinding(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
