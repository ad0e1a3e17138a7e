#!/usr/bin/env bash
# The whole test suite: installs dependencies, then builds and runs every test twice —
# once as a normal optimised build (g++) and once under AddressSanitizer +
# UndefinedBehaviorSanitizer (clang) — and runs the libFuzzer targets of the second build briefly,
# after replaying every saved regression input (tests/fuzz/).
# A fourth stage builds the storage and API suites with ThreadSanitizer (clang) and runs those
# whose threads share state (the writer, I/O threads, the background loop).
# Usage: scripts/test.sh            (all four stages)
#        REDRESS_SKIP_SANITIZE=1 scripts/test.sh   (skip the sanitizer build, for quick local runs)
#        REDRESS_SKIP_FUZZ=1 scripts/test.sh       (skip the fuzz stage)
#        REDRESS_FUZZ_SECONDS=300 scripts/test.sh  (fuzz longer than the default 15 s per target)
#        REDRESS_SKIP_TSAN=1 scripts/test.sh       (skip the ThreadSanitizer stage)
#        REDRESS_SKIP_BROWSER=1 scripts/test.sh    (skip the web console's browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

# The browser stage's preparation — Chromium and a Chinese font from apt, the console's npm
# packages and its build — runs in the background while the first stage compiles: it waits on
# the network and the disk, the compiler on the CPU. The browser stage waits for it.
browser_prep_log=$(mktemp)
browser_prep_pid=
if [[ "${REDRESS_SKIP_BROWSER:-0}" != "1" ]]; then
  (scripts/install-deps.sh --browser && scripts/build-web.sh) >"$browser_prep_log" 2>&1 &
  browser_prep_pid=$!
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake_options=()
command -v ninja >/dev/null 2>&1 && cmake_options=(-G Ninja)
# ccache, when the machine has it, makes a rebuild of unchanged sources a cache hit.
command -v ccache >/dev/null 2>&1 && cmake_options+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# The clang stages link with lld: GNU ld took about 30 s for each sanitized test binary of
# several hundred megabytes (docs/benchmarks.md).
clang_options=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld)

# Everything compiles in unity batches here: the libraries (CMAKE_UNITY_BUILD) and the test
# suites (tests/CMakeLists.txt says why). Beast, Asio, Boost.Test and nlohmann/json are parsed and
# their templates instantiated and optimised once per batch instead of once per file; it halves
# the compile time of the libraries (docs/benchmarks.md, "the test command's time"). A
# developer's own build directory compiles file by file unless asked otherwise, so a name two
# files of one library both define at namespace scope shows up here first.
cmake_options+=(-DCMAKE_UNITY_BUILD=ON -DREDRESS_UNITY_TESTS=ON)

