#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, database "test") is reachable for the store suite.
# On this kind of machine it is started before the session; start it if it stopped.
set -uo pipefail
pg_ready() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  fi
fi
if pg_ready; then echo "PostgreSQL: reachable on 127.0.0.1:5432"; else echo "PostgreSQL is not reachable on 127.0.0.1:5432: start it (pg_ctlcluster <version> main start)"; exit 1; fi
