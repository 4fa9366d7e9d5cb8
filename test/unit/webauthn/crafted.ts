/**
 * Crafted WebAuthn responses built with node:crypto: a tiny CBOR encoder, authenticatorData, clientDataJSON,
 * "none" and "packed" (self) attestation, and assertions — so server checks can be tested one field at a time.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

type Cbor = number | string | Uint8Array | Cbor[] | Map<number | string, Cbor> | boolean;

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cbor(v: Cbor): Buffer {
  if (typeof v === 'boolean') return Buffer.from([v ? 0xf5 : 0xf4]);
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  const parts: Buffer[] = [head(5, v.size)];
  for (const [k, x] of v) parts.push(cbor(k), cbor(x));
  return Buffer.concat(parts);
}

export type KeyAlg = 'ES256' | 'EdDSA';

export interface CraftedKey {
  readonly alg: KeyAlg;
  readonly coseAlg: number;
  readonly privateKey: KeyObject;
  readonly cosePublicKey: Buffer;
}

export function newKey(alg: KeyAlg = 'ES256'): CraftedKey {
  if (alg === 'ES256') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]);
    return { alg, coseAlg: -7, privateKey, cosePublicKey: cbor(cose) };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = new Map<number, Cbor>([[1, 1], [3, -8], [-1, 6], [-2, Buffer.from(jwk.x!, 'base64url')]]);
  return { alg, coseAlg: -8, privateKey, cosePublicKey: cbor(cose) };
}

export function signWith(key: CraftedKey, data: Buffer): Buffer {
  return key.alg === 'ES256' ? sign('sha256', data, key.privateKey) : sign(null, data, key.privateKey);
}

export interface Flags {
  up?: boolean;
  uv?: boolean;
  be?: boolean;
  bs?: boolean;
}

/** `extensions`: CBOR bytes appended as extension data, with the ED flag set. */
export function authData(opts: { rpId: string; flags?: Flags; counter: number; attested?: { aaguid: Buffer; credentialId: Buffer; cosePublicKey: Buffer }; extensions?: Buffer }): Buffer {
  const f = { up: true, uv: true, be: false, bs: false, ...opts.flags };
  let flags = 0;
  if (f.up) flags |= 0x01;
  if (f.uv) flags |= 0x04;
  if (f.be) flags |= 0x08;
  if (f.bs) flags |= 0x10;
  if (opts.attested) flags |= 0x40;
  if (opts.extensions) flags |= 0x80;
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(opts.counter);
  const parts: Uint8Array[] = [createHash('sha256').update(opts.rpId).digest(), Buffer.from([flags]), counter];
  if (opts.attested) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(opts.attested.credentialId.length);
    parts.push(opts.attested.aaguid, len, opts.attested.credentialId, opts.attested.cosePublicKey);
  }
  if (opts.extensions) parts.push(opts.extensions);
  return Buffer.concat(parts);
}

export function clientDataJSON(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false, ...extra }));
}

export const ZERO = Buffer.alloc(16);
export const aaguidBytes = (s: string) => Buffer.from(s.replace(/-/g, ''), 'hex');

/** A crafted authenticator holding one credential; every field of its responses can be overridden. */
export class CraftedAuthenticator {
  readonly credentialId: Buffer;
  readonly key: CraftedKey;
  counter: number;
  constructor(
    readonly rpId: string,
    readonly origin: string,
    opts: { alg?: KeyAlg; counter?: number; credentialId?: Buffer } = {},
  ) {
    this.key = newKey(opts.alg ?? 'ES256');
    this.counter = opts.counter ?? 0;
    this.credentialId = opts.credentialId ?? randomBytes(32);
  }

  get id(): string {
    return this.credentialId.toString('base64url');
  }

  /**
   * A registration response. fmt "packed" without `attestation` is self attestation (signed with the credential
   * key); with it, full attestation: signed with `attestation.key` (ES256) and `attestation.x5c` (DER, leaf first).
   * `cosePublicKey` replaces the key's COSE encoding in authenticatorData; `tamperAuthData` changes authenticatorData
   * before it is signed; `tamperAttestationObject` changes the encoded attestation object.
   */
  register(challenge: string, o: { origin?: string; rpId?: string; type?: 'webauthn.create' | 'webauthn.get'; flags?: Flags; fmt?: 'none' | 'packed'; aaguid?: Buffer; responseId?: string; attachment?: 'platform' | 'cross-platform'; attestation?: { key: KeyObject; x5c: Buffer[] }; cosePublicKey?: Buffer; tamperAuthData?: (ad: Buffer) => Buffer; tamperAttestationObject?: (att: Buffer) => Buffer } = {}) {
    const cd = clientDataJSON(o.type ?? 'webauthn.create', challenge, o.origin ?? this.origin);
    const plain = authData({ rpId: o.rpId ?? this.rpId, flags: o.flags, counter: this.counter, attested: { aaguid: o.aaguid ?? ZERO, credentialId: this.credentialId, cosePublicKey: o.cosePublicKey ?? this.key.cosePublicKey } });
    const ad = o.tamperAuthData ? o.tamperAuthData(plain) : plain;
    let attStmt: Map<string, Cbor> = new Map();
    if (o.fmt === 'packed') {
      const signed = Buffer.concat([ad, createHash('sha256').update(cd).digest()]);
      attStmt = o.attestation
        ? new Map<string, Cbor>([['alg', -7], ['sig', sign('sha256', signed, o.attestation.key)], ['x5c', o.attestation.x5c]])
        : new Map<string, Cbor>([['alg', this.key.coseAlg], ['sig', signWith(this.key, signed)]]);
    }
    const encoded = cbor(new Map<string, Cbor>([['fmt', o.fmt ?? 'none'], ['attStmt', attStmt], ['authData', ad]]));
    const att = o.tamperAttestationObject ? o.tamperAttestationObject(encoded) : encoded;
    const id = o.responseId ?? this.id;
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: { clientDataJSON: cd.toString('base64url'), attestationObject: att.toString('base64url'), transports: ['usb'] },
      clientExtensionResults: { credProps: { rk: true } },
      ...(o.attachment ? { authenticatorAttachment: o.attachment } : {}),
    };
  }

  /** `extensions`: CBOR extension data (ED flag set); `tamperAuthData` changes authenticatorData before it is signed. */
  assert(challenge: string, o: { origin?: string; rpId?: string; flags?: Flags; counter?: number; userHandle?: string; signWith?: CraftedKey; type?: 'webauthn.create' | 'webauthn.get'; id?: string; extensions?: Buffer; tamperAuthData?: (ad: Buffer) => Buffer } = {}) {
    if (o.counter === undefined) this.counter += 1;
    const cd = clientDataJSON(o.type ?? 'webauthn.get', challenge, o.origin ?? this.origin);
    const plain = authData({ rpId: o.rpId ?? this.rpId, flags: o.flags, counter: o.counter ?? this.counter, ...(o.extensions ? { extensions: o.extensions } : {}) });
    const ad = o.tamperAuthData ? o.tamperAuthData(plain) : plain;
    const sig = signWith(o.signWith ?? this.key, Buffer.concat([ad, createHash('sha256').update(cd).digest()]));
    const id = o.id ?? this.id;
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: { clientDataJSON: cd.toString('base64url'), authenticatorData: ad.toString('base64url'), signature: sig.toString('base64url'), ...(o.userHandle ? { userHandle: o.userHandle } : {}) },
      clientExtensionResults: {},
    };
  }
}
