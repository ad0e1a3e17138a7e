#!/usr/bin/env bash
# scripts/check_layout.sh can fail: on a copy of api/, engine/ and storage/ it first passes; with
# one planted violation of each of its rules it exits non-zero and names every offending file.
# (One run with all of them: the check reports every violation it finds, so each name in the
# output shows that its rule caught its file; a run per violation only made the test slower.)
#   tests/cli/layout_check_fails.sh SOURCE_DIR
set -u
source_dir=$1
check=$source_dir/scripts/check_layout.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/redress-layout-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

copy_tree() {
  mkdir -p "$work/tree"
  cp -R "$source_dir/api" "$source_dir/engine" "$source_dir/storage" "$work/tree/"
}

run_check() { bash "$check" "$work/tree" 2>&1; }

copy_tree
output=$(run_check) || fail "the unchanged tree fails the check: $output"

# One planted violation per rule: "file|line to write into it".
violations=(
  "api/routes/planted_sql.cpp|const char* kSql = \"SELECT id FROM cases\";"
  "api/routes/planted_statement.cpp|void f(Ctx& r) { auto s = r.statement(kSql); }"
  "api/delivery/planted_sqlite_include.cpp|#include \"storage/sqlite.h\""
  "api/http/planted_upward_include.cpp|#include \"api/routes/routes.h\""
  "api/transport/planted_sideways_include.cpp|#include \"api/delivery/stream_hub.h\""
  "api/server/planted_loose_include.cpp|#include \"api/request_context.h\""
  "engine/planted_asio.cpp|#include <boost/asio/io_context.hpp>"
  "engine/planted_storage.cpp|#include \"storage/case_store.h\""
  "storage/planted_api.cpp|#include \"api/http/router.h\""
  "api/planted_loose_file.cpp|// a file outside the api/ folders"
)

for v in "${violations[@]}"; do printf '%s\n' "${v#*|}" >"$work/tree/${v%%|*}"; done
# Rule 5: one internal name in two files of a library, in an anonymous namespace and as a static.
printf 'namespace {\nint planted_helper(int x) { return x; }\n}  // namespace\n' \
  | tee "$work/tree/engine/planted_internal_a.cpp" >"$work/tree/engine/planted_internal_b.cpp"
printf 'static int planted_count = 0;\n' \
  | tee "$work/tree/storage/planted_static_a.cpp" >"$work/tree/storage/planted_static_b.cpp"
violations+=("engine/planted_internal_a.cpp:2 engine/planted_internal_b.cpp:2|"
             "storage/planted_static_a.cpp:1 storage/planted_static_b.cpp:1|")
output=$(run_check)
[[ $? -ne 0 ]] || fail "all violations planted, yet the check passed"
for v in "${violations[@]}"; do
  grep -q "layout: ${v%%|*}" <<<"$output" || fail "${v%%|*} not named with the others: $output"
done
echo "ok: the check fails and names each of the ${#violations[@]} planted violations"
