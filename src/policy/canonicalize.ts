import { AmbiguousTarget, BadEncoding } from './errors.ts';
import { encodePathSegment, percentDecode } from './percent.ts';
import { parseParams, type ReadonlyQuery } from './query.ts';

export interface CanonicalTarget {
  readonly method: string;
  /** Decoded path, e.g. "/api/v1/dags/etl". */
  readonly path: string;
  /** Decoded segments after the leading "/" (a trailing "/" gives a final ""). */
  readonly segments: readonly string[];
  readonly query: ReadonlyQuery;
  /** Exactly what the proxy sends upstream (path + query), re-encoded canonically. */
  readonly forwardTarget: string;
}

const MAX_TARGET = 8192;
/** Raw characters allowed in a request target: RFC 3986 unreserved, sub-delims except ";", ":", "@", "/", "?", "%". */
const RAW_OK = /^[A-Za-z0-9\-._~!$&'()*+,=:@/?%]*$/;
const ASCII = /^[\x00-\x7f]*$/;
const FORBIDDEN_DECODED = /[/\\\u0000-\u001f\u007f;#?%]/;

function refuse(what: string): never {
  throw AmbiguousTarget.create({ logMessage: `ambiguous request target: ${what}` });
}

/** Checks one decoded segment; non-ASCII look-alikes are checked after NFKC folding. */
function checkSegment(seg: string): void {
  if (FORBIDDEN_DECODED.test(seg)) refuse('encoded separator or control character');
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
  const segments: string[] = new Array(rawSegs.length);
  for (let i = 0; i < rawSegs.length; i++) {
    const raw = rawSegs[i]!;
    if (raw === '' && i !== rawSegs.length - 1) refuse('empty segment ("//")');
    const seg = percentDecode(raw, false);
    checkSegment(seg);
    segments[i] = seg;
  }
  const query = parseParams(rawQuery);
  const path = `/${segments.join('/')}`;
  const qs = query.toString();
  const forwardTarget = `/${segments.map(encodePathSegment).join('/')}${qs ? `?${qs}` : ''}`;
  return { method, path, segments, query, forwardTarget };
}
