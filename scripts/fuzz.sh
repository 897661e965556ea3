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
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$root/orchestrator" -I"$root/plugins")
declare -A sources=(
  [numbers]="orchestrator/util/numbers.cc orchestrator/util/duration.cc"
  [revision_reader]="plugins/alembic/revision_reader.cc orchestrator/util/text.cc"
)
status=0
for target in numbers revision_reader; do
  srcs=()
  for s in ${sources[$target]}; do srcs+=("$root/$s"); done
  clang++ "${flags[@]}" "$root/tests/fuzz/fuzz_$target.cc" "${srcs[@]}" -o "$out/fuzz_$target"
  corpus=$(mktemp -d)
  cp "$root/tests/fuzz/corpus/$target"/* "$corpus/"
  # The example's revision files seed the reader too (real shapes, kept in one place).
  [[ $target == revision_reader ]] && cp "$root"/examples/*/*/migrations/versions/*.py "$corpus/"
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
