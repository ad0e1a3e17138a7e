#!/usr/bin/env bash
# Checks the layout rules of docs/architecture.md, so that a later change cannot quietly undo them.
# CTest runs it as `layout.rules` in every stage of scripts/test.sh; run it by hand from anywhere:
#   scripts/check_layout.sh [source-dir]
#
# The rules:
#   1. api/ holds no SQL text, runs no statement of its own, and never includes storage/sqlite.h:
#      all SQL lives in storage/, reached through named queries.
#   2. The api/ folders depend one way: each may include only the folders after it in
#        cli → server → routes → delivery → transport → http
#      (so api/http includes no other api/ folder and api/transport only api/http).
#   3. engine/ includes no Asio, Beast or SQLite header, and nothing from storage/ or api/;
#      storage/ includes nothing from api/.
#   4. Every file under api/ is in one of those folders (apart from api/CMakeLists.txt).
# Each violation is printed as file:line: what is wrong; the exit status is the number of them
# (capped at 1), so the check fails loudly and names every offender at once.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

violations=0
report() {
  echo "layout: $1" >&2
  violations=$((violations + 1))
}

sources() { find "$@" -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.cpp.in' \) | sort; }

# 1. SQL stays in storage/. Keywords that open an SQL statement, in upper case at the start of a
#    string literal (the code base writes SQL in upper case), and the raw statement API.
sql_pattern='"[[:space:]]*(SELECT|INSERT[[:space:]]+INTO|UPDATE[[:space:]]+[a-z_]+[[:space:]]+SET|DELETE[[:space:]]+FROM|CREATE[[:space:]]+(TABLE|INDEX|UNIQUE)|DROP[[:space:]]|ALTER[[:space:]]+TABLE|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|WITH[[:space:]]+[a-z_]+[[:space:]]+AS)\b'
while IFS= read -r hit; do
  report "$hit: SQL text under api/ (move it into storage/ as a named query)"
done < <(sources api | xargs grep -nE "$sql_pattern" /dev/null)
while IFS= read -r hit; do
  report "$hit: api/ runs a statement of its own (add a named query to storage/)"
done < <(sources api | xargs grep -nE '(\.|->)statement\(|storage::Statement\b|sqlite3_' /dev/null)
while IFS= read -r hit; do
  report "$hit: api/ includes storage/sqlite.h"
done < <(sources api | xargs grep -nE '#include[[:space:]]+[<"](storage/sqlite\.h|sqlite3\.h)[>"]' /dev/null)

# 2. One direction between the api/ folders.
order=(cli server routes delivery transport http)
for ((i = 0; i < ${#order[@]}; i++)); do
  folder=${order[$i]}
  [[ -d api/$folder ]] || { report "api/$folder: missing"; continue; }
  allowed=("${order[@]:$((i + 1))}")
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    included=$(sed -nE 's/.*#include[[:space:]]+"api\/([a-z_]+)\/.*/\1/p' <<<"$rest")
    [[ -z $included || $included == "$folder" ]] && continue
    ok=0
    for a in "${allowed[@]}"; do [[ $included == "$a" ]] && ok=1; done
    if ((ok == 0)); then
      report "$file:$line: api/$folder may not include api/$included (allowed: ${allowed[*]:-none})"
    fi
  done < <(sources "api/$folder" | xargs grep -nE '#include[[:space:]]+"api/' /dev/null)
done
while IFS= read -r hit; do
  report "$hit: include from api/ that is not one of its folders"
done < <(sources api engine storage | xargs grep -nE '#include[[:space:]]+"api/[a-z_]+\.h"' /dev/null)

# 3. engine/ is pure; storage/ knows nothing of HTTP.
while IFS= read -r hit; do
  report "$hit: engine/ includes I/O (Asio, Beast, SQLite, storage/ or api/)"
done < <(sources engine | xargs grep -nE '#include[[:space:]]+[<"](boost/asio|boost/beast|sqlite3\.h|storage/|api/)' /dev/null)
while IFS= read -r hit; do
  report "$hit: storage/ includes api/"
done < <(sources storage | xargs grep -nE '#include[[:space:]]+"api/' /dev/null)

# 4. No loose files in api/.
while IFS= read -r file; do
  report "$file: every api/ file belongs to one of the folders ${order[*]}"
done < <(find api -maxdepth 1 -type f ! -name CMakeLists.txt | sort)

if ((violations > 0)); then
  echo "layout: $violations violation(s) of the rules in docs/architecture.md" >&2
  exit 1
fi
echo "layout: api/, engine/ and storage/ keep the rules of docs/architecture.md"
