import type { IncomingMessage } from 'node:http';
import { safeReturnTo, type Identity } from '../../../identity/index.ts';
import type { SessionRecord } from '../../../session/index.ts';
import { loggingSink, toAuditInput, webauthnErrors, webauthnFor, webauthnRepos, type CeremonyDeps, type CeremonyPerson, type WebauthnEventKind, type WebauthnEventSink } from '../../../webauthn/index.ts';
import { authenticate } from '../../authenticate.ts';
import type { GatewayServices } from '../../context.ts';
import { CrossOrigin, NotAuthenticated } from '../../errors.ts';
import { readLimitedBody } from '../../read-body.ts';
import type { Runtime } from '../../runtime.ts';

const sinks = new WeakMap<GatewayServices, WebauthnEventSink>();

/** Changes to a person's keys are written durably; uses and failures go in the next batch. */
const DURABLE: ReadonlySet<WebauthnEventKind> = new Set(['enrolled', 'renamed', 'removed', 'revoked', 'disabled', 'clone_suspected']);

/**
 * Where WebAuthn events go: the audit trail (type "webauthn") and the gateway log with the same field
 * names (`{ audit: {...} }`).
 */
export function eventSink(svc: GatewayServices): WebauthnEventSink {
  let s = sinks.get(svc);
  if (!s) {
    const log = loggingSink(svc.log, svc.now);
    s = (e) => {
      log(e);
      const input = toAuditInput(e, svc.now());
      if (!DURABLE.has(e.kind)) return svc.audit.record(input);
      svc.audit.recordDurable(input).catch((err: unknown) => {
        svc.log.error({ err, audit: input }, 'webauthn: durable audit write failed; buffered instead');
        svc.audit.record(input);
      });
    };
    sinks.set(svc, s);
  }
  return s;
}

export function ceremonyDeps(svc: GatewayServices, rt: Runtime): CeremonyDeps {
  return { cfg: webauthnFor(rt.config), repos: webauthnRepos(svc.store), now: svc.now, events: eventSink(svc) };
}

export interface SignedIn {
  readonly identity: Identity;
  readonly record: SessionRecord;
  /** The session cookie value (to update the session). */
  readonly cookieId: string;
}

/** The session of a gateway request; API-style 401 with login_url when there is none. */
export async function requireSession(req: IncomingMessage, rt: Runtime, svc: GatewayServices): Promise<SignedIn> {
  const auth = await authenticate(req, rt, svc);
  if (!auth) throw NotAuthenticated.create({ details: { login_url: `${rt.publicUrl}/.airlock/login` } });
  return auth;
}

/**
 * When this session's person last signed in with the IdP: the ID token's auth_time when it had one, else
 * when the login completed. Undefined for a session that no IdP login made (passwordless).
 */
export function idpLoginAt(s: SignedIn): number | undefined {
  if (s.identity.authTime !== undefined) return s.identity.authTime;
  return s.record.hasIdToken ? s.record.createdAt : undefined;
}

const KEYS_PAGE = '/.airlock/webauthn/keys';

/** Where the enrol page goes once the key is registered: the key page, or a safe same-origin path. */
export function enrollReturnTo(raw: string | null | undefined): string {
  return raw === KEYS_PAGE ? KEYS_PAGE : safeReturnTo(raw);
}

/** A forced IdP sign-in (prompt=login, max_age=0) that returns to the enrol page, then to `rd`. */
export function reauthLoginPath(rd: string): string {
  return `/.airlock/login?reauth=enroll&rd=${encodeURIComponent(rd)}`;
}

/** Authorization parameters of a forced sign-in: the IdP authenticates the person again, whatever its session. */
export const FORCED_SIGN_IN: Readonly<Record<string, string>> = Object.freeze({ prompt: 'login', max_age: '0' });

/** For login.ts with `reauth=enroll`: back to the enrol page (which returns to `rd`) after the forced sign-in. */
export function afterReauthReturnTo(rawRd: string | null): string {
  return `/.airlock/webauthn/enroll?rd=${encodeURIComponent(enrollReturnTo(rawRd))}`;
}

export function personOf(identity: Identity): CeremonyPerson {
  return { sub: identity.sub, username: identity.username, displayName: identity.name ?? identity.username, sessionId: identity.sessionId };
}

const MAX_JSON = 64 * 1024;

/**
 * The JSON body of a state-changing WebAuthn call: same origin only (Origin must be public_url's, and
 * Sec-Fetch-Site same-origin when sent), application/json, at most 64 KiB, an object.
 */
export async function readJsonBody(req: IncomingMessage, rt: Runtime): Promise<Record<string, unknown>> {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (origin !== rt.publicOrigin || (site !== undefined && site !== 'same-origin')) {
    req.resume();
    throw CrossOrigin.create({ logMessage: `webauthn call from origin ${String(origin).slice(0, 100)}` });
  }
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json(\s*;|$)/i.test(type)) {
    req.resume();
    throw webauthnErrors.RequestInvalid.create({ logMessage: 'content-type is not application/json' });
  }
  const raw = await readLimitedBody(req, MAX_JSON);
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw webauthnErrors.RequestInvalid.create({ cause });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw webauthnErrors.RequestInvalid.create({ logMessage: 'body is not a JSON object' });
  return v as Record<string, unknown>;
}
