#!/usr/bin/env bash
# Runs the benchmarks (not part of npm test). Installs wrk, nginx-light, apache2 and libapache2-mod-auth-openidc
# when missing and root.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
# the peers of issue #15: Apache httpd + mod_auth_openidc (gateway.bench.ts rows "apache")
command -v apache2 >/dev/null || need+=(apache2)
[ -f /usr/lib/apache2/modules/mod_auth_openidc.so ] || need+=(libapache2-mod-auth-openidc)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}"; else echo "install: sudo apt-get install ${need[*]}"; exit 1; fi
fi
echo "## decide()"; node --import tsx bench/decide.bench.ts
echo; echo "## gateway"; node --import tsx bench/gateway.bench.ts "$@"
