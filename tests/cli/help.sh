#!/usr/bin/env bash
# Every subcommand that `redress help` lists answers --help (and -h) with its usage on stdout
# and exit 0, without touching any file.
# usage: help.sh PATH/TO/redress
set -euo pipefail
redress=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

"$redress" help >list.txt || fail "'redress help' exited $?"
# The command list: the lower-case name that starts a line after two spaces.
mapfile -t commands < <(sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' list.txt)
(( ${#commands[@]} >= 8 )) || { cat list.txt >&2; fail "redress help lists ${#commands[@]} commands"; }

for command in "${commands[@]}"; do
  for flag in --help -h; do
    set +e; "$redress" "$command" "$flag" >out.txt 2>err.txt; got=$?; set -e
    [[ $got -eq 0 ]] || { cat out.txt err.txt >&2; fail "'redress $command $flag' exited $got"; }
    grep -q "usage: redress" out.txt || { cat out.txt >&2; fail "'redress $command $flag' prints no usage"; }
    [[ $command == help ]] || grep -q "redress $command" out.txt ||
      fail "'redress $command $flag' does not name the command"
  done
done
# --help after other options too, and nothing was created on the way.
"$redress" backup --db x.db --help >out.txt || fail "'redress backup --db x.db --help' failed"
[[ ! -e data && ! -e x.db ]] || fail "--help created a file"
echo "ok: ${#commands[@]} commands answer --help"
