#!/usr/bin/env bash
# Python tests of integrations/airflow (the airflow-airlock package), run with Debian's python3 packages.
#   1. makes sure /usr/bin/python3 has jwt, cryptography and pytest (apt-get install as root, else says how);
#   2. writes the contract fixtures with the gateway's own TypeScript code;
#   3. runs pytest on them. Exits non-zero when anything fails (pytest's own summary is printed).
set -euo pipefail
cd "$(dirname "$0")/.."

export PYTHONDONTWRITEBYTECODE=1
PY=/usr/bin/python3   # NOT the python3 on PATH (a pyenv build without these packages)
PKGS="python3-jwt python3-cryptography python3-pytest"

have_modules() { [ -x "$PY" ] && "$PY" -c 'import jwt, cryptography, pytest' >/dev/null 2>&1; }

if ! have_modules; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-python: installing $PKGS"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y $PKGS >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y $PKGS >/dev/null; }
  fi
  if ! have_modules; then
    echo "test-python: $PY lacks jwt/cryptography/pytest. Run as root:  apt-get update && apt-get install -y $PKGS" >&2
    exit 1
  fi
fi

FIXTURES="$(mktemp -d "${TMPDIR:-/tmp}/airlock-contract.XXXXXX")"
trap 'rm -rf "$FIXTURES"' EXIT
node --import tsx test/integration/assertion-contract/write-fixtures.ts "$FIXTURES"

set +e
AIRLOCK_CONTRACT_FIXTURES="$FIXTURES" "$PY" -m pytest -q -p no:cacheprovider integrations/airflow/tests
rc=$?
set -e
if [ "$rc" = "5" ]; then
  echo "test-python: pytest collected no tests" >&2
fi
exit "$rc"
