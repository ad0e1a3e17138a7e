#include "storage/case_rows.h"

#include <algorithm>

#include <sqlite3.h>

namespace redress::storage::rows {

std::int64_t sla_due(const CaseSnapshot& snapshot) {
  std::int64_t due = kNoSlaDue;
  for (const auto& clock : snapshot.slas) {
    if (clock.status == "running") due = std::min(due, to_millis(clock.due));
  }
  return due;
}

CaseSnapshot parse_snapshot(const std::string& text, const std::string& case_id) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    throw SqliteError(SQLITE_CORRUPT, "case " + case_id + ": the stored snapshot is not JSON");
  }
  auto snapshot = snapshot_from_json(json);
  if (!snapshot.ok()) {
    throw SqliteError(SQLITE_CORRUPT, "case " + case_id + ": the stored snapshot is invalid: " +
                                          snapshot.error().message);
  }
  return std::move(snapshot).value();
}

std::optional<CaseSnapshot> load_snapshot(StatementCache& statements, const std::string& case_id) {
  auto s = statements.get("SELECT snapshot FROM cases WHERE id = ?");
  s->bind(1, case_id);
  if (!s->step()) return std::nullopt;
  return parse_snapshot(s->column_text(0), case_id);
}

StoredEvent event_from_row(const Statement& row) {
  StoredEvent stored;
  stored.seq = row.column_int(0);
  stored.case_id = row.column_text(1);
  stored.case_seq = row.column_int(2);
  stored.event.case_version = row.column_int(3);
  stored.event.type = row.column_text(4);
  stored.event.at = from_millis(row.column_int(5));
  stored.event.actor_id = row.column_text(6);
  stored.event.actor_role = row.column_text(7);
  auto data = nlohmann::json::parse(row.column_text(8), nullptr, false);
  if (data.is_discarded()) {
    throw SqliteError(SQLITE_CORRUPT, "case " + stored.case_id + ": journal entry " +
                                          std::to_string(stored.seq) + " is not JSON");
  }
  stored.event.data = std::move(data);
  return stored;
}

std::vector<StoredEvent> load_journal(StatementCache& statements, const std::string& case_id) {
  auto s = statements.get(std::string("SELECT ") + kEventColumns +
                          " FROM case_events WHERE case_id = ? ORDER BY case_seq");
  s->bind(1, case_id);
  std::vector<StoredEvent> events;
  while (s->step()) events.push_back(event_from_row(*s));
  return events;
}

}  // namespace redress::storage::rows
