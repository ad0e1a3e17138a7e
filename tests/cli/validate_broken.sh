#!/usr/bin/env bash
# `redress validate` on a broken definition: exit status 1 and every problem reported at once.
set -u
redress=$1
file=$2
output=$("$redress" validate "$file" 2>&1)
status=$?
fail() { echo "FAIL: $*"; echo "$output"; exit 1; }
[[ $status -eq 1 ]] || fail "expected exit status 1, got $status"
for code in BAD_VERSION UNKNOWN_CALENDAR BAD_FIELD_TYPE DUPLICATE_NAME UNKNOWN_STAGE UNKNOWN_STATE \
            UNKNOWN_ROLE BAD_DURATION MISSING_INITIAL; do
  grep -q "error $code" <<<"$output" || fail "missing $code"
done
grep -q "broken_workflow.json:/transitions/0/to: error UNKNOWN_STATE: unknown state 'nowhere'" <<<"$output" \
  || fail "UNKNOWN_STATE lacks its file, pointer or message"
echo "ok: exit 1 with all expected problems"
