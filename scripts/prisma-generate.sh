#!/usr/bin/env bash
# `npm run prisma:generate` (and postinstall): generates the six Prisma clients
# (src/generated/<database>-<provider>/, git-ignored) from the derived schemas in prisma/.
#
# Why the stub: the Prisma CLI downloads its native schema engine before running any command,
# although `prisma generate` never uses it (generation runs in the CLI's bundled WebAssembly).
# Without network access (CI sandboxes, locked-down build agents) that download fails and
# generation with it. Pointing PRISMA_SCHEMA_ENGINE_BINARY at a stub skips the download; the
# stub fails loudly if anything ever does call it. Commands that really need the engine
# (`prisma migrate dev/diff/deploy`) must be run with a real engine (docs/database.md).
set -euo pipefail
cd "$(dirname "$0")/.."

# A production install (`npm ci --omit=dev`) has no Prisma CLI: the deployed dist/ already holds
# the compiled clients, so there is nothing to generate.
if [ ! -x node_modules/.bin/prisma ]; then
  echo "prisma:generate: Prisma CLI not installed (production install?), skipping"
  exit 0
fi

if [ -z "${PRISMA_SCHEMA_ENGINE_BINARY:-}" ]; then
  stub_dir=$(mktemp -d)
  trap 'rm -rf "$stub_dir"' EXIT
  printf '#!/bin/sh\necho "schema-engine stub: prisma generate does not need the schema engine" >&2\nexit 1\n' \
    >"$stub_dir/schema-engine"
  chmod +x "$stub_dir/schema-engine"
  export PRISMA_SCHEMA_ENGINE_BINARY="$stub_dir/schema-engine"
fi
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1

pids=()
for schema in prisma/session/*/schema.prisma prisma/school/*/schema.prisma; do
  # Two at a time keeps a 2-core machine responsive; each run is mostly CLI start-up.
  if [ "${#pids[@]}" -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  npx --no-install prisma generate --schema "$schema" >/dev/null &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
echo "prisma:generate: clients in src/generated/"
