import type { CompiledWebauthn } from './compile.ts';
import type { WebauthnEventSink } from './events.ts';
import type { WebauthnRepos } from './repo/index.ts';

/** What a ceremony needs: the compiled config, the repositories, a clock and where events go. */
export interface CeremonyDeps {
  readonly cfg: CompiledWebauthn;
  readonly repos: WebauthnRepos;
  readonly now: () => number;
  readonly events: WebauthnEventSink;
}

/** The person a ceremony is for (from their session). */
export interface CeremonyPerson {
  readonly sub: string;
  readonly username: string;
  readonly displayName?: string | undefined;
  readonly sessionId?: string | undefined;
}