build_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" "${cmake_options[@]}" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  # Validate the shipped definitions with the real binary, as operators will.
  "$dir/api/redress" validate workflows/*.json
}

test_suite() {
  (cd "$1" && ctest --output-on-failure -j "$jobs")
}

# A build started in the background at low priority while a stage that leaves cores idle runs in
# front (the browser tests wait on Chromium and the network; the sanitizer suites on sockets,
# timeouts and child servers): the compiler takes what the tests leave. `finish_background`
# waits for it, prints its log and stops the command if it failed.
background_pid=
background_log=
start_background() {
  background_log=$(mktemp)
  # renice, not nice: the command may be a function of this script.
  # A `;`, not `&&`: a command on the left of && runs with errexit off, and a failing compile
  # inside the function must stop it.
  (renice -n 10 -p "$BASHPID" >/dev/null || true; "$@") >"$background_log" 2>&1 &
  background_pid=$!
}
finish_background() {
  local status=0
  wait "$background_pid" || status=$?
  cat "$background_log"
  if [[ $status -ne 0 ]]; then
    echo "redress: the background build failed (exit $status)" >&2
    exit "$status"
  fi
}

echo "== build and test (optimised, g++) =="
# No debug information here: the sanitizer stages below carry line tables for their reports, and
# leaving -g out of this stage shortens its compile and link steps (the budget is 35 minutes).
# -Og, not -O2: it compiles the test batches a third faster and keeps the flow analyses behind
# g++'s uninitialised-use warnings; the shipped server (scripts/run.sh) is built at -O2, and the
# benchmarks are built here only to prove they compile.
build_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-Og -DNDEBUG"

# One clang build serves the sanitizer stage and the fuzz stage: every library is compiled once
# with ASan + UBSan and libFuzzer's coverage hooks (harmless outside a fuzzer), the test suites
# run against it, and the two libFuzzer targets link the same objects. g++ builds the first stage,
# so both compilers' warnings are errors. It compiles behind the first stage's suites and the
# browser stage.
sanitize=1
[[ "${REDRESS_SKIP_SANITIZE:-0}" == "1" ]] && sanitize=0
fuzz=ON
[[ "${REDRESS_SKIP_FUZZ:-0}" == "1" ]] && fuzz=OFF
build_asan() {
  CC=clang CXX=clang++ build_suite build-asan "${clang_options[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1" \
    -DREDRESS_SANITIZE=ON -DREDRESS_FUZZ=$fuzz -DREDRESS_BUILD_BENCH=OFF
}
if [[ $sanitize == 1 ]]; then
  # A build-asan left by an older g++ configuration cannot switch compilers in place.
  if [[ -f build-asan/CMakeCache.txt ]] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' build-asan/CMakeCache.txt; then
    rm -rf build-asan
  fi
  start_background build_asan
fi
test_suite build

# The web console against the server just built: its catalogue tests (Node's test runner), then
# the end-to-end tests, each file with its own fresh server and database, in Debian's headless
# Chromium. Screenshots land in build/screenshots. One file at a time (each starts a server and a
# browser, and the machine has two cores), except the ones that mostly wait.
if [[ "${REDRESS_SKIP_BROWSER:-0}" != "1" ]]; then
  echo "== web console: catalogue tests, then end-to-end tests in headless Chromium =="
  prep_status=0
  wait "$browser_prep_pid" || prep_status=$?
  cat "$browser_prep_log"
  if [[ $prep_status -ne 0 ]]; then
    echo "redress: preparing the browser tests failed (exit $prep_status)" >&2
    exit "$prep_status"
  fi
  (cd web && node --test --test-reporter=spec tests/unit/*.test.js)
  run_e2e() {
    REDRESS_BIN="$PWD/build/api/redress" REDRESS_SCREENSHOT_DIR="$PWD/build/screenshots" \
      node --test --test-reporter=spec "$1"
  }
  # Two files spend most of their time waiting with the CPU idle: session_refresh waits out the
  # server's shortest session lifetime (60 s), reopen a reopen window cut to 2 minutes (the
  # server's clock is real). They run beside the others, their reports printed when they end.
  waiting_e2e=(web/tests/e2e/session_refresh.test.js web/tests/e2e/reopen.test.js)
  waiting_pids=()
  waiting_logs=()
  for test_file in "${waiting_e2e[@]}"; do
    waiting_logs+=("$(mktemp)")
    run_e2e "$test_file" >"${waiting_logs[-1]}" 2>&1 &
    waiting_pids+=($!)
  done
  for test_file in web/tests/e2e/*.test.js; do
    [[ " ${waiting_e2e[*]} " == *" $test_file "* ]] || run_e2e "$test_file"
  done
  waiting_failed=0
  for i in "${!waiting_pids[@]}"; do
    waiting_status=0
    wait "${waiting_pids[$i]}" || waiting_status=$?
    cat "${waiting_logs[$i]}"
    [[ $waiting_status -eq 0 ]] || waiting_failed=$waiting_status
  done
  [[ $waiting_failed -eq 0 ]] || exit "$waiting_failed"
fi

# ThreadSanitizer: the suites where the writer thread, the I/O threads and the background loop
# meet. The TSan build leaves out the suites it does not run, and tests/CMakeLists.txt
# (REDRESS_TSAN_SKIPPED_SUITES) says which and why. tests/tsan.supp lists the known false
# positives, each with its cause.
# It compiles behind the sanitizer suites and the fuzzers.
tsan=1
[[ "${REDRESS_SKIP_TSAN:-0}" == "1" ]] && tsan=0
build_tsan() {
  # -O1 -g1: line tables are all a race report needs, and they compile fastest.
  CC=clang CXX=clang++ cmake -S . -B build-tsan "${cmake_options[@]}" "${clang_options[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DREDRESS_TSAN=ON -DREDRESS_BUILD_BENCH=OFF >/dev/null
  cmake --build build-tsan -j "$jobs" --target redress_storage_tests redress_api_tests
}

if [[ $sanitize == 1 ]]; then
  echo "== build and test under ASan + UBSan (clang) =="
  finish_background
  [[ $tsan == 1 ]] && start_background build_tsan
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    test_suite build-asan
  if [[ $fuzz == ON ]]; then
    echo "== libFuzzer targets (same build) =="
    tests/fuzz/run_fuzzers.sh build-asan "${REDRESS_FUZZ_SECONDS:-15}"
  fi
elif [[ $tsan == 1 ]]; then
  start_background build_tsan
fi

if [[ $tsan == 1 ]]; then
  echo "== storage and API suites under ThreadSanitizer (clang) =="
  finish_background
  tsan_suites='^redress_(storage|api)_tests\.'
  (cd build-tsan &&
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/../tests/tsan.supp" \
      ctest --output-on-failure -j "$jobs" -R "$tsan_suites")
fi
