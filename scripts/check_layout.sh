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
#   5. A name with internal linkage (declared in `namespace {` or `static` at namespace scope) is
#      declared in one .cpp file of its library only. The test command compiles each library in
#      unity batches, several .cpp files in one translation unit: two files' `shown()` would then
#      be a redefinition, or worse, two overloads, and a call could silently pick the other
#      file's. The same alias or using-declaration line in several files is harmless and allowed.
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

# 5. Internal names unique within each library (see the header). The awk prints, for each internal
#    declaration at column 0, "name<TAB>kind<TAB>text<TAB>file:line"; kind is "alias" for
#    `using`/namespace-alias lines (allowed to repeat word for word), "decl" otherwise.
internal_names() {
  awk '
    FNR == 1 { anon = 0 }
    /^namespace [{]/ { anon = 1; next }
    anon && /^[}]  \/\/ namespace$/ { anon = 0; next }
    /^[A-Za-z]/ {
      text = $0
      if (!anon && text !~ /^static /) next
      if (text ~ /^(template|namespace [a-z_:]+ [{]|using namespace|friend|extern)/) next
      line = text
      sub(/^static /, "", line)
      while (line ~ /<[^<>]*>/) gsub(/<[^<>]*>/, "", line)
      name = ""; kind = "decl"
      if (match(line, /^namespace [A-Za-z_]+ =/)) {
        name = substr(line, 11, RLENGTH - 12); kind = "alias"
      } else if (match(line, /^using [A-Za-z_][A-Za-z0-9_]* =/)) {
        name = substr(line, 7, RLENGTH - 8); kind = "alias"
      } else if (match(line, /^using [A-Za-z_:]+;/)) {
        name = substr(line, 7, RLENGTH - 7); sub(/.*:/, "", name); kind = "alias"
      } else if (match(line, /^(struct|class|enum class|enum|union) [A-Za-z_][A-Za-z0-9_]*/)) {
        name = substr(line, RSTART, RLENGTH); sub(/.* /, "", name)
      } else if (match(line, /[A-Za-z_][A-Za-z0-9_]*(\(| =|\[| [{]|[{]|;)/)) {
        name = substr(line, RSTART, RLENGTH); sub(/[^A-Za-z0-9_]+$/, "", name)
      }
      if (name != "" && name != "operator") print name "\t" kind "\t" text "\t" FILENAME ":" FNR
    }' "$@"
}
for library in engine storage api/http api/transport api/delivery api/routes api/server api/cli; do
  [[ -d $library ]] || continue
  while IFS= read -r clash; do
    report "$clash"
  done < <(internal_names "$library"/*.cpp | sort | awk -F'\t' '
    { split($4, at, ":"); file = at[1]
      if (!(($1, file) in seen)) { seen[$1, file] = 1; files[$1]++ }
      if ($2 == "decl") decls[$1]++; else texts[$1, $3] = 1
      where[$1] = where[$1] " " $4 }
    END {
      for (key in texts) { split(key, k, SUBSEP); distinct[k[1]]++ }
      for (n in files) {
        if (files[n] < 2) continue
        if (decls[n] == 0 && distinct[n] == 1) continue
        print where[n] ": internal name " n " declared in more than one file of this library"
      }
    }' | sed 's/^ //' | sort)
done

if ((violations > 0)); then
  echo "layout: $violations violation(s) of the rules in docs/architecture.md" >&2
  exit 1
fi
echo "layout: api/, engine/ and storage/ keep the rules of docs/architecture.md"
