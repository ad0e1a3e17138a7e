#!/usr/bin/env bash
# Builds Redress and starts the server on the embedded defaults: the SQLite database
# data/redress.db (created on first start, when the first admin token is printed), the shipped
# workflows, http://127.0.0.1:8080. Options are passed on: scripts/run.sh --port 9000
# (see build/api/redress serve --help). Stop it with Ctrl-C: in-flight requests finish first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target redress

build/api/redress validate workflows/*.json
exec build/api/redress serve --workflows workflows "$@"
