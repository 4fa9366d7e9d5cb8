import { CompactSign, compactVerify, importJWK, type JWK } from 'jose';
import type { KeyRing } from '../keys/index.ts';
import type { Store } from '../store/index.ts';

export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly time: number;
  readonly kid: string;
  readonly jws: string;
}

const TYP = 'airlock-audit-checkpoint+jws';

/**
 * Signs the chain's last event with the key ring's current ES256 key and stores the checkpoint, plus the
 * signer's public key in audit_keys (kept after the key leaves signing_keys). Returns undefined when there is
 * no event yet or the last event is already checkpointed. Several workers may race: the first insert wins.
 */
export async function writeCheckpoint(store: Store, keys: KeyRing, now: number): Promise<Checkpoint | undefined> {
  const last = await store.db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (!last) return undefined;
  const seq = Number(last.seq);
  const done = await store.db.selectFrom('audit_checkpoints').select('seq').where('seq', '=', seq).executeTakeFirst();
  if (done) return undefined;
  const key = keys.current();
  const jwk = keys.jwks().keys.find((k) => k.kid === key.kid);
  if (!jwk) throw new TypeError(`audit: signing key ${key.kid} is not in the JWKS`);
  const jws = await signCheckpoint({ seq, hash: last.hash, time: now }, key.privateKey, key.kid);
  await store.db
    .insertInto('audit_keys')
    .values({ kid: key.kid, public_jwk: JSON.stringify(publicPart(jwk)), created_at: now })
    .onConflict((oc) => oc.column('kid').doNothing())
    .execute();
  const cp: Checkpoint = { seq, hash: last.hash, time: now, kid: key.kid, jws };
  await store.db.insertInto('audit_checkpoints').values(cp).onConflict((oc) => oc.column('seq').doNothing()).execute();
  return cp;
}

export async function signCheckpoint(claims: { seq: number; hash: string; time: number }, key: CryptoKey, kid: string): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify({ seq: claims.seq, hash: claims.hash, time: claims.time }));
  return new CompactSign(payload).setProtectedHeader({ alg: 'ES256', kid, typ: TYP }).sign(key);
}

export type CheckpointCheck = { ok: true } | { ok: false; why: string };

/** Checks a checkpoint's JWS against a public key and that the signed {seq, hash, time} equal the row's. */
export async function checkCheckpoint(cp: Checkpoint, jwk: JWK | undefined): Promise<CheckpointCheck> {
  if (!jwk) return { ok: false, why: `signing key ${cp.kid} is unknown (not in signing_keys, audit_keys or --jwks)` };
  let payload: unknown;
  try {
    const key = await importJWK({ ...jwk, alg: 'ES256' }, 'ES256');
    const r = await compactVerify(cp.jws, key, { algorithms: ['ES256'] });
    if (r.protectedHeader.kid !== cp.kid || r.protectedHeader.typ !== TYP) return { ok: false, why: 'signature header does not match the checkpoint' };
    payload = JSON.parse(new TextDecoder().decode(r.payload));
  } catch {
    return { ok: false, why: 'signature does not verify' };
  }
  const p = payload as { seq?: unknown; hash?: unknown; time?: unknown };
  if (p.seq !== cp.seq || p.hash !== cp.hash || p.time !== cp.time) return { ok: false, why: 'signed values differ from the stored checkpoint' };
  return { ok: true };
}

function publicPart(jwk: JWK): JWK {
  const { kty, crv, x, y, kid } = jwk;
  return { kty, crv, x, y, kid } as JWK;
}
