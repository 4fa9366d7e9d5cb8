#!/usr/bin/env bash
# Runs the benchmarks (not part of npm test). Installs wrk and nginx-light when missing and root.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}"; else echo "install: sudo apt-get install ${need[*]}"; exit 1; fi
fi
echo "## decide()"; node --import tsx bench/decide.bench.ts
echo; echo "## gateway"; node --import tsx bench/gateway.bench.ts "$@"
