import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webauthnSchema } from '../../../src/config/schema/webauthn.ts';
import { isAirlockError } from '../../../src/errors/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { compileWebauthn, webauthnRepos, type CeremonyDeps, type CeremonyPerson, type WebauthnEvent } from '../../../src/webauthn/index.ts';

export const ORIGIN = 'http://localhost:8443';
export const RP_ID = 'localhost';

export interface Harness {
  readonly store: Store;
  readonly events: WebauthnEvent[];
  clock: number;
  deps(section?: Record<string, unknown>): CeremonyDeps;
  /** Empties the WebAuthn tables (each test starts without keys). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** A real SQLite store in a temp folder and ceremony dependencies with a settable clock and captured events. */
export async function harness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-webauthn-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'airlock.db'), pool: 1 });
  const events: WebauthnEvent[] = [];
  const h: Harness = {
    store,
    events,
    clock: 1_700_000_000_000,
    deps(section = {}) {
      const cfg = compileWebauthn(webauthnSchema.parse(section), ORIGIN);
      return { cfg, repos: webauthnRepos(store), now: () => h.clock, events: (e) => events.push(e) };
    },
    async reset() {
      events.length = 0;
      await store.db.deleteFrom('webauthn_credentials').execute();
      await store.db.deleteFrom('webauthn_challenges').execute();
      await store.db.deleteFrom('webauthn_users').execute();
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export const alice: CeremonyPerson = { sub: 'sub-alice', username: 'alice', sessionId: 'sess-alice' };
export const bob: CeremonyPerson = { sub: 'sub-bob', username: 'bob', sessionId: 'sess-bob' };
export const ALICE_SESSION = 'binding-alice-session-hash';
export const BOB_SESSION = 'binding-bob-session-hash';

/** Asserts that `p` rejects with the Airlock error `code`. */
export async function refusedWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isAirlockError(err), `expected an AirlockError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}
