import { BadHeader } from './errors.ts';
import { removeCookies } from './cookies.ts';
import { encodeHeaderValue } from './header-value.ts';
import { canonicalHeaderName, HOP_BY_HOP_REQUEST, isGatewaySet, isProtected, isToken } from './header-names.ts';
import type { ClientAddress } from './trusted-proxies.ts';

export interface SanitizeOptions {
  /** From clientAddress(): becomes X-Forwarded-For / -Proto / -Host / -Port. */
  readonly client: ClientAddress;
  /** The gateway's session cookie; removed from Cookie, other cookies kept byte-identical. */
  readonly sessionCookieName: string;
  /** More gateway cookies to remove (e.g. a step-up or CSRF cookie). Pass the same array each time (it is compiled once). */
  readonly gatewayCookieNames?: readonly string[];
  /** True when the gateway consumed Authorization (Bearer token); it is then not forwarded. */
  readonly stripAuthorization: boolean;
  /** More header names only the gateway sets (besides X-Airlock-*, Forwarded, X-Forwarded-*, ...). Same-array rule as above. */
  readonly gatewayHeaders?: readonly string[];
  /**
   * Headers the gateway adds (X-Airlock-Assertion, X-Airlock-User, ...). Any client copy is removed
   * first; values go through encodeHeaderValue (non-visible-ASCII and "%" percent-encoded).
   */
  readonly add?: Readonly<Record<string, string>>;
}

export type ForwardHeaders = Record<string, string | string[]>;

const compiledHeaderNames = new WeakMap<readonly string[], ReadonlySet<string>>();
const compiledCookieNames = new WeakMap<readonly string[], ReadonlySet<string>>();
const EMPTY: ReadonlySet<string> = new Set();
/** Added header names already checked, to their lower-case form (the gateway adds a handful of fixed names). */
const ADDED_NAMES = new Map<string, string>();

function compileNames(list: readonly string[] | undefined, canonical: boolean): ReadonlySet<string> {
  if (list === undefined) return EMPTY;
  const cache = canonical ? compiledHeaderNames : compiledCookieNames;
  let set = cache.get(list);
  if (!set) {
    if (!Array.isArray(list) || list.some((n) => typeof n !== 'string' || !isToken(n))) throw new TypeError('header/cookie name lists must be arrays of tokens');
    set = new Set(list.map((n) => (canonical ? canonicalHeaderName(n) : n)));
    cache.set(list, set);
  }
  return set;
}

/**
 * Adds a header value (a repeated header becomes an array). `out` is a plain object (fast in V8, unlike a
 * null-prototype one): names never contain "_" here, so only Object.prototype's methods (constructor,
 * toString, ...) can be inherited, and those are functions, never a string or an array we made.
 */
function append(out: ForwardHeaders, name: string, value: string): void {
  const prev = out[name];
  if (typeof prev === 'string') out[name] = [prev, value];
  else if (Array.isArray(prev) && Object.hasOwn(out, name)) prev.push(value);
  else out[name] = value;
}

function isAdded(added: readonly (readonly [string, string])[], lowerName: string): boolean {
  for (let i = 0; i < added.length; i++) if (added[i]![0] === lowerName) return true;
  return false;
}

/**
 * Builds the headers sent upstream from req.rawHeaders (see docs/proxy.md):
 * removes the headers of the table in stripped-headers.ts (X-Airlock*, Forwarded, X-Forwarded-*, client-address,
 * URL-rewrite, method-override, host-override and other proxies' identity headers), opts.gatewayHeaders and
 * opts.add names (case-insensitive, "_" read as "-"), every
 * name containing "_", hop-by-hop headers and those named in Connection, the gateway's cookies,
 * and Authorization when consumed; then adds X-Forwarded-* and opts.add.
 * Throws AIRLOCK_PROXY_BAD_HEADER (400) when Connection names a protected header or is not a token list.
 * Result keys are lower-case; repeated headers become arrays (order kept).
 */
export function sanitizeRequestHeaders(rawHeaders: readonly string[], opts: SanitizeOptions): ForwardHeaders {
  if (typeof opts.sessionCookieName !== 'string' || !isToken(opts.sessionCookieName)) throw new TypeError('sessionCookieName must be a cookie name');
  if (typeof opts.stripAuthorization !== 'boolean') throw new TypeError('stripAuthorization must be a boolean');
  const extra = compileNames(opts.gatewayHeaders, true);
  const otherCookies = compileNames(opts.gatewayCookieNames, false);
  const added: [string, string][] = [];
  const add = opts.add;
  if (add !== undefined) {
    for (const name in add) {
      const value = add[name];
      let lower = ADDED_NAMES.get(name);
      if (lower === undefined) {
        if (!isToken(name) || name.includes('_')) throw new TypeError(`added header name "${name}" must be a token without "_"`);
        lower = name.toLowerCase();
        if (ADDED_NAMES.size < 1000) ADDED_NAMES.set(name, lower);
      }
      if (typeof value !== 'string') throw new TypeError(`added header "${name}" must have a string value`);
      added.push([lower, encodeHeaderValue(value)]);
    }
  }

  // Pass 1: what Connection asks to drop. Naming a protected header is an attack (hop-by-hop abuse).
  let connectionNamed: Set<string> | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const rawName = rawHeaders[i]!;
    if (rawName.length !== 10 || rawName.toLowerCase() !== 'connection') continue;
    for (const item of rawHeaders[i + 1]!.split(',')) {
      const token = item.trim();
      if (token === '') continue;
      if (!isToken(token)) throw BadHeader.create({ logMessage: 'Connection header is not a token list' });
      const canonical = canonicalHeaderName(token);
      if (isProtected(canonical, extra) || isAdded(added, canonical)) {
        throw BadHeader.create({ logMessage: `Connection header names protected header ${canonical}` });
      }
      (connectionNamed ??= new Set()).add(canonical);
    }
  }

  // Pass 2: keep what may pass.
  const out: ForwardHeaders = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const rawName = rawHeaders[i]!;
    if (rawName.includes('_')) continue;
    const name = rawName.toLowerCase();
    if (HOP_BY_HOP_REQUEST.has(name) || connectionNamed?.has(name)) continue;
    if (isGatewaySet(name, extra) || isAdded(added, name)) continue;
    if (name === 'authorization' && opts.stripAuthorization) continue;
    let value = rawHeaders[i + 1]!;
    if (name === 'cookie') {
      const rest = removeCookies(value, opts.sessionCookieName, otherCookies);
      if (rest === undefined) continue;
      value = rest;
    }
    append(out, name, value);
  }

  const c = opts.client;
  out['x-forwarded-for'] = encodeHeaderValue(c.ip);
  out['x-forwarded-proto'] = c.proto;
  out['x-forwarded-host'] = encodeHeaderValue(c.host);
  out['x-forwarded-port'] = String(c.port);
  for (const [name, value] of added) out[name] = value;
  return out;
}
