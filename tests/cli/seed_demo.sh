#!/usr/bin/env bash
# redress seed-demo as a newcomer runs it: it seeds an empty database (people with printed
# tokens, a dozen cases whose journals replay), then refuses a second run with exit code 2.
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
echo "ok: seed-demo seeds once and refuses a database with cases"
