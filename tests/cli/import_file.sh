#!/usr/bin/env bash
# redress import as an operator runs it against a running `redress serve`: a file with a bad line
# is imported (exit 1, the counts and the bad line on stdout, the progress on stderr); a clean
# re-run exits 0 with everything unchanged; a missing file, a bad URL, a refused token and an
# unreachable server each get their own message and exit code; the token is never printed.
# usage: import_file.sh PATH/TO/redress WORKFLOWS_DIR
set -euo pipefail
redress=$1
workflows=$2
source "$(dirname "${BASH_SOURCE[0]}")/expect_exit.sh"

"$redress" init --db db/redress.db --workflows "$workflows" >init.txt 2>&1 ||
  { cat init.txt >&2; fail "init failed"; }
token=$(grep -o 'rdr_[A-Za-z0-9_-]*' init.txt | head -1)
[[ -n $token ]] || { cat init.txt >&2; fail "no admin token printed"; }

"$redress" serve --db db/redress.db --workflows "$workflows" --port 0 --access-log false \
  >serve.txt 2>serve.err &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do
  grep -q "serving on http://" serve.txt 2>/dev/null && break
  sleep 0.05
done
url=$(grep -o 'http://[0-9.]*:[0-9]*' serve.txt | head -1)
[[ -n $url ]] || { cat serve.txt serve.err >&2; fail "the server did not start"; }

{
  echo '{"id": "CLI-1", "name": "王小明", "level": "gold"}'
  echo '{"id": "CLI-2", "name": "Li Lei"}'
  echo '{"id": "CLI-3", "nmae": "typo"}'
  echo '{"id": "CLI-4"}'
} >customers.jsonl

expect_exit 1 "$redress" import customers customers.jsonl --url "$url" --token "$token"
grep -q "done: 4 lines, 3 created, 0 updated, 0 unchanged, 1 rejected" out.txt ||
  { cat out.txt err.txt >&2; fail "no counts"; }
grep -q "line 3 /nmae unknown_field" out.txt || { cat out.txt >&2; fail "the bad line is not shown"; }
grep -q "upload \[" err.txt || { cat err.txt >&2; fail "no upload progress"; }
grep -q "import \[" err.txt || { cat err.txt >&2; fail "no import progress"; }
! grep -q "$token" out.txt err.txt || fail "the token was printed"

grep -v nmae customers.jsonl >clean.jsonl
REDRESS_TOKEN=$token REDRESS_URL=$url expect_exit 0 "$redress" import customers clean.jsonl
grep -q "done: 3 lines, 0 created, 0 updated, 3 unchanged, 0 rejected" out.txt ||
  { cat out.txt err.txt >&2; fail "a re-run changed something"; }

expect_exit 2 "$redress" import customers missing.jsonl --url "$url" --token "$token"
grep -q "missing.jsonl: no such file" err.txt || fail "no message for a missing file"
expect_exit 2 "$redress" import customers clean.jsonl --url "ftp://x" --token "$token"
grep -q "bad URL" err.txt || fail "no message for a bad URL"
expect_exit 2 "$redress" import invoices clean.jsonl --url "$url" --token "$token"
expect_exit 2 "$redress" import customers clean.jsonl --url "$url" --token ""
expect_exit 3 "$redress" import customers clean.jsonl --url "$url" --token "rdr_not_a_token"
grep -q "refused the token (401)" err.txt || { cat err.txt >&2; fail "no message for a bad token"; }
! grep -q "rdr_not_a_token" out.txt err.txt || fail "the refused token was printed"
expect_exit 3 "$redress" import customers clean.jsonl --url "http://127.0.0.1:1" --token "$token"
grep -q "cannot connect" err.txt || { cat err.txt >&2; fail "no message for a refused connection"; }
echo "ok: redress import"
