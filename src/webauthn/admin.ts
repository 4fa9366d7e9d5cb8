import type { Store } from '../store/index.ts';
import { authenticatorName } from './aaguid-names.ts';
import type { CompiledWebauthn } from './compile.ts';
import type { WebauthnEventSink } from './events.ts';
import { webauthnRepos, type StoredCredential } from './repo/index.ts';

export interface KeyListing {
  readonly id: string;
  readonly sub: string;
  readonly username: string | null;
  readonly name: string;
  readonly model: string | null;
  readonly aaguid: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly status: 'active' | 'disabled';
  readonly disabledReason: string | null;
}

const MAX_LIST = 10_000;

/** Every registered key, or the keys of one person (by username or subject). For `airlock keys list`. */
export async function listKeys(store: Store, cfg: CompiledWebauthn, opts: { readonly user?: string | undefined } = {}): Promise<KeyListing[]> {
  const repos = webauthnRepos(store);
  let creds: StoredCredential[];
  if (opts.user !== undefined) {
    const subs = new Set<string>([opts.user]);
    const byName = await store.db.selectFrom('users').select('sub').where((eb) => eb.or([eb('username', '=', opts.user!), eb('email', '=', opts.user!)])).execute();
    for (const r of byName) subs.add(r.sub);
    creds = (await Promise.all([...subs].map((s) => repos.credentials.listBySub(s)))).flat();
  } else {
    creds = await repos.credentials.listAll(MAX_LIST);
  }
  const names = new Map<string, string>();
  for (const sub of new Set(creds.map((c) => c.sub))) {
    const u = await store.users.get(sub);
    if (u) names.set(sub, u.username);
  }
  return creds.map((c) => ({
    id: c.id,
    sub: c.sub,
    username: names.get(c.sub) ?? null,
    name: c.name,
    model: authenticatorName(cfg.names, c.aaguid) ?? null,
    aaguid: c.aaguid,
    createdAt: c.createdAt,
    lastUsedAt: c.lastUsedAt,
    status: c.disabledAt === null ? 'active' : 'disabled',
    disabledReason: c.disabledReason,
  }));
}

/**
 * Admin revocation (`airlock keys revoke`): deletes the key whoever owns it and, with `endSessions`, ends the
 * owner's sessions in the store (gateways drop their cached copies within session.cache_ttl).
 */
export async function revokeKey(
  store: Store,
  events: WebauthnEventSink,
  id: string,
  opts: { readonly endSessions?: boolean; readonly now: number; readonly actor?: string },
): Promise<{ readonly revoked: StoredCredential; readonly sessionsEnded: number } | undefined> {
  const removed = await webauthnRepos(store).credentials.removeAny(id);
  if (!removed) return undefined;
  let sessionsEnded = 0;
  if (opts.endSessions) sessionsEnded = (await store.sessions.revokeBySub(removed.sub, 'security key revoked by an administrator', opts.now)).length;
  events({ kind: 'revoked', sub: removed.sub, credentialId: removed.id, aaguid: removed.aaguid, purpose: 'admin', detail: { by: opts.actor ?? 'cli', sessions_ended: sessionsEnded } });
  return { revoked: removed, sessionsEnded };
}
