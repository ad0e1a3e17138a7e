# Sourced by the command-line tests: runs the test in a fresh temporary directory (removed on
# exit) and gives it fail and expect_exit. Not a test itself.

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_exit() {  # expect_exit CODE command...: stdout in out.txt, stderr in err.txt
  local want=$1; shift
  set +e; "$@" >out.txt 2>err.txt; local got=$?; set -e
  [[ $got -eq $want ]] || { cat out.txt err.txt >&2; fail "'$*' exited $got, expected $want"; }
}
