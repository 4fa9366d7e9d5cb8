#!/usr/bin/env bash
# Regenerates the TLS test fixtures in this folder (committed, so tests need no openssl):
#   ca.pem / ca.key            "Airlock Test CA"
#   other-ca.pem               an unrelated CA (an upstream the gateway must not trust)
#   upstream.pem / .key        server certificate for localhost and 127.0.0.1, issued by the test CA
#   named.pem / .key           server certificate for airflow.test only (server_name tests)
#   client.pem / .key          client certificate "airlock-gateway" (mutual TLS), issued by the test CA
#   other-client.pem / .key    client certificate issued by the unrelated CA
# EC P-256 keys, valid for 100 years. Test material only: never use these keys anywhere else.
set -euo pipefail
cd "$(dirname "$0")"
DAYS=36500
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() { key "$1.key"; openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days $DAYS -sha256 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$1.pem"; }
leaf() { # name cn san eku issuer
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n%s' "$4" "${3:+subjectAltName=$3}" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$5.pem" -CAkey "$5.key" -CAcreateserial -days $DAYS -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca "Airlock Test CA"
ca other-ca "Unrelated Test CA"
leaf upstream "airflow upstream" "DNS:localhost,IP:127.0.0.1" serverAuth ca
leaf named "airflow.test" "DNS:airflow.test" serverAuth ca
leaf client "airlock-gateway" "" clientAuth ca
leaf other-client "someone else" "" clientAuth other-ca
rm -f ./*.srl ca.key other-ca.key
echo "written: $(ls ./*.pem ./*.key | tr '\n' ' ')"
