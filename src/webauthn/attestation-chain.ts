import { X509Certificate } from 'node:crypto';

/**
 * Why an attestation certificate chain (attStmt.x5c: leaf first, DER) does NOT lead to one of `roots`, or
 * undefined when it does: every certificate parses and is valid at `now`, each is signed by the next, every
 * issuer is a CA, and the last is a root or is signed by one (a valid CA certificate itself).
 * Without this, "direct" attestation proves nothing: anyone can make a self-signed chain claiming any AAGUID.
 */
export function attestationChainProblem(x5c: readonly Uint8Array[], roots: readonly X509Certificate[], now: number): string | undefined {
  if (x5c.length === 0) return 'no attestation certificate (self attestation)';
  if (x5c.length > 8) return 'attestation chain longer than 8 certificates';
  let chain: X509Certificate[];
  try {
    chain = x5c.map((der) => new X509Certificate(Buffer.from(der)));
  } catch {
    return 'an attestation certificate does not parse';
  }
  for (const [i, c] of chain.entries()) {
    const why = outsideValidity(c, now);
    if (why) return `attestation certificate ${i + 1} ${why}`;
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const issuer = chain[i + 1]!;
    if (!issuer.ca) return `attestation certificate ${i + 2} issues certificate ${i + 1} but is not a CA`;
    if (!chain[i]!.checkIssued(issuer) || !chain[i]!.verify(issuer.publicKey)) return `attestation certificate ${i + 1} is not signed by certificate ${i + 2}`;
  }
  const last = chain.at(-1)!;
  for (const root of roots) {
    if (!root.ca || outsideValidity(root, now)) continue;
    if (last.fingerprint256 === root.fingerprint256) return undefined;
    if (last.checkIssued(root) && last.verify(root.publicKey)) return undefined;
  }
  return `the attestation chain (issuer "${last.issuer.replaceAll('\n', ', ')}") does not lead to a configured attestation root`;
}

function outsideValidity(c: X509Certificate, now: number): string | undefined {
  if (Date.parse(c.validFrom) > now) return 'is not valid yet';
  if (Date.parse(c.validTo) < now) return 'has expired';
  return undefined;
}
