// How cases and journal entries map to rows; shared by the writer, the readers and `verify`.
// Malformed stored JSON throws SqliteError with SQLITE_CORRUPT (reported as STORAGE_CORRUPT).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/case_snapshot.h"
#include "engine/command.h"
#include "storage/case_store.h"
#include "storage/sqlite.h"

namespace redress::storage::rows {

// The earliest deadline among the case's running SLA clocks, or kNoSlaDue.
std::int64_t sla_due(const CaseSnapshot& snapshot);

// What a worklist does next with the case: the earliest of its running SLA deadlines, its open
// promises' dues and, while it is in the follow_up stage, its follow-up due; kNoSlaDue when it
// has none. sla_due keeps its meaning (SLA clocks only).
std::int64_t next_due(const CaseSnapshot& snapshot);

// Code points of a case's summary kept for listings (a longer one is cut, ending in "…").
inline constexpr std::size_t kListingSummaryLength = 200;
// What a queue row shows of the case's text: its `summary` field (the complaint workflow's
// opening summary) cut to kListingSummaryLength; "" when the case has none.
std::string listing_summary(const CaseSnapshot& snapshot);

// The `cases` columns other than the snapshot itself: what queues filter and sort on. Derived
// from the snapshot in one place, so the writer and `verify` cannot disagree about them.
// Empty text is stored as NULL.
struct CaseColumns {
  std::string id;
  std::string workflow_id;
  std::int64_t workflow_version = 0;
  std::int64_t version = 0;
  std::string state;
  std::string stage;
  std::string severity;
  std::string priority;
  std::string category;
  std::string escalation_level;
  std::string assignee;
  std::string team;
  std::string queue_role;
  std::string customer_id;
  std::string order_id;
  std::int64_t sla_due = kNoSlaDue;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> closed_at;
  // Schema v4: what a queue row and the team workload show without parsing the snapshot.
  std::string summary;                      // listing_summary
  std::optional<std::int64_t> sla_warn_at;  // the warn instant of the clock that gives sla_due
  std::int64_t sla_warned = 0;              // 1: some running clock has passed its warning
  std::int64_t sla_breached = 0;            // 1: some running clock has passed its breach
  // Schema v14: the worklist order and follow-up facts (the coverage report reads these).
  std::int64_t next_due = kNoSlaDue;                 // rows::next_due
  std::optional<std::int64_t> follow_up_due;         // while open in the follow_up stage
  std::optional<std::int64_t> follow_up_started_at;  // when it first reached follow-up
  std::int64_t follow_up_completed = 0;              // 1: a follow-up attempt reached the customer
  std::optional<std::int64_t> follow_up_csat;        // the last reached attempt's CSAT
  // Schema v15: times the case was reopened (the `reopened` filter and the reopen report).
  std::int64_t reopen_count = 0;

