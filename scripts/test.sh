#!/usr/bin/env bash
# npm test: every test of the project. Installs Debian packages it needs (chromium, python3 test deps) when
# running as root and they are missing; otherwise fails with the command to run.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
step() { echo; echo "=== $*"; }

step "services"
bash scripts/ensure-services.sh || fail=1

step "chromium (browser tests)"
bash scripts/ensure-chromium.sh || fail=1

step "nginx (forward-auth test)"
bash scripts/ensure-nginx.sh || fail=1

step "type check"
npx tsc --noEmit -p tsconfig.json || fail=1

step "unit tests"
node --import tsx --test --test-concurrency=2 --test-reporter=spec $(find test/unit -name '*.test.ts' | sort) || fail=1

step "integration tests"
node --import tsx --test --test-concurrency=1 --test-reporter=spec $(find test/integration test/e2e -name '*.test.ts' 2>/dev/null | sort) || fail=1

if [ -f scripts/test-python.sh ]; then
  step "Airflow integration (Python)"
  bash scripts/test-python.sh || fail=1
fi

echo
if [ "$fail" -ne 0 ]; then echo "npm test: FAILED"; exit 1; fi
echo "npm test: all suites passed"
