import { ResponseMalformed } from './errors.ts';

/**
 * Exact lengths of the binary parts of a WebAuthn response, checked before @simplewebauthn/server reads them.
 * Its decoder reads the FIRST CBOR item of a buffer and ignores what follows (attestationObject), and finds
 * where authenticatorData's parts end by re-encoding what it decoded, which is not always the encoded length
 * (a half-precision float comes back longer), so bytes can trail unnoticed. Here every item is walked as
 * encoded (RFC 8949 well-formedness, definite lengths only, as CTAP2 requires) and the buffer must end exactly
 * where the last item ends.
 */

const MAX_DEPTH = 16;

class Malformed extends Error {}

/** Where the CBOR item starting at `at` ends (exclusive). Throws Malformed for anything not well-formed. */
function itemEnd(b: Uint8Array, at: number, depth: number): number {
  if (depth > MAX_DEPTH) throw new Malformed(`nested deeper than ${MAX_DEPTH}`);
  if (at >= b.length) throw new Malformed('ends inside an item');
  const major = b[at]! >> 5;
  const info = b[at]! & 0x1f;
  let p = at + 1;
  let arg: number;
  if (info < 24) arg = info;
  else if (info <= 27) {
    const size = 1 << (info - 24);
    if (p + size > b.length) throw new Malformed('ends inside an item head');
    arg = 0;
    for (let i = 0; i < size; i++) arg = arg * 256 + b[p + i]!;
    p += size;
  } else throw new Malformed(info === 31 ? 'indefinite length' : 'reserved additional information');
  switch (major) {
    case 0:
    case 1:
      return p;
    case 2:
    case 3:
      if (arg > b.length - p) throw new Malformed('a string is longer than the data');
      return p + arg;
    case 4:
    case 5: {
      const items = major === 5 ? arg * 2 : arg;
      // each item takes at least one byte: a count beyond the data cannot be well-formed
      if (items > b.length - p) throw new Malformed('more entries than the data can hold');
      for (let i = 0; i < items; i++) p = itemEnd(b, p, depth + 1);
      return p;
    }
    case 6:
      return itemEnd(b, p, depth + 1);
    default:
      // simple values and floats: the head is the whole item; simple values 24..31 in one byte are not used here
      if (info === 24) throw new Malformed('one-byte simple value');
      return p;
  }
}

/** The attestation object is one CBOR item and nothing else. */
export function checkAttestationObjectLength(att: Uint8Array): void {
  let end: number;
  try {
    end = itemEnd(att, 0, 0);
  } catch (cause) {
    throw ResponseMalformed.create({ cause, logMessage: `attestationObject is not well-formed CBOR: ${(cause as Error).message}` });
  }
  if (end !== att.length) throw ResponseMalformed.create({ logMessage: `attestationObject has ${att.length - end} byte(s) after its CBOR item` });
}

/**
 * authenticatorData ends exactly where its flags say: 37 bytes (rpIdHash, flags, counter), then attested
 * credential data when AT is set (AAGUID, id length, id, one COSE key item), then one extensions item when ED
 * is set. Anything more, or less, is refused.
 */
export function checkAuthenticatorDataLength(ad: Uint8Array): void {
  const fail = (why: string) => ResponseMalformed.create({ logMessage: `authenticatorData: ${why}` });
  if (ad.length < 37) throw fail(`${ad.length} bytes, fewer than the 37 of its header`);
  const flags = ad[32]!;
  let p = 37;
  try {
    if (flags & 0x40) {
      if (p + 18 > ad.length) throw new Malformed('ends inside the attested credential data');
      const idLength = (ad[p + 16]! << 8) | ad[p + 17]!;
      p += 18 + idLength;
      if (p >= ad.length) throw new Malformed('ends before the credential public key');
      p = itemEnd(firefox117EdDsaFixed(ad, p), p, 0);
    }
    if (flags & 0x80) {
      if (p >= ad.length) throw new Malformed('the extensions flag is set but there is no extension data');
      p = itemEnd(ad, p, 0);
    }
  } catch (cause) {
    if (cause instanceof Malformed) throw fail(cause.message);
    throw cause;
  }
  if (p !== ad.length) throw fail(`${ad.length - p} byte(s) after what its flags declare`);
}

/**
 * Firefox 117 encoded an EdDSA public key as a map of 3 entries that holds 4; @simplewebauthn/server reads it
 * as 4 (its parseAuthenticatorData), and so does this length check (on a copy).
 */
const FIREFOX_117_EDDSA = Buffer.from('a301634f4b500327206745643235353139', 'hex');
function firefox117EdDsaFixed(ad: Uint8Array, at: number): Uint8Array {
  if (!Buffer.from(ad.buffer, ad.byteOffset + at, Math.min(FIREFOX_117_EDDSA.length, ad.length - at)).equals(FIREFOX_117_EDDSA)) return ad;
  const copy = Uint8Array.from(ad);
  copy[at] = 0xa4;
  return copy;
}
