import type * as oidc from 'openid-client';
import { ResponseIssuerInvalid } from './errors.ts';

/**
 * RFC 9207: the authorization response names the issuer that produced it. When the IdP advertises
 * authorization_response_iss_parameter_supported, exactly one `iss` equal to the issuer is required;
 * otherwise an `iss` that is present must still be the issuer (a mix-up attack sends another one).
 */
export function checkResponseIssuer(metadata: oidc.ServerMetadata, params: URLSearchParams): void {
  const iss = params.getAll('iss');
  if (iss.length > 1) throw ResponseIssuerInvalid.create({ logMessage: 'callback has more than one iss parameter' });
  if (iss.length === 0) {
    if (metadata.authorization_response_iss_parameter_supported === true) {
      throw ResponseIssuerInvalid.create({ logMessage: 'callback has no iss parameter although the IdP advertises RFC 9207' });
    }
    return;
  }
  if (iss[0] !== metadata.issuer) {
    throw ResponseIssuerInvalid.create({ logMessage: `callback iss ${JSON.stringify(iss[0]!.slice(0, 200))} is not the issuer ${metadata.issuer}` });
  }
}
