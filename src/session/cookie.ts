import type { CookieConfig } from '../config/index.ts';
import { isWellFormedSessionId } from './session-id.ts';

export interface CookieSettings {
  readonly name: string;
  readonly secure: boolean;
  readonly sameSite: 'Lax' | 'Strict';
}

const HOST_PREFIX = '__Host-';
const NAME = /^[A-Za-z0-9_-]+$/;

/**
 * The session cookie for `publicUrl`. On https: a `__Host-` name (default `__Host-airlock`), Secure.
 * The one exception is development on http://localhost, http://127.0.0.1 (or http://[::1]): name `airlock` (no prefix), no Secure,
 * since browsers drop Secure / __Host- cookies set over plain http. Anything else is a TypeError.
 */
/** The cookie config as loaded ({@link CookieConfig}, where `name` is always filled in) or with `name` left out. */
export type CookieInput = CookieConfig | { readonly name?: string | undefined; readonly same_site: 'lax' | 'strict' };

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function cookieSettings(publicUrl: string, cookie: CookieInput): CookieSettings {
  let u: URL;
  try {
    u = new URL(publicUrl);
  } catch {
    throw new TypeError('cookieSettings: public_url is not a URL');
  }
  const sameSite = cookie.same_site === 'strict' ? 'Strict' : cookie.same_site === 'lax' ? 'Lax' : undefined;
  if (sameSite === undefined) throw new TypeError('cookieSettings: same_site must be "lax" or "strict"');
  if (cookie.name !== undefined && !NAME.test(cookie.name)) throw new TypeError('cookieSettings: invalid cookie name');
  if (u.protocol === 'https:') {
    const name = cookie.name ?? `${HOST_PREFIX}airlock`;
    if (!name.startsWith(HOST_PREFIX) || name.length === HOST_PREFIX.length) {
      throw new TypeError(`cookieSettings: on https the cookie name must start with "${HOST_PREFIX}"`);
    }
    return Object.freeze({ name, secure: true, sameSite });
  }
  if (u.protocol === 'http:' && LOCAL_HOSTS.has(u.hostname)) {
    const name = cookie.name ?? 'airlock';
    if (name.startsWith(HOST_PREFIX)) {
      throw new TypeError(`cookieSettings: a "${HOST_PREFIX}" cookie needs https; on http://localhost use a plain name`);
    }
    return Object.freeze({ name, secure: false, sameSite });
  }
  throw new TypeError('cookieSettings: public_url must be https:// (http:// only for localhost development)');
}

function attributes(s: CookieSettings, maxAgeSeconds: number): string {
  // No Domain (required by __Host-, and keeps the cookie on this exact host); Path=/ (required by __Host-).
  return `Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=${s.sameSite}${s.secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value for a session id. */
export function serializeSessionCookie(s: CookieSettings, id: string, maxAgeSeconds: number): string {
  if (!isWellFormedSessionId(id)) throw new TypeError('serializeSessionCookie: not a session id');
  if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 1) throw new TypeError('serializeSessionCookie: maxAgeSeconds must be a positive integer');
  return `${s.name}=${id}; ${attributes(s, maxAgeSeconds)}`;
}

/** The Set-Cookie value that removes the session cookie. */
export function clearSessionCookie(s: CookieSettings): string {
  return `${s.name}=; ${attributes(s, 0)}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

/**
 * The session id from a Cookie header, or undefined. Strict: the value must be exactly 43 base64url
 * characters, and if the name appears more than once (cookie tossing from a sibling host or a
 * narrower path) nothing is returned at all.
 */
export function readSessionCookie(s: CookieSettings, cookieHeader: string | undefined): string | undefined {
  if (typeof cookieHeader !== 'string' || cookieHeader === '') return undefined;
  let found: string | undefined;
  let count = 0;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (name !== s.name) continue;
    count++;
    found = eq === -1 ? '' : part.slice(eq + 1).trim();
  }
  if (count !== 1) return undefined;
  return isWellFormedSessionId(found) ? found : undefined;
}
