import type { Store } from '../../store/index.ts';
import { challengeRepo, type ChallengeRepo } from './challenge-repo.ts';
import { credentialRepo, type CredentialRepo } from './credential-repo.ts';
import { userHandleRepo, type UserHandleRepo } from './user-handle-repo.ts';

export type { ChallengeRepo, ChallengeRow, ChallengePurpose } from './challenge-repo.ts';
export type { CredentialRepo, StoredCredential, NewCredential } from './credential-repo.ts';
export type { UserHandleRepo } from './user-handle-repo.ts';

export interface WebauthnRepos {
  readonly credentials: CredentialRepo;
  readonly challenges: ChallengeRepo;
  readonly userHandles: UserHandleRepo;
}

const byStore = new WeakMap<Store, WebauthnRepos>();

/** The WebAuthn repositories on a store's database (built once per store). */
export function webauthnRepos(store: Store): WebauthnRepos {
  let r = byStore.get(store);
  if (!r) {
    r = Object.freeze({ credentials: credentialRepo(store.db), challenges: challengeRepo(store.db), userHandles: userHandleRepo(store.db) });
    byStore.set(store, r);
  }
  return r;
}
