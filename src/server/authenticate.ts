import type { IncomingMessage } from 'node:http';
import type { Identity } from '../identity/index.ts';
import { readSessionCookie, type SessionRecord } from '../session/index.ts';
import type { GatewayServices } from './context.ts';
import type { Runtime } from './runtime.ts';

// keyed by the stored identity object, which stays the same across the session's record copies
const withCurrentRoles = new WeakMap<Identity, { version: number; identity: Identity }>();

/**
 * The identity of a request: its session cookie, read from the worker's memory cache with the store
 * as the source of truth. Roles are recomputed from the IdP groups with the CURRENT config, so a reload
 * that changes the role mapping applies to live sessions at once.
 */
export async function authenticate(req: IncomingMessage, rt: Runtime, svc: GatewayServices): Promise<{ identity: Identity; record: SessionRecord; cookieId: string } | undefined> {
  const id = readSessionCookie(rt.cookie, req.headers.cookie);
  if (!id) return undefined;
  const record = await svc.sessions.get(id);
  if (!record) return undefined;
  const cached = withCurrentRoles.get(record.identity);
  if (cached && cached.version === rt.version) return { identity: cached.identity, record, cookieId: id };
  const identity: Identity = Object.freeze({ ...record.identity, roles: Object.freeze(rt.roles.rolesFor(record.identity.groups)) });
  withCurrentRoles.set(record.identity, { version: rt.version, identity });
  return { identity, record, cookieId: id };
}
