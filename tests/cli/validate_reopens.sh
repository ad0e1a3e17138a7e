#!/usr/bin/env bash
# `redress validate` on transitions out of final states: only a declared reopen may leave one,
# a reopen leaves final states only, leads to an open state, has a window of some length and a
# reason field the transition requires. Exit status 1, each problem with its file and pointer.
# Arguments: the redress binary, the shipped workflows directory, the tests/data directory.
set -u
redress=$1
shipped=$2
data=$3
output=$("$redress" validate "$shipped/calendars.json" "$shipped/sla.json" \
  "$shipped/escalation.json" "$shipped/compensation.json" "$data/broken_reopens.json" 2>&1)
status=$?
fail() { echo "FAIL: $*"; echo "$output"; exit 1; }
[[ $status -eq 1 ]] || fail "expected exit status 1, got $status"
expect() {
  grep -qF -- "$1" <<<"$output" || fail "missing: $1"
}
wf=broken_reopens.json
expect "$wf:/transitions/2/from: error FINAL_STATE_HAS_EXIT: transition 'undo' leaves final state 'done'; final states have no way out but a declared reopen"
expect "$wf:/transitions/3/from/1: error REOPEN_FROM_NOT_FINAL: reopen 'reopen_open' leaves 'open', which is not final"
expect "$wf:/transitions/4/to: error REOPEN_TO_FINAL: reopen 'reopen_to_final' leads to final state 'done'"
expect "$wf:/transitions/4/reopen/within: error BAD_REOPEN_WINDOW: a reopen window must be longer than nothing"
expect "$wf:/transitions/5/reopen/within: error BAD_REOPEN_WINDOW: 'within' of 'reopen' is 'cutoff 15:00'"
expect "$wf:/transitions/5/reopen/reason: error FIELD_TYPE_MISMATCH: reopen reason field 'sure' must be text or string, not bool"
expect "$wf:/transitions/6/reopen/reason: error REOPEN_REASON_NOT_REQUIRED: reopen reason field 'why' must be listed in the transition's 'requires'"
# The well-formed reopen from 'done' in reopen_open is no problem of its own.
grep -q "$wf:/transitions/3/from/0" <<<"$output" && fail "a final state a reopen leaves was reported"
echo "ok: exit 1 with every exit from a final state that is not a well-formed reopen reported"
