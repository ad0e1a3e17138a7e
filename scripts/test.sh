#!/usr/bin/env bash
# The whole test suite: installs dependencies, then builds and runs every test twice —
# once as a normal optimised build and once under AddressSanitizer + UndefinedBehaviorSanitizer —
# and finally builds the libFuzzer targets with clang and runs each briefly (tests/fuzz/).
# Usage: scripts/test.sh            (all three stages)
#        REDRESS_SKIP_SANITIZE=1 scripts/test.sh   (skip the sanitizer build, for quick local runs)
#        REDRESS_SKIP_FUZZ=1 scripts/test.sh       (skip the fuzz stage)
#        REDRESS_FUZZ_SECONDS=300 scripts/test.sh  (fuzz longer than the default 30 s per target)
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

if [[ "${REDRESS_SKIP_FUZZ:-0}" != "1" ]]; then
  echo "== libFuzzer targets (clang, ASan + UBSan) =="
  fuzz_started=$SECONDS
  CC=clang CXX=clang++ cmake -S . -B build-fuzz "${generator[@]}" -DREDRESS_FUZZ=ON \
    -DREDRESS_BUILD_TESTS=OFF -DREDRESS_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j "$jobs" --target redress_request_fuzzer redress_workflow_loader_fuzzer
  fuzz_built=$SECONDS
  tests/fuzz/run_fuzzers.sh build-fuzz "${REDRESS_FUZZ_SECONDS:-30}"
  echo "fuzz stage: build $((fuzz_built - fuzz_started)) s, run $((SECONDS - fuzz_built)) s"
fi
