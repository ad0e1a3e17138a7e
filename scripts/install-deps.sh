#!/usr/bin/env bash
# Installs the Debian 12 packages Redress builds against, only those that are missing.
# Idempotent: a machine that already has everything is left untouched (no apt-get run).
# Usage: scripts/install-deps.sh            (the server and the web console's build)
#        scripts/install-deps.sh --browser  (also Chromium and a CJK font, for the browser tests)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang clang-format          # clang for the libFuzzer targets, clang-format for style
  lld                         # the clang stages of the test command link with it
  libboost1.81-dev libboost-test1.81-dev
  libboost-url1.81-dev        # Boost.URL: webhook URLs and request targets
  nlohmann-json3-dev
  libsqlite3-dev sqlite3
  libssl-dev
  libgd-dev                   # libgd: thumbnails of image evidence (JPEG, PNG, WebP)
  libhowardhinnant-date-dev tzdata
  curl
)
if [[ "${1:-}" == "--browser" ]]; then
  # Debian's Chromium, driven by playwright-core in web/tests/e2e; a font with Chinese glyphs so
  # the Chinese pages render (and their screenshots show words, not boxes).
  packages+=(chromium fonts-wqy-microhei)
fi
# Node.js builds the console (web/). A machine may already carry a newer Node.js from elsewhere,
# which conflicts with Debian's npm package: install Debian's only when the commands are missing.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "redress: installing missing packages: ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "redress: apt-get not found. This script targets Debian 12 (bookworm)." >&2
  echo "redress: install these packages by other means: ${missing[*]}" >&2
  exit 1
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "redress: not root and no sudo; run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "redress: apt-get could not install: ${missing[*]}" >&2
  echo "redress: check the Debian mirror in /etc/apt/sources.list and retry." >&2
  exit 1
fi
