/**
 * A small built-in table of authenticator models by AAGUID, for the key page. Names are deliberately coarse
 * (series, not exact model): the FIDO Metadata Service is the authority. Extend or correct it with
 * `webauthn.authenticator_names`. With `attestation: none` the AAGUID is not attested (and browsers often
 * send all zeros), so the name is a hint for the person, never a security decision.
 */
export const KNOWN_AUTHENTICATORS: ReadonlyMap<string, string> = new Map([
  ['cb69481e-8ff7-4039-93ec-0a2729a154a8', 'YubiKey 5 Series'],
  ['ee882879-721c-4913-9775-3dfcce97072a', 'YubiKey 5 Series'],
  ['fa2b99dc-9e39-4257-8f92-4a30d23c4118', 'YubiKey 5 Series with NFC'],
  ['2fc0579f-8113-47ea-b116-bb5a8db9202a', 'YubiKey 5 Series with NFC'],
  ['c5ef55ff-ad9a-4b9f-b580-adebafe026d0', 'YubiKey 5Ci'],
  ['73bb0cd4-e502-49b8-9c6f-b59445bf720b', 'YubiKey 5 FIPS Series'],
  ['d8522d9f-575b-4866-88a9-ba99fa02f35b', 'YubiKey Bio Series'],
  ['149a2021-8ef6-4133-96b8-81f8d5b7f1f5', 'Security Key by Yubico'],
  ['6d44ba9b-f6ec-2e49-b930-0c8fe920cb73', 'Security Key by Yubico with NFC'],
  ['f8a011f3-8c0a-4d15-8006-17111f9edc7d', 'Security Key by Yubico'],
  ['b92c3f9a-c014-4056-887f-140a2501163b', 'Security Key by Yubico'],
  ['08987058-cadc-4b81-b6e1-30de50dcbe96', 'Windows Hello'],
  ['9ddd1817-af5a-4672-a2b9-3e3dd95000a7', 'Windows Hello'],
  ['6028b017-b1d4-4c02-b4b3-afcdafc96bb2', 'Windows Hello'],
  ['ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', 'Google Password Manager'],
  ['adce0002-35bc-c60a-648b-0b25f1f05503', 'Chrome on Mac'],
  ['fbfc3007-154e-4ecc-8c0b-6e020557d7bd', 'iCloud Keychain'],
]);

export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/** The model name for an AAGUID, or undefined when unknown (or all zeros). */
export function authenticatorName(names: ReadonlyMap<string, string>, aaguid: string): string | undefined {
  if (aaguid === ZERO_AAGUID) return undefined;
  return names.get(aaguid.toLowerCase());
}
