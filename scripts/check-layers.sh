#!/usr/bin/env bash
# Fails when a layer includes a header from a layer above it (docs/architecture.md):
#   core (orchestrator/* except engine, cli, inspect) < plugins < engine, inspect < cli
# and when anything but orchestrator/db includes libpqxx.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
check() {  # check DESCRIPTION FILES... -- PATTERN
  local what=$1; shift
  local files=() pattern
  while [[ $1 != -- ]]; do files+=("$1"); shift; done
  pattern=$2
  local hits
  hits=$(grep -nE "$pattern" "${files[@]}" 2>/dev/null || true)
  if [[ -n $hits ]]; then
    echo "layering: $what:"; echo "$hits" | sed 's/^/  /'; bad=1
  fi
}
core=$(find orchestrator -name '*.h' -o -name '*.cc' | grep -vE '^orchestrator/(engine|cli|inspect)/')
plugins=$(find plugins -name '*.h' -o -name '*.cc')
engine=$(find orchestrator/engine orchestrator/inspect -name '*.h' -o -name '*.cc')
upper='#include "(engine|cli|inspect)/'
kinds='#include "(alembic|sql|command|process)/|#include "(migration_kind|runner_set|runner_context)\.h"'
# shellcheck disable=SC2086
check "the core includes engine, cli, inspect or a plugin" $core -- "$upper|$kinds"
# shellcheck disable=SC2086
check "plugins include engine, cli or inspect" $plugins -- "$upper"
# shellcheck disable=SC2086
check "the engine includes cli" $engine -- '#include "cli/'
pq=$(grep -rl 'pqxx' orchestrator plugins | grep -v '^orchestrator/db/' || true)
if [[ -n $pq ]]; then echo "layering: only orchestrator/db may use libpqxx, but:"; echo "$pq" | sed 's/^/  /'; bad=1; fi
if ((bad)); then exit 1; fi
echo "layers ok: core < plugins < engine < cli; libpqxx only in orchestrator/db"
