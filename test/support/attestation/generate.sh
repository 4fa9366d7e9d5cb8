#!/usr/bin/env bash
# Regenerates the WebAuthn attestation test fixtures in this folder (committed, so tests need no openssl):
#   maker-root.pem                        root CA of a "security key maker" (what webauthn.attestation_roots trusts)
#   maker-intermediate.pem                intermediate CA under it
#   maker-attestation.pem / .key          batch attestation certificate under the intermediate (FIDO "packed" shape)
#   rogue-root.pem                        a root nobody configured (what a software authenticator could make itself)
#   rogue-attestation.pem / .key          attestation certificate of the same shape under the rogue root
# EC P-256 keys, valid for 100 years. Test material only.
set -euo pipefail
cd "$(dirname "$0")"
DAYS=36500
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
root() { key "$1.key"; openssl req -x509 -new -key "$1.key" -subj "$2" -days $DAYS -sha256 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$1.pem"; }
issue() { # name subject issuer ca(TRUE|FALSE)
  key "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  if [ "$4" = TRUE ]; then printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$1.ext"; else printf 'basicConstraints=critical,CA:FALSE\n' > "$1.ext"; fi
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days $DAYS -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ATT="OU=Authenticator Attestation"
root maker-root "/C=SE/O=Test Key Maker/CN=Test Key Maker Root CA"
issue maker-intermediate "/C=SE/O=Test Key Maker/CN=Test Key Maker Attestation CA" maker-root TRUE
issue maker-attestation "/C=SE/O=Test Key Maker/$ATT/CN=Test Key Maker Batch 1" maker-intermediate FALSE
root rogue-root "/C=SE/O=Test Key Maker/CN=Test Key Maker Root CA"
issue rogue-attestation "/C=SE/O=Test Key Maker/$ATT/CN=Test Key Maker Batch 1" rogue-root FALSE
rm -f ./*.srl maker-root.key maker-intermediate.key rogue-root.key
echo "written: $(ls ./*.pem ./*.key | tr '\n' ' ')"
