#!/usr/bin/env bash
# The whole suite (unit and integration tests) under AddressSanitizer and UndefinedBehaviorSanitizer,
# leak checking on, against its own throwaway PostgreSQL. Built in build-sanitize/ so it never touches
# build/. Slow (a full instrumented build, then every test at about half speed): not part of
# scripts/test.sh; run it before a release or after touching memory-heavy code.
#   scripts/sanitize.sh              # build, then every test
#   scripts/sanitize.sh -R 'Up\.'    # extra arguments go to ctest
# Every report from any process (the test binaries, each orchestrate they start, however it exits)
# lands in build-sanitize/sanitizer/; the run fails when a test fails or when that folder is not empty.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out="$root/build-sanitize"
reports="$out/sanitizer"

scripts/install-deps.sh
echo "== ASan+UBSan build in build-sanitize/"
mkdir -p "$out"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [[ ! -f $out/build.ninja ]]; then
  cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >"$out/configure.log" 2>&1 || {
    cat "$out/configure.log" >&2
    echo "error: cmake configure of build-sanitize/ failed (log above)" >&2
    exit 1
  }
fi
if ! ninja -C "$out" -j "$(nproc)" >"$out/ninja.log" 2>&1; then
  grep -v '^\[' "$out/ninja.log" >&2 || cat "$out/ninja.log" >&2
  echo "error: the sanitizer build failed (full log in build-sanitize/ninja.log)" >&2
  exit 1
fi

echo "== throwaway PostgreSQL"
export ORCHESTRATE_PG_STATE="$root/.orchestrate/sanitize-postgres.env"
url=$(scripts/dev-postgres.sh start)
trap '"$root/scripts/dev-postgres.sh" stop >/dev/null 2>&1 || true' EXIT
export ORCHESTRATE_TEST_ADMIN_URL="$url" ORCHESTRATE_REQUIRE_DB=1

rm -rf "$reports"
mkdir -p "$reports"
# log_path: one file per reporting process, so a report from an orchestrate whose exit code a test does
# not look at (a killed run, an expected failure) is not lost. halt_on_error: the first defect ends the
# process, so it cannot be mistaken for a pass. scripts/sanitize-lsan.supp names the one third-party leak
# suppressed, and why.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:log_path=$reports/asan:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="log_path=$reports/lsan:suppressions=$root/scripts/sanitize-lsan.supp:print_suppressions=0"

echo "== tests (the fuzz targets have their own sanitizer build: scripts/fuzz.sh)"
rc=0
(cd "$out" && ctest --output-on-failure --timeout 600 -j "$(nproc)" -E '^Fuzz\.' "$@") || rc=$?
if compgen -G "$reports/*" >/dev/null; then
  echo "error: the sanitizers reported defects (each file in build-sanitize/sanitizer/ is one process's report):" >&2
  for f in "$reports"/*; do
    echo "--- $f" >&2
    head -40 "$f" >&2
  done
  rc=1
fi
[[ $rc -eq 0 ]] && echo "sanitize: every test passed; no sanitizer report"
exit "$rc"
