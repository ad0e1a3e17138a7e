#!/usr/bin/env bash
# Builds the web console into web/dist (served by `redress serve --console-dir web/dist`).
# npm packages come from web/package-lock.json with `npm ci`, run only when the lockfile changed
# since the last install on this machine (npm's own cache serves repeated installs offline).
set -euo pipefail
cd "$(dirname "$0")/../web"

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.redress-lockfile-sha256
if [[ ! -f $stamp || "$(cat "$stamp")" != "$lock_hash" ]]; then
  echo "redress: installing the console's npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
fi
node build.mjs
