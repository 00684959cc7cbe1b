#!/usr/bin/env bash
# The one list of CI steps. `.ci/run` (this machine's CI) and .github/workflows/ci.yml both
# call it, so the two cannot drift. Each step is a function so the workflow can run them one
# by one (`scripts/ci.sh lint`) and get separate log groups.
set -euo pipefail
cd "$(dirname "$0")/.."

step_install() { npm ci --no-audit --no-fund; }
step_generate() { npm run prisma:generate; }
step_lint() { npm run lint; }
step_typecheck() { npm run typecheck; }
# The README's test command.
step_test() { npm test; }
step_build() { npm run build; }

ALL_STEPS=(install generate lint typecheck test build)

run_step() {
  local name=$1
  echo "::group::${name}"
  local started=$SECONDS
  "step_${name}"
  echo "::endgroup::"
  echo "step ${name} ok ($((SECONDS - started)) s)"
}

if [ $# -eq 0 ]; then set -- "${ALL_STEPS[@]}"; fi
for name in "$@"; do run_step "$name"; done
