#!/usr/bin/env bash
# Builds Redress and its web console, then starts the server on the embedded defaults: the
# SQLite database data/redress.db (created on first start, when the first admin token is
# printed), the shipped workflows, http://127.0.0.1:8080, and the console at that address.
# Options are passed on: scripts/run.sh --port 9000 (see build/api/redress serve --help).
#   scripts/run.sh --demo   first loads demo data into an empty database (a team, a user of
#                           each role with their printed tokens, a dozen cases); never by default.
# Stop it with Ctrl-C: in-flight requests finish first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

demo=0
serve_args=()
for arg in "$@"; do
  if [[ "$arg" == "--demo" ]]; then demo=1; else serve_args+=("$arg"); fi
done

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
# The flags are named, not left to the cache: the test command configures this same directory
# for a quicker compile (-Og, unity batches), and the server people run is built at -O2, file by
# file.
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG" -DCMAKE_UNITY_BUILD=OFF >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target redress
scripts/build-web.sh

build/api/redress validate workflows/*.json
if [[ $demo == 1 ]]; then
  db=data/redress.db
  for ((i = 0; i < ${#serve_args[@]}; ++i)); do
    [[ "${serve_args[$i]}" == "--db" ]] && db="${serve_args[$((i + 1))]}"
  done
  mkdir -p "$(dirname "$db")"
  build/api/redress seed-demo --db "$db" --workflows workflows
fi
exec build/api/redress serve --workflows workflows --console-dir web/dist "${serve_args[@]}"
