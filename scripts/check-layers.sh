#!/usr/bin/env bash
# Fails when a file includes a header of a layer above its own (docs/architecture.md):
#   the core (orchestrator/*, in the order below) < plugins < engine, inspect < cli
# and when anything but orchestrator/db includes libpqxx. Inside the core each folder may include only
# itself and the folders of lower ranks, so the core has no include cycles. Plugin folders are found, not
# listed: a new plugins/<kind>/ is checked the day it appears.
set -euo pipefail
cd "$(dirname "$0")/.."

# The core's folders, lowest first; folders on one line are peers and may not include each other.
core_ranks=(
  "util check"
  "db"
  "lint graph"
  "manifest"
  "scheduler"
  "rls rollout targets scaffold"
  "report"
  "history status"
  "dashboard"
)
upper_folders="engine inspect cli"

bad=0
fail() { echo "layering: $1"; shift; printf '%s\n' "$@" | sed 's/^/  /'; bad=1; }

files_of() { find "$@" \( -name '*.h' -o -name '*.cc' \) | sort; }
# The include lines of FILES... naming a folder outside ALLOWED (space-separated) among FOLDERS.
reaching() {
  local allowed=" $1 " folders=$2; shift 2
  local f line dir
  for f in "$@"; do
    while IFS= read -r line; do
      dir=${line#*\"}; dir=${dir%%/*}
      if [[ " $folders " == *" $dir "* && $allowed != *" $dir "* ]]; then echo "$f: $line"; fi
    done < <(grep -E '^#include "[A-Za-z0-9_]+/' "$f" || true)
  done
}

plugin_folders=$(find plugins -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | tr '\n' ' ')
plugin_headers=$(find plugins -maxdepth 1 -name '*.h' -printf '%f\n' | sort | tr '\n' ' ')
core_folders=$(printf '%s ' "${core_ranks[@]}")
all_folders="$core_folders $upper_folders $plugin_folders"

# Every core folder has a rank: a new one is placed on purpose.
for d in $(find orchestrator -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort); do
  [[ " $core_folders $upper_folders " == *" $d "* ]] ||
    fail "orchestrator/$d has no place in the core's order" "add it to core_ranks in scripts/check-layers.sh and to docs/architecture.md's table"
done

below=""
for rank in "${core_ranks[@]}"; do
  for d in $rank; do
    [[ -d orchestrator/$d ]] || continue
    # shellcheck disable=SC2046
    hits=$(reaching "$below $d" "$all_folders" $(files_of "orchestrator/$d"))
    [[ -z $hits ]] || fail "orchestrator/$d includes a folder above it (its rank: $rank; below it: ${below:-nothing})" "$hits"
    # shellcheck disable=SC2046
    top=$(grep -nE "^#include \"($(echo "$plugin_headers" | xargs | tr ' ' '|' | sed 's/\./\\./g'))\"" $(files_of "orchestrator/$d") || true)
    [[ -z $top ]] || fail "orchestrator/$d includes a plugins header" "$top"
  done
  below="$below $rank"
done

# shellcheck disable=SC2046
hits=$(reaching "$core_folders $plugin_folders" "$all_folders" $(files_of plugins))
[[ -z $hits ]] || fail "plugins include engine, cli or inspect" "$hits"
# shellcheck disable=SC2046
hits=$(reaching "$core_folders $plugin_folders engine inspect" "$all_folders" $(files_of orchestrator/engine orchestrator/inspect))
[[ -z $hits ]] || fail "the engine includes cli" "$hits"

pq=$(grep -rl --include='*.h' --include='*.cc' 'pqxx' orchestrator plugins | grep -v '^orchestrator/db/' || true)
[[ -z $pq ]] || fail "only orchestrator/db may use libpqxx, but:" $pq

if ((bad)); then exit 1; fi
order=$(printf '%s < ' "${core_ranks[@]}")
echo "layers ok: core (${order% < }) < plugins ($(echo $plugin_folders)) < engine, inspect < cli; libpqxx only in orchestrator/db"
