#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz with Debian's clang under ASan and UBSan, and runs each for
# SECONDS (default 60) from its corpus in tests/fuzz/corpus/<target>. New inputs go to a scratch copy,
# so the checked-in corpus changes only by hand; a crash leaves its input in build/fuzz/.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
for p in clang libclang-rt-14-dev; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "installing $p for the fuzz targets"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
  fi
done
out="$root/build/fuzz"
mkdir -p "$out"
# Every object is built once (fuzzer-instrumented, -fsanitize=fuzzer-no-link) and shared by the targets.
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 -I"$root/orchestrator" -I"$root/plugins")
link=(-fsanitize=fuzzer,address,undefined)
sql_sources="orchestrator/util/sql_split.cc orchestrator/util/parse_tree_json.cc orchestrator/util/interrupt.cc orchestrator/lint/linter.cc orchestrator/lint/statement_rules.cc
  orchestrator/lint/lint_rules.cc orchestrator/lint/table_catalog.cc orchestrator/db/db.cc orchestrator/util/sql_text.cc"
declare -A sources=(
  [numbers]="orchestrator/util/numbers.cc orchestrator/util/duration.cc"
  [revision_reader]="plugins/alembic/revision_reader.cc plugins/alembic/alembic_ini.cc plugins/alembic/revision_graph.cc orchestrator/util/text.cc"
  [targets_file]="orchestrator/targets/targets_file.cc orchestrator/util/text.cc"
  [sql]="$sql_sources"
  [manifest]="orchestrator/manifest/manifest.cc orchestrator/manifest/manifest_kind.cc orchestrator/manifest/dir_guess.cc plugins/alembic/alembic_manifest.cc
    plugins/alembic/python_choice.cc plugins/sql/sql_manifest.cc plugins/command/command_manifest.cc orchestrator/graph/service_graph.cc orchestrator/util/secrets.cc orchestrator/util/secret_redact.cc orchestrator/util/db_url.cc
    orchestrator/util/secret_file.cc orchestrator/util/secret_command.cc orchestrator/util/sha256.cc orchestrator/util/text.cc orchestrator/util/duration.cc
    orchestrator/util/numbers.cc $sql_sources"
)
# The manifest target uses Debian's compiled toml++ parser, as orchestrate does (TOML_HEADER_ONLY=0).
# Compiled into the target instead, toml++ 3.3's debug assertion in parse_key() fires on malformed table
# headers such as "[\n[a]" (upstream marzer/tomlplusplus#301); the shipped library returns a parse
# error there, which tests/unit/manifest_test.cc checks.
declare -A libs=([sql]="-lpg_query" [manifest]="-lpg_query -lcrypto -ltomlplusplus -lboost_filesystem")
targets=(numbers revision_reader targets_file sql manifest)
obj_of() { echo "$out/obj/$(echo "$1" | tr / _).o"; }
mkdir -p "$out/obj"
all=()
for target in "${targets[@]}"; do all+=("tests/fuzz/fuzz_$target.cc" ${sources[$target]}); done
export -f obj_of; export out root
printf '%s\n' "${all[@]}" | sort -u | xargs -r -P "$(nproc)" -I{} \
  bash -c 'clang++ "$@" -c "$root/{}" -o "$(obj_of {})"' _ "${flags[@]}"
status=0
for target in "${targets[@]}"; do
  objs=("$(obj_of "tests/fuzz/fuzz_$target.cc")")
  for s in ${sources[$target]}; do objs+=("$(obj_of "$s")"); done
  # shellcheck disable=SC2086
  clang++ "${link[@]}" "${objs[@]}" -o "$out/fuzz_$target" ${libs[$target]:-}
  corpus=$(mktemp -d)
  cp "$root/tests/fuzz/corpus/$target"/* "$corpus/"
  # The example's revision files seed the reader too (real shapes, kept in one place).
  [[ $target == revision_reader ]] && cp "$root"/examples/*/*/migrations/versions/*.py "$corpus/"
  if [[ $target == sql ]]; then
    n=0; for f in "$root"/examples/*/*/*.sql; do cp "$f" "$corpus/example-$((n++)).sql"; done
  fi
  if [[ $target == manifest ]]; then
    cp "$root/services.toml" "$corpus/services.toml"; cp "$root/examples/rollout/services.toml" "$corpus/rollout.toml"
  fi
  log="$out/fuzz_$target.log"
  if "$out/fuzz_$target" -max_total_time="$seconds" -artifact_prefix="$out/$target-" "$corpus" >"$log" 2>&1; then
    runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    echo "fuzz $target: ${runs:-0} executions in ${seconds}s, no crash"
  else
    echo "fuzz $target: FAILED (log: $log)"; tail -30 "$log"; status=1
  fi
  rm -rf "$corpus"
done
exit $status
