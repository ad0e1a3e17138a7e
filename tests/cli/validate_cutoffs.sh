#!/usr/bin/env bash
# `redress validate` on malformed and misplaced cutoffs ("cutoff 15:00"): exit status 1, each one
# reported with its file, pointer and a message that says what is wrong and what is accepted.
# Arguments: the redress binary, the shipped workflows directory, the tests/data directory.
set -u
redress=$1
shipped=$2
data=$3
output=$("$redress" validate "$shipped/calendars.json" "$shipped/sla.json" \
  "$shipped/escalation.json" "$shipped/compensation.json" \
  "$data/broken_cutoffs.json" "$data/broken_cutoff_timer.json" 2>&1)
status=$?
fail() { echo "FAIL: $*"; echo "$output"; exit 1; }
[[ $status -eq 1 ]] || fail "expected exit status 1, got $status"
expect() {
  grep -qF -- "$1" <<<"$output" || fail "missing: $1"
}
sla=broken_cutoffs.json
expect "$sla:/targets/critical/resolution: error BAD_DURATION: invalid duration 'cutoff 25:00': '25:00' is not a time of day"
expect "$sla:/targets/high/resolution: error BAD_DURATION: invalid duration 'cutoff': the time of day is missing; expected \"cutoff HH:MM\""
expect "$sla:/targets/normal/resolution: error BAD_DURATION: invalid duration 'cutoff 15:00 business': nothing may follow the time ('business')"
expect "$sla:/targets/low/first_response: error BAD_DURATION: invalid duration 'cutoff 9:30'"
# A well-formed cutoff where SLA targets are accepted is no problem.
grep -q "$sla:/targets/low/resolution" <<<"$output" && fail "a valid cutoff target was reported"
wf=broken_cutoff_timer.json
expect "$wf:/timers/0/after: error BAD_DURATION: 'after' of timer 'nag' is 'cutoff 15:00', a deadline rule that only SLA targets accept"
expect "$wf:/transitions/0/actions/0/schedule_follow_up/after: error BAD_DURATION: 'after' of 'schedule_follow_up' is 'cutoff 10:00'"
grep -q "$wf:/states/0/sla" <<<"$output" && fail "a state's cutoff SLA target was reported"
echo "ok: exit 1 with every malformed or misplaced cutoff reported"
