// How cases and journal entries map to rows; shared by the writer, the readers and `verify`.
// Malformed stored JSON throws SqliteError with SQLITE_CORRUPT (reported as STORAGE_CORRUPT).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/case_snapshot.h"
#include "storage/case_store.h"
#include "storage/sqlite.h"

namespace redress::storage::rows {

// The earliest deadline among the case's running SLA clocks, or kNoSlaDue.
std::int64_t sla_due(const CaseSnapshot& snapshot);

CaseSnapshot parse_snapshot(const std::string& text, const std::string& case_id);

std::optional<CaseSnapshot> load_snapshot(StatementCache& statements, const std::string& case_id);

// The case's journal in case_seq order.
std::vector<StoredEvent> load_journal(StatementCache& statements, const std::string& case_id);

// Columns: seq, case_id, case_seq, case_version, type, at, actor_id, actor_role, data.
inline constexpr const char* kEventColumns =
    "seq, case_id, case_seq, case_version, type, at, actor_id, actor_role, data";
StoredEvent event_from_row(const Statement& row);

}  // namespace redress::storage::rows
