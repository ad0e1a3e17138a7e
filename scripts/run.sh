#!/usr/bin/env bash
# Builds Redress and runs its main job on the embedded defaults:
# validates the shipped workflow definitions and walks a demo complaint through all five stages,
# stored in the embedded SQLite database data/demo.db and verified by replaying its journal.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target redress

build/api/redress validate workflows/*.json
exec build/api/redress demo --workflows workflows "$@"
