import type { RouteInfo } from './catalogue/index.ts';
import { AmbiguousTarget, BadEncoding } from './errors.ts';
import { encodePathSegment, percentDecodeOnce } from './percent.ts';
import { parseParams, type ReadonlyQuery } from './query.ts';

export interface CanonicalTarget {
  readonly method: string;
  /** Decoded path as Airflow routes it (an encoded "/" is a separator there too), e.g. "/api/v1/dags/etl". */
  readonly path: string;
  /** Segments of `path` after the leading "/" (a trailing "/" gives a final ""). */
  readonly segments: readonly string[];
  readonly query: ReadonlyQuery;
  /** Exactly what the proxy sends upstream (path + query), re-encoded canonically ("%2F" stays encoded). */
  readonly forwardTarget: string;
  /**
   * Set when the path holds an encoded "/" (%2F) or a decoded "%" (double encoding, "%252F" -> "%2F"): Airflow
   * takes those only inside a {name:path} parameter (Werkzeug/Starlette `path` converter). `from` is the index
   * in `segments` of the first segment concerned; classify() refuses the request unless the route's path
   * parameter starts at or before it (assertEncodedWithinPathParam).
   */
  readonly pathParamOnly?: { readonly from: number; readonly kind: 'slash' | 'double' | 'percent' } | undefined;
}

const MAX_TARGET = 8192;
/** Raw characters allowed in a request target: RFC 3986 unreserved, sub-delims except ";", ":", "@", "/", "?", "%". */
const RAW_OK = /^[A-Za-z0-9\-._~!$&'()*+,=:@/?%]*$/;
const ASCII = /^[\x00-\x7f]*$/;
const FORBIDDEN_DECODED = /[/\\\u0000-\u001f\u007f;#?%]/;
/** Inside a {name:path} parameter Airflow also takes "/" (encoded) and "%" (from "%25"). */
const FORBIDDEN_IN_PATH_PARAM = /[\\\u0000-\u001f\u007f;#?]/;

function refuse(what: string): never {
  throw AmbiguousTarget.create({ logMessage: `ambiguous request target: ${what}` });
}

/** Checks one decoded segment; non-ASCII look-alikes are checked after NFKC folding. */
function checkSegment(seg: string, inPathParam = false): void {
  if ((inPathParam ? FORBIDDEN_IN_PATH_PARAM : FORBIDDEN_DECODED).test(seg)) refuse('encoded separator or control character');
  if (seg === '.' || seg === '..') refuse('dot segment');
  // eslint-disable-next-line no-control-regex
  if (!ASCII.test(seg)) {
    const folded = seg.normalize('NFKC');
    if (/[/\\;#?%]/.test(folded) || folded === '.' || folded === '..' || /^\.+$/.test(folded)) refuse('look-alike separator');
  }
}

/**
 * Canonicalizes req.url once: refuses anything that two parsers could read differently, and returns the
 * decoded form used for the decision together with the exact target to forward.
 */
export function canonicalizeTarget(method: string, rawTarget: string): CanonicalTarget {
  if (!/^[A-Z]{1,16}$/.test(method)) throw BadEncoding.create({ logMessage: `invalid method ${JSON.stringify(method.slice(0, 20))}` });
  if (rawTarget.length === 0 || rawTarget.length > MAX_TARGET || rawTarget.charCodeAt(0) !== 0x2f) refuse('not an origin-form target');
  if (!RAW_OK.test(rawTarget)) {
    if (/[;#\\]/.test(rawTarget)) refuse('";", "#" or "\\" in target');
    throw BadEncoding.create({ logMessage: 'raw non-ASCII, space or control character in target' });
  }
  const q = rawTarget.indexOf('?');
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const rawQuery = q === -1 ? '' : rawTarget.slice(q + 1);
  const rawSegs = rawPath.slice(1).split('/');
  const decoded: string[] = new Array(rawSegs.length);
  const segments: string[] = [];
  let pathParamOnly: CanonicalTarget['pathParamOnly'];
  for (let i = 0; i < rawSegs.length; i++) {
    const raw = rawSegs[i]!;
    if (raw === '' && i !== rawSegs.length - 1) refuse('empty segment ("//")');
    const seg = percentDecodeOnce(raw);
    decoded[i] = seg;
    if (seg.indexOf('/') === -1 && seg.indexOf('%') === -1) {
      checkSegment(seg);
      segments.push(seg);
      continue;
    }
    // Airflow's server decodes %2F before routing: the parts are segments there; they may only fall in a
    // {name:path} parameter (empty parts too, e.g. "s3://bucket"), which classify checks.
    pathParamOnly ??= { from: segments.length, kind: seg.indexOf('/') !== -1 ? 'slash' : /%[0-9A-Fa-f]{2}/.test(seg) ? 'double' : 'percent' };
    for (const part of seg.split('/')) {
      checkSegment(part, true);
      segments.push(part);
    }
  }
  const query = parseParams(rawQuery);
  const path = `/${segments.join('/')}`;
  const qs = query.toString();
  const forwardTarget = `/${decoded.map(encodePathSegment).join('/')}${qs ? `?${qs}` : ''}`;
  return { method, path, segments, query, forwardTarget, pathParamOnly };
}

/** Index of a route's trailing {name:path} parameter among its segments, or -1. */
function pathParamIndex(template: string): number {
  const segs = template.slice(1).split('/');
  return /^\{\w+:path\}$/.test(segs[segs.length - 1]!) ? segs.length - 1 : -1;
}

/**
 * Refuses a target whose encoded "/" or decoded "%" (CanonicalTarget.pathParamOnly) does not lie inside the
 * matched route's {name:path} parameter: everywhere else Airflow would route or read it differently.
 * Throws AIRLOCK_POLICY_BAD_ENCODING (double encoding, "%252F") or AIRLOCK_POLICY_AMBIGUOUS_TARGET (an encoded
 * "/" or a lone encoded "%").
 */
export function assertEncodedWithinPathParam(target: CanonicalTarget, route: RouteInfo | undefined): void {
  const p = target.pathParamOnly;
  if (p === undefined) return;
  const at = route ? pathParamIndex(route.path) : -1;
  if (at >= 0 && p.from >= at) return;
  if (p.kind === 'double') throw BadEncoding.create({ logMessage: 'double percent-encoding outside a path parameter' });
  refuse(p.kind === 'slash' ? 'encoded "/" outside a path parameter' : 'encoded "%" outside a path parameter');
}

/**
 * The target as the environment behind a path prefix sees it (prefix removed), derived from the canonical
 * forwardTarget so that nothing is decoded twice. Throws AIRLOCK_POLICY_AMBIGUOUS_TARGET when the prefix is
 * not a whole leading segment of the encoded target (e.g. "/dev%2Fapi").
 */
export function targetWithinPrefix(target: CanonicalTarget, prefix: string): CanonicalTarget {
  if (prefix === '') return target;
  const t = target.forwardTarget;
  const next = t.charAt(prefix.length);
  if (!t.startsWith(prefix) || (next !== '' && next !== '/' && next !== '?')) refuse('path prefix is not a whole segment');
  const rest = t.slice(prefix.length);
  return canonicalizeTarget(target.method, rest.startsWith('/') ? rest : `/${rest}`);
}
