#!/usr/bin/env bash
# redress seed-demo as a newcomer runs it: it seeds an empty database (people with printed
# tokens, a dozen cases whose journals replay), then refuses a second run with exit code 2.
# With --cases N it also generates N open cases (their journals replay too); a count that is
# not a whole number up to 100000 is refused with exit code 2 and says so.
# usage: seed_demo.sh PATH/TO/redress WORKFLOWS_DIR
set -euo pipefail
redress=$1
workflows=$2
source "$(dirname "${BASH_SOURCE[0]}")/expect_exit.sh"

expect_exit 0 "$redress" seed-demo --db demo.db --workflows "$workflows"
# The first-start admin token, then six people and the integration token.
tokens=$(grep -c 'rdr_' out.txt)
(( tokens == 8 )) || { cat out.txt >&2; fail "printed $tokens tokens, expected 8"; }
for role in agent team_lead supervisor manager admin integration; do
  grep -q " $role " out.txt || fail "no $role token printed"
done
grep -q "seeded team after_sales" out.txt || fail "no summary line"
cases=$(grep -cE '^  C-' out.txt)
(( cases == 12 )) || { cat out.txt >&2; fail "listed $cases cases, expected 12"; }

expect_exit 0 "$redress" verify --db demo.db --workflows "$workflows"

expect_exit 2 "$redress" seed-demo --db demo.db --workflows "$workflows"
grep -q "already holds 12 cases" err.txt || { cat err.txt >&2; fail "no clear refusal"; }
expect_exit 2 "$redress" seed-demo --bogus

expect_exit 0 "$redress" seed-demo --db queue.db --workflows "$workflows" --cases 600
grep -q "Generated 600 open cases, C-13 to C-612, in team after_sales" out.txt ||
  { cat out.txt >&2; fail "no line for the generated cases"; }
expect_exit 0 "$redress" verify --db queue.db --workflows "$workflows"
for bad in 100001 -5 12x "" 9999999; do
  expect_exit 2 "$redress" seed-demo --db bad.db --workflows "$workflows" --cases "$bad"
  grep -q "cases takes a whole number from 0 to 100000, got '$bad'" err.txt ||
    { cat err.txt >&2; fail "no clear refusal of --cases '$bad'"; }
done
[[ ! -e bad.db ]] || fail "a refused --cases still created the database"
echo "ok: seed-demo seeds once, generates a queue on request and refuses a database with cases"
