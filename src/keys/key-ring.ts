import { importJWK, type JWK } from 'jose';
import { generateSigningKey } from './generate-key.ts';
import { memoryKeyStorage, type KeyStorage, type StoredKey } from './stored-key.ts';

export interface SigningKey {
  readonly kid: string;
  readonly alg: 'ES256';
  readonly privateKey: CryptoKey;
  readonly retiresAt: number;
}

export interface RotationSettings {
  /** How long a key signs. */
  readonly rotateEveryMs: number;
  /** How long a retired key stays in the JWKS (>= the longest token lifetime). */
  readonly overlapMs: number;
  /** How long before it signs a new key is published in the JWKS. */
  readonly prepublishMs: number;
}

const DEFAULT_ROTATION: RotationSettings = { rotateEveryMs: 30 * 86_400_000, overlapMs: 86_400_000, prepublishMs: 10 * 60_000 };

/**
 * The gateway's signing keys: one signs at a time, the next is published before it takes over,
 * and retired keys stay in the JWKS for the overlap so no assertion fails at rotation.
 * Several workers (and replicas) share one KeyStorage; each refreshes from it.
 */
export class KeyRing {
  readonly #storage: KeyStorage;
  readonly #rotation: RotationSettings;
  readonly #now: () => number;
  #keys: StoredKey[] = [];
  #imported = new Map<string, SigningKey>();
  #jwks: { keys: JWK[] } = { keys: [] };
  #current: SigningKey | undefined;

  private constructor(storage: KeyStorage, rotation: RotationSettings, now: () => number) {
    this.#storage = storage;
    this.#rotation = rotation;
    this.#now = now;
  }

  /** Opens the ring over a storage, creating the first key (or the next one) when needed. */
  static async open(storage: KeyStorage, rotation: Partial<RotationSettings> = {}, now: () => number = Date.now): Promise<KeyRing> {
    const settings = { ...DEFAULT_ROTATION, ...rotation };
    if (settings.overlapMs < 0 || settings.rotateEveryMs <= settings.prepublishMs) throw new TypeError('invalid key rotation settings');
    const ring = new KeyRing(storage, settings, now);
    await ring.maintain();
    return ring;
  }

  /** An in-memory ring with one key, for tests and tools. */
  static async generateEphemeral(): Promise<KeyRing> {
    return KeyRing.open(memoryKeyStorage());
  }

  /** Re-reads the storage, creates the next key when the current one nears retirement, drops expired keys. */
  async maintain(): Promise<void> {
    const now = this.#now();
    let keys = (await this.#storage.list()).filter((k) => k.expiresAt > now);
    const signing = pickSigning(keys, now);
    const latestRetire = keys.reduce((m, k) => Math.max(m, k.retiresAt), 0);
    if (!signing) {
      // another worker or replica may create it at the same moment: the storage keeps exactly one
      await this.#storage.insertUnlessCovered(await this.#generate(now, now), now);
      keys = (await this.#storage.list()).filter((k) => k.expiresAt > now);
    } else if (latestRetire - now <= this.#rotation.prepublishMs) {
      // publish the successor now; it starts signing when the current key retires
      await this.#storage.insertUnlessCovered(await this.#generate(now, latestRetire), latestRetire);
      keys = (await this.#storage.list()).filter((k) => k.expiresAt > now);
    }
    await this.#storage.deleteExpired(now);
    await this.#install(keys, now);
  }

  /** The key that signs now. */
  current(): SigningKey {
    const now = this.#now();
    if (!this.#current || this.#current.retiresAt <= now) {
      // a successor may have taken over since the last refresh
      const next = pickSigning(this.#keys, now);
      const imported = next && this.#imported.get(next.kid);
      if (imported) this.#current = imported;
    }
    if (!this.#current) throw new TypeError('key ring has no signing key; call maintain()');
    return this.#current;
  }

  /** Public keys for /.airlock/jwks.json: the signing key, its published successor and retired keys in overlap. */
  jwks(): { keys: JWK[] } {
    return this.#jwks;
  }

  /** The earliest time maintain() should run again. */
  nextMaintenance(): number {
    const now = this.#now();
    const latestRetire = this.#keys.reduce((m, k) => Math.max(m, k.retiresAt), now);
    return Math.min(latestRetire - this.#rotation.prepublishMs, now + 60_000);
  }

  async #generate(now: number, activatesAt: number): Promise<StoredKey> {
    return generateSigningKey({ now, activatesAt, lifetimeMs: this.#rotation.rotateEveryMs, overlapMs: this.#rotation.overlapMs });
  }

  async #install(keys: StoredKey[], now: number): Promise<void> {
    const imported = new Map<string, SigningKey>();
    for (const k of keys) {
      if (k.retiresAt <= now) continue;
      const existing = this.#imported.get(k.kid);
      imported.set(
        k.kid,
        existing ?? Object.freeze({ kid: k.kid, alg: 'ES256' as const, privateKey: (await importJWK(k.privateJwk, 'ES256')) as CryptoKey, retiresAt: k.retiresAt }),
      );
    }
    this.#keys = keys;
    this.#imported = imported;
    const sorted = [...keys].sort((a, b) => a.activatesAt - b.activatesAt || a.kid.localeCompare(b.kid));
    this.#jwks = Object.freeze({ keys: sorted.map((k) => Object.freeze({ ...publicOnly(k.publicJwk), kid: k.kid, alg: 'ES256', use: 'sig' })) });
    const signing = pickSigning(keys, now);
    this.#current = signing ? imported.get(signing.kid) : undefined;
  }
}

/** The signing key at `now`: active and not retired, the most recently activated; ties by kid. */
function pickSigning(keys: readonly StoredKey[], now: number): StoredKey | undefined {
  let best: StoredKey | undefined;
  for (const k of keys) {
    if (k.activatesAt > now || k.retiresAt <= now) continue;
    if (!best || k.activatesAt > best.activatesAt || (k.activatesAt === best.activatesAt && k.kid < best.kid)) best = k;
  }
  return best;
}

function publicOnly(jwk: JWK): JWK {
  const { kty, crv, x, y } = jwk;
  return { kty, crv, x, y } as JWK;
}
