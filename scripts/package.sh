#!/usr/bin/env bash
# Builds orchestrate_<version>_amd64.deb into build-package/ (Release, no tests): /usr/bin/orchestrate,
# the manual page and the bash/zsh/fish completions; Depends computed by dpkg-shlibdeps, python3-alembic
# recommended.
#   scripts/package.sh            # build the package
#   scripts/package.sh --test     # and install it here, run it, remove it again
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
out=build-package
cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >"$out.log" 2>&1 || { cat "$out.log"; exit 1; }
ninja -C "$out" orchestrate >>"$out.log" 2>&1 || { tail -30 "$out.log"; exit 1; }
(cd "$out" && cpack -G DEB >>"../$out.log" 2>&1) || { tail -30 "$out.log"; exit 1; }
deb=$(ls "$out"/orchestrate_*_amd64.deb)
echo "built $deb"
dpkg-deb --field "$deb" Package Version Depends Recommends
[[ ${1:-} == --test ]] || exit 0

echo "== install, run, remove"
dpkg -i "$deb" >/dev/null
trap 'dpkg -r orchestrate >/dev/null 2>&1 || true' EXIT
/usr/bin/orchestrate version
/usr/bin/orchestrate completion bash | grep -q 'complete -F _orchestrate orchestrate'
test -f /usr/share/man/man1/orchestrate.1* && man -l /usr/share/man/man1/orchestrate.1* 2>/dev/null | grep -q rollout
test -f /usr/share/bash-completion/completions/orchestrate
echo "package test passed: $(basename "$deb") installs, runs, and completes"
