import type { JWK } from 'jose';
// @ts-expect-error -- oidc-provider internals have no type declarations; see idpSigningKey below.
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import type { DevIdp } from '../../../demo/idp/index.ts';

/**
 * The private JWK the dev IdP currently signs ID tokens with (the first RS256 signing key of its keystore).
 * demo/idp has no accessor for its keys yet, so this reads oidc-provider's own keystore (in-process, the
 * same module instance the provider uses). Used to forge tokens whose ONLY fault is a claim.
 */
export function idpSigningKey(idp: DevIdp): JWK & { kid: string } {
  const keystore = (instance as (p: unknown) => { keystore?: Iterable<JWK> } | undefined)(idp.provider)?.keystore;
  if (!keystore) throw new Error('idpSigningKey: cannot read the dev IdP keystore (oidc-provider internals changed?)');
  const key = [...keystore].find((k) => k.kty === 'RSA' && k.d !== undefined && (k.use === undefined || k.use === 'sig'));
  if (!key?.kid) throw new Error('idpSigningKey: the dev IdP has no private RSA signing key with a kid');
  return { ...key, kid: key.kid };
}
