import { BadEncoding } from './errors.ts';

const HEX = /^[0-9A-Fa-f]{2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes %XX escapes (UTF-8, strict). `plusIsSpace` for query/form data. Throws AIRLOCK_POLICY_BAD_ENCODING
 * on a leftover "%", invalid UTF-8, or a decoded "%" followed by two hex digits (double encoding).
 */
export function percentDecode(text: string, plusIsSpace: boolean): string {
  const out = decodeEscapes(text, plusIsSpace);
  if (/%[0-9A-Fa-f]{2}/.test(out)) throw BadEncoding.create({ logMessage: 'double percent-encoding' });
  return out;
}

/**
 * Decodes one path segment once, like gunicorn does before Werkzeug routes: a decoded "%" (from "%25", e.g.
 * "%252F" -> "%2F") is kept, not refused; the caller accepts it only inside a {name:path} parameter.
 * Throws AIRLOCK_POLICY_BAD_ENCODING on a leftover "%" or invalid UTF-8.
 */
export function percentDecodeOnce(text: string): string {
  return decodeEscapes(text, false);
}

function decodeEscapes(text: string, plusIsSpace: boolean): string {
  if (text.indexOf('%') === -1) return plusIsSpace && text.indexOf('+') !== -1 ? text.replaceAll('+', ' ') : text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX.test(hex)) throw BadEncoding.create({ logMessage: 'leftover % in request target' });
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (plusIsSpace && ch === 0x2b) bytes.push(0x20);
    else bytes.push(ch);
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch (cause) {
    throw BadEncoding.create({ cause, logMessage: 'invalid UTF-8 in percent-encoding' });
  }
}

const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,=:@]/;

/** Canonical encoding of one decoded path segment (pchar kept, everything else %XX UTF-8). */
const PATH_SAFE_ALL = /^[A-Za-z0-9\-._~!$&'()*+,=:@]*$/;

export function encodePathSegment(seg: string): string {
  if (PATH_SAFE_ALL.test(seg)) return seg;
  let out = '';
  for (const ch of seg) out += ch.length === 1 && PATH_SAFE.test(ch) ? ch : encodeURIComponent(ch);
  return out;
}

/** Canonical encoding of a decoded query/form key or value. */
export function encodeQueryPart(text: string): string {
  return encodeURIComponent(text);
}
