#!/usr/bin/env bash
# The whole test suite: installs dependencies, then builds and runs every test twice —
# once as a normal optimised build and once under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh            (both builds)
#        REDRESS_SKIP_SANITIZE=1 scripts/test.sh   (normal build only, for quick local runs)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" "${generator[@]}" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  # Validate the shipped definitions with the real binary, as operators will.
  "$dir/api/redress" validate workflows/*.json
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

echo "== build and test (RelWithDebInfo) =="
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo

if [[ "${REDRESS_SKIP_SANITIZE:-0}" != "1" ]]; then
  echo "== build and test under ASan + UBSan =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DREDRESS_SANITIZE=ON
fi
