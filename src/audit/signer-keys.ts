import type { JWK } from 'jose';
import type { Store } from '../store/index.ts';

/**
 * Public keys that may have signed checkpoints, by kid: the store's signing_keys (current and recent),
 * audit_keys (every key that ever signed a checkpoint) and, optionally, a JWKS supplied by the auditor.
 * When `only` is given (an auditor's pinned JWKS), the store's copies are ignored.
 */
export async function checkpointKeys(store: Store, extra: { keys: JWK[] } | undefined, only = false): Promise<Map<string, JWK>> {
  const out = new Map<string, JWK>();
  if (!only) {
    for (const r of await store.db.selectFrom('audit_keys').select(['kid', 'public_jwk']).execute()) out.set(r.kid, parse(r.public_jwk));
    for (const r of await store.db.selectFrom('signing_keys').select(['kid', 'public_jwk']).execute()) if (!out.has(r.kid)) out.set(r.kid, parse(r.public_jwk));
  }
  for (const k of extra?.keys ?? []) if (typeof k.kid === 'string') out.set(k.kid, k);
  return out;
}

function parse(text: string): JWK {
  try {
    const v = JSON.parse(text) as JWK;
    const { kty, crv, x, y } = v;
    return { kty, crv, x, y } as JWK;
  } catch {
    return {} as JWK; // an unreadable key verifies nothing: the checkpoint is reported as not verifying
  }
}
