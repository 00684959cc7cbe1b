#!/usr/bin/env bash
# Starts the machine's PostgreSQL if it is down (integration tests use 127.0.0.1:5432).
# On hosts without a local cluster (GitHub's service container) it only waits for the port.
set -uo pipefail
ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

if ready; then echo "postgres: up"; exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "postgres: starting cluster ${version}/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  if ready; then echo "postgres: up"; exit 0; fi
  sleep 1
done
echo "postgres: not reachable at 127.0.0.1:5432" >&2
# Tests decide what a missing server means (skip locally, fail under CI=true).
exit 0
