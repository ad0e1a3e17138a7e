#!/usr/bin/env bash
# Runs Redress's libFuzzer targets: first every saved regression input in tests/fuzz/regressions/
# (each must pass), then each fuzzer for SECONDS from the seed corpus (copied to a scratch
# directory: the repository is never written). The two run side by side, one core each.
#
# Usage: tests/fuzz/run_fuzzers.sh BUILD_DIR [SECONDS]   (BUILD_DIR configured with -DREDRESS_FUZZ=ON)
#
# Prints one summary line per fuzzer (executions, coverage, corpus); exits non-zero when a fuzzer
# reports a crash, a leak, a sanitizer error, a timeout or a broken invariant, and then keeps the
# scratch directory with the logs and the crashing inputs (artifacts) and prints their paths.
# Reproduce one with: BUILD_DIR/tests/fuzz/redress_<name>_fuzzer ARTIFACT
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 BUILD_DIR [SECONDS]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=${2:-30}
root=$(cd "$(dirname "$0")/../.." && pwd)
fuzz=$root/tests/fuzz

scratch=$(mktemp -d "${TMPDIR:-/tmp}/redress-fuzz.XXXXXX")
# The request fuzzer's database goes under TMPDIR: inside the scratch directory, removed with it.
export TMPDIR=$scratch
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# run_one NAME MAX_LEN SEED_DIR...: writes $scratch/NAME/{fuzz.log,result}.
run_one() {
  local name=$1 max_len=$2
  shift 2
  local bin=$build/tests/fuzz/redress_${name}_fuzzer
  local work=$scratch/$name
  mkdir -p "$work/corpus" "$work/artifacts"
  echo fail >"$work/result"
  if [[ ! -x $bin ]]; then
    echo "$name: $bin is missing (build the target first)" >"$work/fuzz.log"
    return
  fi
  local seeds
  for seeds in "$@"; do
    [[ -d $seeds ]] && find "$seeds" -maxdepth 1 -type f -exec cp {} "$work/corpus/" \;
  done
  local dict=()
  [[ -f $fuzz/corpus/$name.dict ]] && dict=(-dict="$fuzz/corpus/$name.dict")

  # Regressions: every saved input runs once and must pass.
  local regressions=()
  if [[ -d $fuzz/regressions/$name ]]; then
    mapfile -t regressions < <(find "$fuzz/regressions/$name" -maxdepth 1 -type f ! -name '*.md' | sort)
  fi
  if [[ ${#regressions[@]} -gt 0 ]]; then
    if ! "$bin" -timeout=10 -rss_limit_mb=2048 "${regressions[@]}" >"$work/regressions.log" 2>&1; then
      cp "$work/regressions.log" "$work/fuzz.log"
      # libFuzzer names each file before running it: the last one named is the one that failed.
      local failed_input
      failed_input=$(grep -oE '^Running: .*' "$work/regressions.log" | tail -n 1 | cut -c10-)
      echo "regression input ${failed_input:-?} fails" >"$work/result"
      return
    fi
  fi

  # -entropic=0: libFuzzer's entropic schedule re-weighs every coverage feature of the input
  # after each run, and with the tens of thousands of features these targets reach (Beast,
  # nlohmann/json and the store are all instrumented) that bookkeeping took ~80% of the time:
  # the request fuzzer made ~70 executions a second with it and ~1,400 without it.
  local rc=0
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" -entropic=0 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dict[@]}" "$work/corpus" \
    >"$work/fuzz.log" 2>&1 || rc=$?
  if [[ $rc -eq 0 ]] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|INVARIANT VIOLATED' "$work/fuzz.log"; then
    echo ok >"$work/result"
  fi
  echo "${#regressions[@]}" >"$work/regression_count"
}

started=$SECONDS
run_one request 8192 "$fuzz/corpus/request" &
request_pid=$!
run_one workflow_loader 16384 "$fuzz/corpus/workflow_loader" "$root/workflows" "$root/tests/data" &
loader_pid=$!
wait "$request_pid" "$loader_pid" || true

failed=0
for name in request workflow_loader; do
  work=$scratch/$name
  log=$work/fuzz.log
  result=$(cat "$work/result" 2>/dev/null || echo fail)
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" 2>/dev/null | grep -oE '[0-9]+$' || true)
  last=$(grep -E '^#[0-9]+' "$log" 2>/dev/null | tail -n 1 || true)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
  corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$last" | cut -d' ' -f2 || true)
  regs=$(cat "$work/regression_count" 2>/dev/null || echo 0)
  if [[ $result == ok ]]; then
    echo "fuzz $name: ok — ${execs:-?} executions in ${seconds}s, coverage ${cov:-?} edges" \
      "(${ft:-?} features), corpus ${corp:-?}, ${regs} regression inputs replayed"
  else
    failed=1
    echo "fuzz $name: FAILED ($result)${execs:+ after $execs executions}; log: $log"
    grep -E 'INVARIANT VIOLATED|ERROR: |runtime error:|SUMMARY:' "$log" | head -n 5 || true
    # The stack of the first report, for the CI log.
    awk '/==[0-9]+==ERROR|INVARIANT VIOLATED|runtime error:/{p=1} p&&n<40{print; n++}' "$log" || true
    shopt -s nullglob
    for artifact in "$work"/artifacts/*; do
      echo "fuzz $name: crashing input saved at $artifact"
    done
    shopt -u nullglob
  fi
done

if [[ $failed -ne 0 ]]; then
  echo "fuzz: failures above; logs and inputs kept in $scratch" >&2
  echo "fuzz: keep a crashing input as a regression: cp ARTIFACT $fuzz/regressions/<name>/" >&2
  exit 1
fi
rm -rf "$scratch"
echo "fuzz: both fuzzers clean ($((SECONDS - started)) s)"
