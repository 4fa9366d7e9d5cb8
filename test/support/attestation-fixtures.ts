import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** WebAuthn attestation test certificates in test/support/attestation (made by its generate.sh; test material only). */
const read = (name: string): string => readFileSync(new URL(`./attestation/${name}`, import.meta.url), 'utf8');

export const attestationPem = {
  makerRoot: read('maker-root.pem'),
  makerIntermediate: read('maker-intermediate.pem'),
  makerAttestation: read('maker-attestation.pem'),
  rogueRoot: read('rogue-root.pem'),
  rogueAttestation: read('rogue-attestation.pem'),
};

export const der = (pem: string): Buffer => Buffer.from(new X509Certificate(pem).raw);

/** The key of an attestation certificate (it signs the attestation statement). */
export const attestationKey = (who: 'maker' | 'rogue'): KeyObject => createPrivateKey(read(`${who}-attestation.key`));
