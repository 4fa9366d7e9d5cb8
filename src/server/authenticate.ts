import type { IncomingMessage } from 'node:http';
import type { Identity } from '../identity/index.ts';
import { clientAddress } from '../proxy/index.ts';
import { readSessionCookie, type SessionRecord } from '../session/index.ts';
import { readCredential, type Credential, type MachineAuth } from '../tokens/index.ts';
import type { GatewayServices } from './context.ts';
import { freshSession } from './session-freshness.ts';
import type { Runtime } from './runtime.ts';

/**
 * Keyed by the stored identity object, which stays the same across the session's record copies: the runtime
 * version its roles were last checked for, as a bare number when the stored roles are the current ones (the
 * stored identity is used as it is: no copy, nothing allocated per session), or with the copy carrying the
 * current roles when a reload changed what the session's groups map to.
 */
const withCurrentRoles = new WeakMap<Identity, number | { readonly version: number; readonly identity: Identity }>();

type SessionAuth = { identity: Identity; record: SessionRecord; cookieId: string };

/**
 * The identity of a request: its session cookie, read from the worker's memory cache with the store
 * as the source of truth. Roles are recomputed from the IdP groups with the CURRENT config, so a reload
 * that changes the role mapping applies to live sessions at once. Claims older than session.claims_max_age
 * are refreshed at the IdP first (session-freshness.ts), which may throw a 401/503 session error.
 * A fresh memory copy needing no store write or refresh answers synchronously (no promise on the hot path);
 * everything else returns a promise. Await the result either way.
 */
export function authenticate(req: IncomingMessage, rt: Runtime, svc: GatewayServices): SessionAuth | undefined | Promise<SessionAuth | undefined> {
  const id = readSessionCookie(rt.cookie, req.headers.cookie);
  if (!id) return undefined;
  const cached = svc.sessions.getCached(id);
  if (cached === 'miss') return fromStore(id, rt, svc);
  if (!cached) return undefined;
  return withFreshClaims(cached, id, rt, svc);
}

async function fromStore(id: string, rt: Runtime, svc: GatewayServices): Promise<SessionAuth | undefined> {
  const stored = await svc.sessions.get(id);
  if (!stored) return undefined;
  const r = withFreshClaims(stored, id, rt, svc);
  return r instanceof Promise ? await r : r;
}

function withFreshClaims(stored: SessionRecord, id: string, rt: Runtime, svc: GatewayServices): SessionAuth | undefined | Promise<SessionAuth | undefined> {
  // claims older than session.claims_max_age are re-read from the IdP first (or the session must re-authenticate)
  const f = freshSession(stored, rt, svc);
  if (f instanceof Promise) return f.then((record) => (record ? withRoles(record, id, rt) : undefined));
  return f ? withRoles(f, id, rt) : undefined;
}

function withRoles(record: SessionRecord, id: string, rt: Runtime): SessionAuth {
  return { identity: currentIdentity(record.identity, rt), record, cookieId: id };
}

/**
 * A stored identity with the roles its groups map to under the CURRENT config: the stored identity itself when
 * those are the stored roles (the usual case), else a frozen copy with the current roles (a reload changed the
 * role mapping). Checked once per identity and config snapshot.
 */
export function currentIdentity(stored: Identity, rt: Pick<Runtime, 'version' | 'roles'>): Identity {
  const cached = withCurrentRoles.get(stored);
  if (cached === rt.version) return stored;
  if (typeof cached === 'object' && cached.version === rt.version) return cached.identity;
  const roles = rt.roles.rolesFor(stored.groups);
  if (sameList(roles, stored.roles)) {
    withCurrentRoles.set(stored, rt.version);
    return stored;
  }
  const identity: Identity = Object.freeze({ ...stored, roles: Object.freeze(roles) });
  withCurrentRoles.set(stored, { version: rt.version, identity });
  return identity;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
export function authenticateRequest(req: IncomingMessage, rt: Runtime, svc: GatewayServices): RequestAuth | undefined | Promise<RequestAuth | undefined> {
  const cred = readCredential(req);
  if (cred?.kind === 'token') return machine(req, rt, svc, cred);
  const session = authenticate(req, rt, svc);
  if (session instanceof Promise) return session.then((s) => orMachine(req, rt, svc, cred, s));
  return orMachine(req, rt, svc, cred, session);
}

function orMachine(req: IncomingMessage, rt: Runtime, svc: GatewayServices, cred: Credential | undefined, session: SessionAuth | undefined): RequestAuth | undefined | Promise<RequestAuth> {
  if (session) return { kind: 'session', identity: session.identity, record: session.record, cookieId: session.cookieId };
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
