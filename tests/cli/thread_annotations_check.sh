#!/usr/bin/env bash
# engine/mutex.h's annotations are live under clang: a member GUARDED_BY a Mutex compiles when
# touched under a MutexLock and is a -Wthread-safety error when touched without one (so a macro
# quietly defined empty, or a wrapper that lost its attributes, fails here). Skipped without clang.
#   tests/cli/thread_annotations_check.sh SOURCE_DIR
set -u
source_dir=$1
if ! command -v clang++ >/dev/null 2>&1; then
  echo "clang++ not installed: nothing to check"
  exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/redress-tsa-XXXXXX")
trap 'rm -rf "$work"' EXIT

write_case() {  # $1 file, $2 the body of bump()
  cat >"$1" <<CPP
#include "engine/mutex.h"
class Counter {
 public:
  void bump() { $2 }
 private:
  redress::Mutex mutex_;
  int count_ GUARDED_BY(mutex_) = 0;
};
int main() { Counter c; c.bump(); }
CPP
}
compile() { clang++ -std=c++20 -fsyntax-only -Wthread-safety -Werror -I "$source_dir" "$1" 2>&1; }

write_case "$work/locked.cpp" "redress::MutexLock lock(mutex_); ++count_;"
out=$(compile "$work/locked.cpp") || { echo "FAIL: a locked access was refused:"; echo "$out"; exit 1; }

write_case "$work/unlocked.cpp" "++count_;"
if out=$(compile "$work/unlocked.cpp"); then
  echo "FAIL: an access without the lock compiled; the annotations are not in force"
  exit 1
fi
if ! grep -q "requires holding mutex 'mutex_'" <<<"$out"; then
  echo "FAIL: unexpected diagnostic:"; echo "$out"; exit 1
fi
echo "ok: the locked access compiles, the unlocked one is refused"
