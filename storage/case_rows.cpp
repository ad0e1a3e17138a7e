#include "storage/case_rows.h"

#include <algorithm>
#include <chrono>
#include <iterator>

#include <sqlite3.h>

#include "engine/utf8.h"
#include "storage/case_search.h"

namespace redress::storage::rows {

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

void bind_promise_row(Statement& s, const CaseSnapshot& snap, const Promise& p) {
  const auto millis = [](const std::optional<Instant>& t) {
    return t ? std::optional(to_millis(*t)) : std::nullopt;
  };
  s.bind(1, snap.id)
      .bind(2, p.id)
      .bind(3, p.status)
      .bind(4, to_millis(p.due))
      .bind(5, p.text)
      .bind(6, p.made_by)
      .bind(7, to_millis(p.made_at))
      .bind_or_null(8, millis(p.kept_at))
      .bind_or_null(9, millis(p.breached_at))
      .bind_or_null(10, snap.team)
      .bind_or_null(11, snap.assignee);
}

std::string promise_row_signature(const std::string& status, std::int64_t due_at,
                                  const std::string& team, const std::string& assignee) {
  return status + " " + std::to_string(due_at) + " " + team + " " + assignee;
}

std::int64_t sla_due(const CaseSnapshot& snapshot) {
  std::int64_t due = kNoSlaDue;
  for (const auto& clock : snapshot.slas) {
    if (clock.status == "running") due = std::min(due, to_millis(clock.due));
  }
  return due;
}

std::int64_t next_due(const CaseSnapshot& snapshot) {
  std::int64_t due = sla_due(snapshot);
  if (snapshot.is_closed()) return due;
  for (const auto& promise : snapshot.promises) {
    if (promise.status == "open") due = std::min(due, to_millis(promise.due));
  }
  if (snapshot.stage == "follow_up" && snapshot.follow_up_due) {
    due = std::min(due, to_millis(*snapshot.follow_up_due));
  }
  return due;
}

std::string listing_summary(const CaseSnapshot& snapshot) {
  const auto summary = snapshot.fields.find("summary");
  if (summary == snapshot.fields.end() || !summary->is_string()) return {};
  return utf8_truncate(summary->get_ref<const std::string&>(), kListingSummaryLength);
}

namespace {

// The queue's SLA facts: the warn instant of the clock whose deadline is sla_due (the first of
// equal deadlines, as sla_due takes it) and whether any running clock has warned or breached.
// Paused and met clocks count for neither: a queue shows what is running out now.
void set_sla_columns(const CaseSnapshot& snap, CaseColumns& c) {
  const SlaClock* soonest = nullptr;
  for (const auto& clock : snap.slas) {
    if (clock.status != "running") continue;
    if (!soonest || clock.due < soonest->due) soonest = &clock;
    if (clock.warned) c.sla_warned = 1;
    if (clock.breached) c.sla_breached = 1;
  }
  if (soonest) c.sla_warn_at = to_millis(soonest->warn_at);
}

}  // namespace

CaseColumns case_columns(const CaseSnapshot& snap) {
  CaseColumns c;
  c.id = snap.id;
  c.workflow_id = snap.workflow_id;
  c.workflow_version = snap.workflow_version;
  c.version = snap.version;
  c.state = snap.state;
  c.stage = snap.stage;
  c.severity = snap.severity;
  c.priority = snap.priority;
  c.category = snap.category;
  c.escalation_level = snap.escalation_level;
  c.assignee = snap.assignee;
  c.team = snap.team;
  c.queue_role = snap.queue_role;
  c.customer_id = snap.customer.id;
  c.order_id = snap.order.id;
  c.sla_due = sla_due(snap);
  c.created_at = to_millis(snap.created_at);
  c.updated_at = to_millis(snap.updated_at);
  if (snap.closed_at) c.closed_at = to_millis(*snap.closed_at);
  c.summary = listing_summary(snap);
  set_sla_columns(snap, c);
  c.next_due = next_due(snap);
  if (!snap.is_closed() && snap.stage == "follow_up" && snap.follow_up_due) {
    c.follow_up_due = to_millis(*snap.follow_up_due);
  }
  if (snap.follow_up_started_at) c.follow_up_started_at = to_millis(*snap.follow_up_started_at);
  for (const auto& attempt : snap.follow_up_attempts) {
    if (attempt.outcome != "reached") continue;
    c.follow_up_completed = 1;
    c.follow_up_csat = attempt.csat;
  }
  c.reopen_count = snap.reopen_count;
  return c;
}

CaseColumns case_columns_from_row(const Statement& row, int first) {
  CaseColumns c;
  int i = first;
  c.id = row.column_text(i++);
  c.workflow_id = row.column_text(i++);
  c.workflow_version = row.column_int(i++);
  c.version = row.column_int(i++);
  c.state = row.column_text(i++);
  c.stage = row.column_text(i++);
  c.severity = row.column_text(i++);
  c.priority = row.column_text(i++);
  c.category = row.column_text(i++);
  c.escalation_level = row.column_text(i++);
  c.assignee = row.column_text(i++);
  c.team = row.column_text(i++);
  c.queue_role = row.column_text(i++);
  c.customer_id = row.column_text(i++);
  c.order_id = row.column_text(i++);
  c.sla_due = row.column_int(i++);
  c.created_at = row.column_int(i++);
  c.updated_at = row.column_int(i++);
  c.closed_at = row.column_optional_int(i++);
  c.summary = row.column_text(i++);
  c.sla_warn_at = row.column_optional_int(i++);
  c.sla_warned = row.column_int(i++);
  c.sla_breached = row.column_int(i++);
  c.next_due = row.column_int(i++);
  c.follow_up_due = row.column_optional_int(i++);
  c.follow_up_started_at = row.column_optional_int(i++);
  c.follow_up_completed = row.column_int(i++);
  c.follow_up_csat = row.column_optional_int(i++);
  c.reopen_count = row.column_int(i++);
  return c;
}

void bind_case_columns(Statement& s, const CaseColumns& c, int first) {
  s.bind(first + 0, c.id);
  s.bind(first + 1, c.workflow_id);
  s.bind(first + 2, c.workflow_version);
  s.bind(first + 3, c.version);
  s.bind(first + 4, c.state);
  s.bind(first + 5, c.stage);
  s.bind(first + 6, c.severity);
  s.bind(first + 7, c.priority);
  s.bind(first + 8, c.category);
  s.bind(first + 9, c.escalation_level);
  s.bind_or_null(first + 10, c.assignee);
  s.bind_or_null(first + 11, c.team);
  s.bind(first + 12, c.queue_role);
  s.bind_or_null(first + 13, c.customer_id);
  s.bind_or_null(first + 14, c.order_id);
  s.bind(first + 15, c.sla_due);
  s.bind(first + 16, c.created_at);
  s.bind(first + 17, c.updated_at);
  s.bind_or_null(first + 18, c.closed_at);
  s.bind_or_null(first + 19, c.summary);
  s.bind_or_null(first + 20, c.sla_warn_at);
  s.bind(first + 21, c.sla_warned);
  s.bind(first + 22, c.sla_breached);
  s.bind(first + 23, c.next_due);
  s.bind_or_null(first + 24, c.follow_up_due);
  s.bind_or_null(first + 25, c.follow_up_started_at);
  s.bind(first + 26, c.follow_up_completed);
  s.bind_or_null(first + 27, c.follow_up_csat);
  s.bind(first + 28, c.reopen_count);
}

namespace {

// Every column with its parameter number in bind_case_columns's order, and whether a command
// may change it once the row exists.
struct ColumnSpec {
  const char* name;
  int parameter;
  bool mutable_after_insert;
  bool (*same)(const CaseColumns&, const CaseColumns&);
};

#define REDRESS_CASE_COLUMN(name, parameter, mutable_after_insert)                  \
  ColumnSpec {                                                                      \
#name, parameter, mutable_after_insert,                                         \
        [](const CaseColumns& a, const CaseColumns& b) { return a.name == b.name; } \
  }

constexpr ColumnSpec kCaseColumns[] = {
    REDRESS_CASE_COLUMN(id, 1, false),
    REDRESS_CASE_COLUMN(workflow_id, 2, false),
    REDRESS_CASE_COLUMN(workflow_version, 3, false),
    REDRESS_CASE_COLUMN(version, 4, true),
    REDRESS_CASE_COLUMN(state, 5, true),
    REDRESS_CASE_COLUMN(stage, 6, true),
    REDRESS_CASE_COLUMN(severity, 7, true),
    REDRESS_CASE_COLUMN(priority, 8, true),
    REDRESS_CASE_COLUMN(category, 9, true),
    REDRESS_CASE_COLUMN(escalation_level, 10, true),
    REDRESS_CASE_COLUMN(assignee, 11, true),
    REDRESS_CASE_COLUMN(team, 12, true),
    REDRESS_CASE_COLUMN(queue_role, 13, true),
    REDRESS_CASE_COLUMN(customer_id, 14, true),
    REDRESS_CASE_COLUMN(order_id, 15, true),
    REDRESS_CASE_COLUMN(sla_due, 16, true),
    REDRESS_CASE_COLUMN(created_at, 17, false),
    REDRESS_CASE_COLUMN(updated_at, 18, true),
    REDRESS_CASE_COLUMN(closed_at, 19, true),
    REDRESS_CASE_COLUMN(summary, 20, true),
    REDRESS_CASE_COLUMN(sla_warn_at, 21, true),
    REDRESS_CASE_COLUMN(sla_warned, 22, true),
    REDRESS_CASE_COLUMN(sla_breached, 23, true),
    REDRESS_CASE_COLUMN(next_due, 24, true),
    REDRESS_CASE_COLUMN(follow_up_due, 25, true),
    REDRESS_CASE_COLUMN(follow_up_started_at, 26, true),
    REDRESS_CASE_COLUMN(follow_up_completed, 27, true),
    REDRESS_CASE_COLUMN(follow_up_csat, 28, true),
    REDRESS_CASE_COLUMN(reopen_count, 29, true),
};

static_assert(std::size(kCaseColumns) == kCaseColumnCount);

#undef REDRESS_CASE_COLUMN

}  // namespace

std::string differing_columns(const CaseColumns& a, const CaseColumns& b) {
  std::string out;
  for (const auto& column : kCaseColumns) {
    if (column.same(a, b)) continue;
    if (!out.empty()) out += ", ";
    out += column.name;
  }
  return out;
}

std::string case_update_sql(const CaseColumns& before, const CaseColumns& after) {
  std::string sql = "UPDATE cases SET snapshot = ?" + std::to_string(kCaseColumnCount + 1);
  for (const auto& column : kCaseColumns) {
    if (!column.mutable_after_insert || column.same(before, after)) continue;
    sql += ", ";
    sql += column.name;
    sql += " = ?" + std::to_string(column.parameter);
  }
  return sql + " WHERE id = ?1";
}

const std::string& case_insert_sql() {
  static const std::string sql = [] {
    std::string text =
        std::string("INSERT INTO cases (") + kCaseColumnList + ", snapshot) VALUES (";
    for (int parameter = 1; parameter <= kCaseColumnCount + 1; ++parameter) {
      text += (parameter > 1 ? ", ?" : "?") + std::to_string(parameter);
    }
    return text + ")";
  }();
  return sql;
}

std::optional<CaseSnapshot> load_snapshot(StatementCache& statements, const std::string& case_id) {
  auto s = statements.get("SELECT snapshot FROM cases WHERE id = ?");
  s->bind(1, case_id);
  if (!s->step()) return std::nullopt;
  return parse_snapshot(s->column_text(0), case_id);
}

CustomerHistory customer_history(StatementCache& statements, const std::string& customer_id,
                                 const std::string& case_id, const std::string& currency,
                                 Instant now) {
  CustomerHistory history;
  if (customer_id.empty()) return history;
  // A merged customer's history is the surviving customer's, which includes every customer
  // merged into it.
  auto surviving = customer_id;
  {
    auto s = statements.get("SELECT coalesce(merged_into, id) FROM customers WHERE id = ?");
    s->bind(1, customer_id);
    if (s->step()) surviving = s->column_text(0);
  }
  {
    // The escalation policy looks at a window of weeks; 200 recent cases is far beyond any rule.
    auto s = statements.get(
        "SELECT created_at FROM cases WHERE (customer_id = ?1 OR customer_id IN "
        "(SELECT id FROM customers WHERE merged_into = ?1)) AND id <> ?2 "
        "ORDER BY created_at DESC LIMIT 200");
    s->bind(1, surviving).bind(2, case_id);
    while (s->step()) history.other_cases_opened_at.push_back(from_millis(s->column_int(0)));
  }
  if (!currency.empty()) {
    // Summed here with saturating arithmetic, not by SQL sum(), which fails the whole command
    // with "integer overflow" once the stored amounts add up past int64.
    auto s = statements.get(
        "SELECT amount FROM compensations "
        "WHERE (customer_id = ?1 OR customer_id IN (SELECT id FROM customers WHERE "
        "merged_into = ?1)) AND case_id <> ?2 AND status IN ('approved', 'executed') "
        "AND decided_at > ?3 AND currency = ?4");
    s->bind(1, surviving)
        .bind(2, case_id)
        .bind(3, to_millis(now - std::chrono::days(30)))
        .bind(4, currency);
    std::int64_t total = 0;
    while (s->step()) total = saturating_add(total, s->column_int(0));
    history.compensation_granted_30d = Money{total, currency};
  }
  return history;
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

std::optional<std::string> searchable_text(const Event& e) {
  const auto string_values = [](const nlohmann::json& object, std::string& out) {
    if (!object.is_object()) return;
    for (const auto& [key, value] : object.items()) {
      if (!value.is_string()) continue;
      if (!out.empty()) out += ' ';
      out += value.get<std::string>();
    }
  };
  std::string text;
  if (e.type == "case.created") {
    for (const char* pointer : {"/id", "/customer/id", "/order/id"}) {
      const auto p = nlohmann::json::json_pointer(pointer);
      if (e.data.contains(p) && e.data.at(p).is_string()) {
        if (!text.empty()) text += ' ';
        text += e.data.at(p).get<std::string>();
      }
    }
    if (e.data.contains("fields")) string_values(e.data.at("fields"), text);
  } else if (e.type == "case.fields_set") {
    if (e.data.contains("fields")) string_values(e.data.at("fields"), text);
  } else if (e.type == "comment.added" || e.type == "message.received" || e.type == "reply.sent") {
    if (e.data.contains("text") && e.data.at("text").is_string()) {
      text = e.data.at("text").get<std::string>();
    }
  } else {
    return std::nullopt;
  }
  if (text.empty()) return std::nullopt;
  return text;
}

ListQuery list_cases_query(const CaseQuery& q) {
  // Built from fixed fragments only; every value is a bound parameter. The literal conditions
  // (closed_at IS NULL, assignee IS NULL, escalation_level <> 'agent') are spelled exactly as in
  // the partial indexes so that SQLite can use them.
  ListQuery out;
  std::string& sql = out.sql;
  sql = std::string("SELECT ") + kCaseColumnList + " FROM cases WHERE 1";
  auto& values = out.values;
  auto text = [&](const std::string& value, const char* clause) {
    if (value.empty()) return;
    sql += clause;
    values.emplace_back(value);
  };
  // Only the reader's team's cases and those they hold (read_scope.h).
  append_scope_condition(q.scope, "team", "assignee", sql, values);
  text(q.team, " AND team = ?");
  text(q.assignee, " AND assignee = ?");
  text(q.state, " AND state = ?");
  text(q.stage, " AND stage = ?");
  text(q.category, " AND category = ?");
  text(q.severity, " AND severity = ?");
  text(q.escalation_level, " AND escalation_level = ?");
  if (!q.customer_id.empty()) {
    sql +=
        " AND (customer_id = ? OR customer_id IN (SELECT id FROM customers WHERE merged_into = ?))";
    values.emplace_back(q.customer_id);
    values.emplace_back(q.customer_id);
  }
  if (q.open_only || q.escalated_only) sql += " AND closed_at IS NULL";
  if (q.unassigned_only) sql += " AND assignee IS NULL";
  if (q.escalated_only) sql += " AND escalation_level <> 'agent'";
  if (q.reopened_only) sql += " AND reopen_count > 0";
  if (q.sla_due_before) {
    sql += " AND sla_due < ?";
    values.emplace_back(to_millis(*q.sla_due_before));
  }
  if (q.follow_up_due_by) {
    // An agent's follow-up worklist: open cases whose follow-up is due by then.
    sql += " AND closed_at IS NULL AND follow_up_due <= ?";
    values.emplace_back(to_millis(*q.follow_up_due_by));
  }
  if (!q.text.empty()) {
    // FTS5 query syntax is not exposed: the expression is built from the text's words and CJK
    // characters only (storage/case_search.h). Text with nothing to search for finds nothing.
    if (auto expression = case_search_expression(q.text)) {
      // A customer's name finds their cases (and those of customers merged into them).
      sql +=
          " AND (id IN (SELECT case_id FROM case_terms WHERE case_terms MATCH ?) OR customer_id "
          "IN (SELECT id FROM customers WHERE rowid IN (SELECT rowid FROM customer_terms WHERE "
          "customer_terms MATCH ?) UNION SELECT m.id FROM customers m JOIN customers s ON "
          "m.merged_into = s.id WHERE s.rowid IN (SELECT rowid FROM customer_terms WHERE "
          "customer_terms MATCH ?)))";
      values.emplace_back(*expression);
      values.emplace_back(*expression);
      values.emplace_back(std::move(*expression));
    } else {
      sql += " AND 0";
    }
  }
  const bool by_next_due = q.sort == CaseSort::kNextDue;
  if (q.after) {
    sql += by_next_due ? " AND (next_due, id) > (?, ?)" : " AND (sla_due, id) > (?, ?)";
    values.emplace_back(by_next_due ? q.after->next_due : q.after->sla_due);
    values.emplace_back(q.after->id);
  }
  sql += by_next_due ? " ORDER BY next_due, id LIMIT ?" : " ORDER BY sla_due, id LIMIT ?";
  values.emplace_back(static_cast<std::int64_t>(q.limit));
  return out;
}

void bind_values(Statement& statement,
                 const std::vector<std::variant<std::string, std::int64_t>>& values) {
  int index = 1;
  for (const auto& value : values) {
    if (const auto* text = std::get_if<std::string>(&value)) {
      statement.bind(index++, *text);
    } else {
      statement.bind(index++, std::get<std::int64_t>(value));
    }
  }
}

}  // namespace redress::storage::rows