  bool operator==(const CaseColumns&) const = default;
};

inline constexpr const char* kCaseColumnList =
    "id, workflow_id, workflow_version, version, state, stage, severity, priority, category, "
    "escalation_level, assignee, team, queue_role, customer_id, order_id, sla_due, created_at, "
    "updated_at, closed_at, summary, sla_warn_at, sla_warned, sla_breached, next_due, "
    "follow_up_due, follow_up_started_at, follow_up_completed, follow_up_csat, reopen_count";
inline constexpr int kCaseColumnCount = 29;

CaseColumns case_columns(const CaseSnapshot& snapshot);
// Reads kCaseColumnList starting at column `first` of `row`.
CaseColumns case_columns_from_row(const Statement& row, int first = 0);
// Binds kCaseColumnList to parameters first..first+kCaseColumnCount-1 of `statement`.
void bind_case_columns(Statement& statement, const CaseColumns& columns, int first = 1);
// The names of the columns that differ, comma-separated (for verify's messages).
std::string differing_columns(const CaseColumns& a, const CaseColumns& b);
// An UPDATE of the row from `before` to `after` that sets the snapshot (parameter
// kCaseColumnCount + 1) and only the columns that changed, bound like bind_case_columns. An
// index none of whose columns is set is left alone: every column in the SET list makes SQLite
// rewrite each index that holds it, even with an equal value. The SQL text depends only on
// which columns changed, so prepared statements for it stay few.
std::string case_update_sql(const CaseColumns& before, const CaseColumns& after);
// The INSERT of a new row: kCaseColumnList bound like bind_case_columns, then the snapshot.
const std::string& case_insert_sql();

// The `promises` row of one of a case's promises (schema version 12): the promise with the
// case's team and assignee. The writer and migration 12's backfill both write it with these, and
// `verify` compares the rows with the snapshot's promises.
inline constexpr const char* kUpsertPromiseSql =
    "INSERT OR REPLACE INTO promises (case_id, promise_id, status, due_at, text, made_by, "
    "made_at, kept_at, breached_at, team, assignee) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
void bind_promise_row(Statement& statement, const CaseSnapshot& snapshot, const Promise& promise);
// What `verify` compares per promise: "status due team assignee".
std::string promise_row_signature(const std::string& status, std::int64_t due_at,
                                  const std::string& team, const std::string& assignee);

// A stored snapshot's text parsed; SqliteError(SQLITE_CORRUPT) when it is not a valid snapshot.
CaseSnapshot parse_snapshot(const std::string& text, const std::string& case_id);
std::optional<CaseSnapshot> load_snapshot(StatementCache& statements, const std::string& case_id);

// What the engine is told of the customer of case `case_id` when it decides a command at `now`
// (engine/command.h CustomerHistory): when their other cases were opened, and what was granted
// on them in `currency` over the 30 days before `now`. Empty for a case without a customer. The
// writer gathers it for commands that need it, and the remedy advice reads it the same way, so
// both judge compensation by the same totals.
CustomerHistory customer_history(StatementCache& statements, const std::string& customer_id,
                                 const std::string& case_id, const std::string& currency,
                                 Instant now);

// The case's journal in case_seq order.
std::vector<StoredEvent> load_journal(StatementCache& statements, const std::string& case_id);

// Columns: seq, case_id, case_seq, case_version, type, at, actor_id, actor_role, data.
inline constexpr const char* kEventColumns =
    "seq, case_id, case_seq, case_version, type, at, actor_id, actor_role, data";
StoredEvent event_from_row(const Statement& row);

// The text a journal entry adds to its case's full-text index (case_terms, storage/case_search.h),
// or nothing: the case's ids and opening text fields, the text fields of a field update, and the
// text of a comment, customer message or reply. The writer indexes each entry with it and
// migration 6 rebuilt the index from the journal with it, so they cannot disagree.
std::optional<std::string> searchable_text(const Event& event);

// The SQL of the listings agents run all day, with their bound values in order. Kept here so
// that a test can check each one's query plan uses its index.
struct ListQuery {
  std::string sql;
  std::vector<std::variant<std::string, std::int64_t>> values;
};
ListQuery list_cases_query(const CaseQuery& query);
// Binds `values` to ?1, ?2, ... in order.
void bind_values(Statement& statement,
                 const std::vector<std::variant<std::string, std::int64_t>>& values);

// ?3..?5: the page cursor (requested_at, case_id, approval_id) to continue after; the first
// page binds (INT64_MIN, '', ''). Each row carries what the approver decides on: the case's
// summary, severity, workflow and customer, the compensation a compensation approval is about,
// and the requester's display name (columns in PendingApproval's order).
inline constexpr const char* kPendingApprovalsSql =
    "SELECT a.case_id, a.approval_id, a.kind, a.subject, a.required_role, a.requested_by, "
    "a.team, a.requested_at, coalesce(u.display_name, ''), coalesce(c.summary, ''), "
    "c.severity, c.workflow_id, c.workflow_version, coalesce(c.customer_id, ''), "
    "coalesce(json_extract(c.snapshot, '$.customer.segment'), ''), "
    "coalesce(json_extract(c.snapshot, '$.customer.tier'), ''), p.type, p.amount, p.currency "
    "FROM approvals AS a JOIN cases AS c ON c.id = a.case_id "
    "LEFT JOIN compensations AS p ON a.kind = 'compensation' AND p.case_id = a.case_id "
    "AND p.compensation_id = a.subject "
    "LEFT JOIN users AS u ON u.id = a.requested_by "
    "WHERE a.status = 'pending' AND a.required_role = ?1 "
    "AND (a.requested_at, a.case_id, a.approval_id) > (?3, ?4, ?5) "
    "AND (?6 OR c.team = ?7 OR c.assignee = ?8) "
    "ORDER BY a.requested_at, a.case_id, a.approval_id LIMIT ?2";

inline constexpr const char* kDueTimersSql =
    "SELECT case_id, timer_key, name, due_at, attempts, coalesce(last_error, '') FROM timers "
    "WHERE fire_at <= ? ORDER BY fire_at, case_id, timer_key LIMIT ?";

}  // namespace redress::storage::rows
