import { ReturnToInvalid } from './errors.ts';

const MAX_LENGTH = 2048;
/** Gateway pages (GET only, no side effect) a person returns to after signing in or confirming with a key: `airlock login`'s approval page. */
const RETURNABLE_GATEWAY_PAGES: ReadonlySet<string> = new Set(['/.airlock/device']);
/** The page of one held request (GET only: a person reviews it, then approves or denies it with a form post). */
const APPROVAL_PAGE = /^\/\.airlock\/approvals\/apr_[A-Za-z0-9_-]{22}$/;
/** Backslash, C0/C1 controls, space, DEL, and the Unicode line/paragraph separators. */
const UNSAFE_RAW = /[\\\u0000-\u0020\u007f-\u009f\u2028\u2029]/;

/**
 * Accepts only a same-origin relative path as the place to return to after login: it must start with
 * exactly one "/", contain no backslash, whitespace or control character anywhere, and its PATH must stay
 * free of them (and of a leading "//") after up to three rounds of percent-decoding (so "/%2F%2Fevil",
 * "/%09/evil", "/%5Cevil" are refused). The query and fragment may carry percent-encoded text such as
 * "?search=my%20dag". Refuses "//evil", "/\\evil", "https:evil", "javascript:...". Gateway pages
 * (/.airlock/...) become "/", except the pages a sign-in or a step-up may return to (RETURNABLE_GATEWAY_PAGES).
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '/';
  if (value.length > MAX_LENGTH) throw ReturnToInvalid.create({ logMessage: `return-to longer than ${MAX_LENGTH}` });
  if (!value.startsWith('/') || value.startsWith('//')) throw ReturnToInvalid.create({ logMessage: 'return-to is not a single-slash path' });
  if (UNSAFE_RAW.test(value)) throw ReturnToInvalid.create({ logMessage: 'return-to contains a backslash, whitespace or control character' });
  const pathEnd = value.search(/[?#]/);
  checkDecodedPath(pathEnd < 0 ? value : value.slice(0, pathEnd));
  const base = 'https://airlock.invalid';
  const parsed = new URL(value, base);
  if (parsed.origin !== base) throw ReturnToInvalid.create({ logMessage: 'return-to leaves the origin' });
  const out = parsed.pathname + parsed.search + parsed.hash;
  if (RETURNABLE_GATEWAY_PAGES.has(parsed.pathname) || APPROVAL_PAGE.test(parsed.pathname)) return out;
  if (out === '/.airlock' || out.startsWith('/.airlock/') || out.startsWith('/.airlock?') || out.startsWith('/.airlock#')) return '/';
  return out;
}

function checkDecodedPath(path: string): void {
  let decoded = path;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      throw ReturnToInvalid.create({ logMessage: 'return-to path has a malformed percent-encoding' });
    }
    if (UNSAFE_RAW.test(next) || next.startsWith('//')) throw ReturnToInvalid.create({ logMessage: 'return-to path decodes to an unsafe path' });
    if (next === decoded) return;
    decoded = next;
  }
  // still changing after three rounds: nobody writes such a path by accident
  if (decodeURIComponent(decoded) !== decoded) throw ReturnToInvalid.create({ logMessage: 'return-to path is encoded more than three times' });
}
