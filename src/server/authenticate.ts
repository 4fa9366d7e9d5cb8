import type { IncomingMessage } from 'node:http';
import type { Identity } from '../identity/index.ts';
import { clientAddress } from '../proxy/index.ts';
import { readSessionCookie, type SessionRecord } from '../session/index.ts';
import { readCredential, type Credential, type MachineAuth } from '../tokens/index.ts';
import type { GatewayServices } from './context.ts';
import { freshSession } from './session-freshness.ts';
import type { Runtime } from './runtime.ts';

// keyed by the stored identity object, which stays the same across the session's record copies
const withCurrentRoles = new WeakMap<Identity, { version: number; identity: Identity }>();

/**
 * The identity of a request: its session cookie, read from the worker's memory cache with the store
 * as the source of truth. Roles are recomputed from the IdP groups with the CURRENT config, so a reload
 * that changes the role mapping applies to live sessions at once. Claims older than session.claims_max_age
 * are refreshed at the IdP first (session-freshness.ts), which may throw a 401/503 session error.
 */
export async function authenticate(req: IncomingMessage, rt: Runtime, svc: GatewayServices): Promise<{ identity: Identity; record: SessionRecord; cookieId: string } | undefined> {
  const id = readSessionCookie(rt.cookie, req.headers.cookie);
  if (!id) return undefined;
  const stored = await svc.sessions.get(id);
  if (!stored) return undefined;
  // claims older than session.claims_max_age are re-read from the IdP first (or the session must re-authenticate)
  const f = freshSession(stored, rt, svc);
  const record = f instanceof Promise ? await f : f;
  if (!record) return undefined;
  const cached = withCurrentRoles.get(record.identity);
  if (cached && cached.version === rt.version) return { identity: cached.identity, record, cookieId: id };
  const identity: Identity = Object.freeze({ ...record.identity, roles: Object.freeze(rt.roles.rolesFor(record.identity.groups)) });
  withCurrentRoles.set(record.identity, { version: rt.version, identity });
  return { identity, record, cookieId: id };
}

/** Who a request is: a browser session, or a machine (Airlock token / workload JWT). */
export type RequestAuth =
  | { readonly kind: 'session'; readonly identity: Identity; readonly record: SessionRecord; readonly cookieId: string }
  | { readonly kind: 'machine'; readonly identity: Identity; readonly machine: MachineAuth };

/**
 * The caller of a proxied request (docs/machine-identities.md). A token where it leaks (URL, cookie, Basic
 * password) or two Authorization headers are refused first. Then `Authorization: Bearer alk_…` is an Airlock token
 * (it wins over a session cookie); else a live session cookie is a person (any other Authorization is stripped
 * before forwarding, as Airflow 3's UI sends its own bearer); else a bearer JWT is a workload token of a
 * configured issuer. Undefined: no usable credential (the caller refuses, or forwards an allow-listed route).
 * A refused token or JWT throws its AirlockError (401/403/429/503).
 */
export async function authenticateRequest(req: IncomingMessage, rt: Runtime, svc: GatewayServices): Promise<RequestAuth | undefined> {
  const cred = readCredential(req);
  if (cred?.kind === 'token') return machine(req, rt, svc, cred);
  const session = await authenticate(req, rt, svc);
  if (session) return { kind: 'session', ...session };
  if (cred?.kind === 'jwt') return machine(req, rt, svc, cred);
  return undefined;
}

async function machine(req: IncomingMessage, rt: Runtime, svc: GatewayServices, cred: Extract<Credential, { kind: 'token' | 'jwt' }>): Promise<RequestAuth> {
  let ip: string | undefined;
  try {
    ip = clientAddress(rt.trusted, req).ip;
  } catch {
    ip = req.socket.remoteAddress; // a trusted proxy's unparsable X-Forwarded-For: the request is refused for it later
  }
  const auth = await svc.tokens.authenticate(cred, rt, ip);
  return { kind: 'machine', identity: auth.principal.identity, machine: auth };
}
