import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The X.509 certificates of a PEM text, in order; a string says what is wrong (never quoting the text). */
export function parseCertificates(pem: string): X509Certificate[] | string {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) return 'must hold at least one PEM certificate ("-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----")';
  const out: X509Certificate[] = [];
  for (let i = 0; i < blocks.length; i++) {
    try {
      out.push(new X509Certificate(blocks[i]!));
    } catch {
      return `certificate ${i + 1} of ${blocks.length} is not a valid X.509 certificate`;
    }
  }
  return out;
}

/** A PEM private key (unencrypted: the gateway starts unattended); a string says what is wrong. */
export function parsePrivateKey(pem: string): KeyObject | string {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    return 'is an encrypted private key; give the key unencrypted (e.g. `openssl pkey -in key.pem -out plain.pem`) and protect the file instead';
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return 'is not a PEM private key ("-----BEGIN PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----")';
  }
}

/**
 * What is wrong with a certificate (chain, leaf first) and its private key as a pair: each unparsable, the key not
 * the leaf's, the leaf expired. Empty when they can be served.
 */
export function certAndKeyProblems(certPem: string | undefined, keyPem: string | undefined, now = Date.now()): Array<{ readonly part: 'cert' | 'key'; readonly message: string }> {
  const out: Array<{ part: 'cert' | 'key'; message: string }> = [];
  const certs = certPem === undefined ? undefined : parseCertificates(certPem);
  if (typeof certs === 'string') out.push({ part: 'cert', message: certs });
  const key = keyPem === undefined ? undefined : parsePrivateKey(keyPem);
  if (typeof key === 'string') out.push({ part: 'key', message: key });
  if (Array.isArray(certs) && key !== undefined && typeof key !== 'string') {
    const leaf = certs[0]!;
    if (!leaf.checkPrivateKey(key)) out.push({ part: 'key', message: 'does not belong to the certificate (the first one in its file)' });
    const until = Date.parse(leaf.validTo);
    if (until < now) out.push({ part: 'cert', message: `expired on ${new Date(until).toISOString()}` });
  }
  return out;
}
