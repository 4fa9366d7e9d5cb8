import type { Secret } from '../config/index.ts';
import type { RevokedSession, SessionFilter, SessionRow, Store } from '../store/index.ts';
import { notifyRevocationOnce } from './bus/notify-once.ts';

/** How an administrator names sessions outside a gateway (the `airlock sessions` CLI). */
export type SessionSelector = { readonly user: string } | { readonly session: string } | { readonly all: true };

const HANDLE = /^[A-Za-z0-9_-]{16}$/;
const CHUNK = 500;

/** The IdP subjects a `--user` names: the text itself (a sub), and every known user with that username or email. */
async function subjectsOf(store: Store, user: string): Promise<string[]> {
  const rows = await store.db.selectFrom('users').select('sub').where((eb) => eb.or([eb('username', '=', user), eb('email', '=', user)])).execute();
  return [...new Set([user, ...rows.map((r) => r.sub)])];
}

function filtersOf(selector: SessionSelector): SessionFilter[] | undefined {
  if ('all' in selector) return [{ all: true }];
  if ('session' in selector) {
    if (!HANDLE.test(selector.session)) throw new TypeError('a session id is the 16-character handle "airlock sessions list" shows');
    return [{ handle: selector.session }];
  }
  return undefined;
}

/** Live sessions matching the selector (every live session without one), oldest first. */
export async function listSessions(store: Store, selector: SessionSelector | undefined, now: number): Promise<SessionRow[]> {
  const filters = selector === undefined ? [{ all: true } as const] : (filtersOf(selector) ?? (await subjectsOf(store, (selector as { user: string }).user)).map((sub) => ({ sub })));
  const rows: SessionRow[] = [];
  for (const f of filters) rows.push(...(await store.sessions.list(f, now)));
  return rows.sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * Revokes the live sessions a selector names, in the store (the truth every gateway re-reads), and returns them.
 * Then call announceRevocation so that gateways drop their cached copies at once.
 */
export async function revokeSessions(store: Store, selector: SessionSelector, reason: string, now: number): Promise<RevokedSession[]> {
  if (typeof reason !== 'string' || reason === '' || reason.length > 200) throw new TypeError('revocation reason must be a short non-empty string');
  if ('all' in selector || 'session' in selector) return store.sessions.revokeMatching(filtersOf(selector)![0]!, reason, now);
  const live = await listSessions(store, selector, now);
  const out: RevokedSession[] = [];
  for (let i = 0; i < live.length; i += CHUNK) {
    out.push(...(await store.sessions.revokeMatching({ idHashes: live.slice(i, i + CHUNK).map((r) => r.idHash) }, reason, now)));
  }
  return out;
}

/**
 * Tells the running gateways. PostgreSQL: a NOTIFY on the revocation channel reaches every host's LISTEN connection,
 * whose primary hands it to each worker (AIRLOCK_SESSION_BUS_UNAVAILABLE when it cannot be sent). SQLite: nothing to
 * send, every worker reads recent revocations from the store (startRevocationPoll, every 50 ms).
 */
export async function announceRevocation(store: { kind: 'sqlite' } | { kind: 'postgres'; url: Secret }, idHashes: readonly string[]): Promise<'notified' | 'polled' | 'none'> {
  if (idHashes.length === 0) return 'none';
  if (store.kind === 'sqlite') return 'polled';
  await notifyRevocationOnce(store.url, { type: 'revoke', idHashes });
  return 'notified';
}
