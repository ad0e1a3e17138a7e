#!/usr/bin/env bash
# redress migrate / verify / backup as operators run them: exit codes and messages.
# usage: storage_commands.sh PATH/TO/redress
set -euo pipefail
redress=$1
workflows="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../workflows" && pwd)"
source "$(dirname "${BASH_SOURCE[0]}")/expect_exit.sh"

expect_exit 0 "$redress" migrate --dry-run
grep -q "would apply 1" out.txt || fail "dry run lists the pending migration"
[[ ! -e data/redress.db ]] || fail "dry run created the database"

expect_exit 0 "$redress" migrate
grep -q "migrated from version 0" out.txt || fail "migrate reports what it applied"
expect_exit 0 "$redress" migrate
grep -q "up to date" out.txt || fail "second migrate is a no-op"

expect_exit 0 "$redress" verify
grep -q "integrity check ok" out.txt || fail "verify reports success"

expect_exit 0 "$redress" backup copy.db
expect_exit 1 "$redress" backup copy.db
grep -q "DESTINATION_EXISTS" err.txt || fail "backup refuses to overwrite"
expect_exit 0 "$redress" verify --db copy.db
expect_exit 2 "$redress" backup
expect_exit 2 "$redress" verify --frobnicate
expect_exit 2 "$redress" verify --workflows
mkdir policies
echo '{"kind": "compensation_policy", "id": "p", "currency": "CNY", "max_amount": {"CNY": 0},
  "authority": [{"role": "agent"}, {"role": "team_lead"}, {"role": "supervisor"},
  {"role": "manager"}]}' > policies/compensation.json
expect_exit 1 "$redress" verify --db copy.db --workflows policies
grep -q "redress validate" err.txt || fail "verify refuses definitions that do not load"

expect_exit 1 "$redress" verify --db missing.db
grep -q "STORAGE_CANTOPEN" err.txt || fail "verify names a missing file"
echo "not a database, only text, long enough to look like something ........" > junk.db
expect_exit 1 "$redress" migrate --db junk.db
grep -q "STORAGE_CORRUPT" err.txt || fail "migrate names a file that is not a database"

# Evidence: backup copies the files the database names; verify hashes each and names a corrupt or
# a missing one. (The row is written by hand: uploads need the server, tested in evidence_api.)
expect_exit 0 "$redress" seed-demo --db evidence.db --workflows "$workflows"
case_id=$(sqlite3 evidence.db "SELECT id FROM cases ORDER BY rowid LIMIT 1")
printf '%%PDF-1.4 courier receipt\n' >receipt.pdf
sha=$(sha256sum receipt.pdf | cut -d' ' -f1)
stored="evidence.db.attachments/${sha:0:2}/$sha"
mkdir -p "$(dirname "$stored")"
cp receipt.pdf "$stored"
sqlite3 evidence.db "INSERT INTO attachments (id, case_id, sha256, file_name, content_type, size,
  uploaded_by, uploaded_at) VALUES ('att_cli', '$case_id', '$sha', 'receipt.pdf',
  'application/pdf', $(stat -c %s receipt.pdf), 'agent.li', 0)"
expect_exit 0 "$redress" verify --db evidence.db
grep -q "1 attachments checked against their files" out.txt || fail "verify counts the files"
expect_exit 0 "$redress" backup --db evidence.db evidence-copy.db
grep -q "1 attachment files" out.txt || fail "backup reports the files it copied"
cmp -s receipt.pdf "evidence-copy.db.attachments/${sha:0:2}/$sha" || fail "backup copied the file"
expect_exit 0 "$redress" verify --db evidence-copy.db
echo tampered >>"$stored"
expect_exit 1 "$redress" verify --db evidence.db
grep -q "ATTACHMENT_CORRUPT" out.txt || fail "verify names a corrupt file"
rm "$stored"
expect_exit 1 "$redress" verify --db evidence.db
grep -q "ATTACHMENT_MISSING" out.txt || fail "verify names a missing file"
expect_exit 1 "$redress" backup --db evidence.db evidence-second.db
grep -q "missing or corrupt" err.txt || fail "backup says a named file is missing"

sqlite3 data/redress.db "PRAGMA user_version = 999"
expect_exit 1 "$redress" migrate
grep -q "SCHEMA_TOO_NEW" err.txt || fail "a newer schema is refused"
expect_exit 1 "$redress" verify
grep -q "SCHEMA_VERSION" out.txt || fail "verify reports the schema version"
echo "storage commands: ok"
