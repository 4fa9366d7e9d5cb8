#!/usr/bin/env bash
# Makes sure Debian's nginx (with the auth_request module) is installed for the forward-auth integration test
# (test/integration/forward-auth) and the benchmarks. As root it installs nginx-light with apt when missing;
# otherwise it fails and prints the command to run. It never skips anything.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 && nginx -V 2>&1 | grep -q -- '--with-http_auth_request_module'; then
  echo "nginx: $(nginx -v 2>&1)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "nginx: missing, installing nginx-light with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
  if command -v nginx >/dev/null 2>&1 && nginx -V 2>&1 | grep -q -- '--with-http_auth_request_module'; then
    echo "nginx: $(nginx -v 2>&1)"
    exit 0
  fi
  echo "nginx: apt-get install finished but nginx with auth_request is still missing" >&2
  exit 1
fi

echo "nginx: missing; the forward-auth test needs nginx with auth_request. Install it with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y nginx-light" >&2
exit 1
