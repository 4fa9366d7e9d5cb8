import { CredentialsAmbiguous, TokenInBasic, TokenInCookie, TokenInUrl } from './errors.ts';
import { looksLikeToken, TOKEN_PREFIX } from './format.ts';
import { looksLikeJwt } from './workload.ts';

/** What a request's Authorization header carries. */
export type Credential =
  | { readonly kind: 'token'; readonly value: string }
  | { readonly kind: 'jwt'; readonly value: string }
  /** Another scheme, or a bearer value that is neither an Airlock token nor a JWT (an opaque access token). */
  | { readonly kind: 'other'; readonly scheme: string };

export interface CredentialSource {
  readonly rawHeaders: readonly string[];
  readonly url?: string | undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * Reads the request's credentials and refuses those sent where they leak or mislead: a token (or an
 * `access_token` parameter) in the URL, a token in a cookie, a token as a Basic password, or more than one
 * Authorization header. Returns the Authorization credential, or undefined when there is none.
 */
export function readCredential(req: CredentialSource): Credential | undefined {
  const url = req.url ?? '';
  if (url.includes(TOKEN_PREFIX) || url.includes('%') || /[?&]access_token=/i.test(url)) {
    const q = url.indexOf('?');
    if (q >= 0) {
      for (const pair of url.slice(q + 1).split('&')) {
        const eq = pair.indexOf('=');
        const key = safeDecode(eq < 0 ? pair : pair.slice(0, eq)).toLowerCase();
        if (key === 'access_token') throw TokenInUrl.create({ details: { parameter: 'access_token' }, logMessage: 'credential in the access_token query parameter' });
      }
    }
    if (looksLikeToken(safeDecode(url))) throw TokenInUrl.create({ logMessage: 'an Airlock token in the URL' });
  }
  let authorization: string | undefined;
  let count = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') {
      count++;
      authorization = raw[i + 1]!;
    } else if (name.length === 6 && name.toLowerCase() === 'cookie') {
      const v = raw[i + 1]!;
      if (v.includes(TOKEN_PREFIX) && looksLikeToken(safeDecode(v))) throw TokenInCookie.create({ logMessage: 'an Airlock token in a cookie' });
    }
  }
  if (count > 1) throw CredentialsAmbiguous.create({ logMessage: `${count} Authorization headers` });
  if (authorization === undefined) return undefined;
  const m = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: +(.*))?$/.exec(authorization.trim());
  const scheme = (m?.[1] ?? '').toLowerCase();
  const value = (m?.[2] ?? '').trim();
  if (scheme === 'bearer') {
    if (value.startsWith(TOKEN_PREFIX)) return { kind: 'token', value };
    if (looksLikeJwt(value)) return { kind: 'jwt', value };
    return { kind: 'other', scheme: 'bearer' };
  }
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    if (looksLikeToken(decoded) || looksLikeToken(value)) throw TokenInBasic.create({ logMessage: 'an Airlock token as a Basic credential' });
  } else if (looksLikeToken(authorization)) {
    throw TokenInBasic.create({ message: `An Airlock token must be sent as "Authorization: Bearer <token>", not with the ${scheme || 'unknown'} scheme.`, logMessage: `an Airlock token with the ${scheme} scheme` });
  }
  return { kind: 'other', scheme: scheme || 'unknown' };
}
