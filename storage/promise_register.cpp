#include "storage/promise_register.h"

#include "storage/case_rows.h"
#include "storage/case_store_impl.h"
#include "storage/listing_limit.h"

namespace redress::storage {
namespace {

std::optional<Instant> optional_instant(const Statement& s, int column) {
  if (s.column_is_null(column)) return std::nullopt;
  return from_millis(s.column_int(column));
}

rows::ListQuery promise_listing_query(const PromiseQuery& q) {
  // Built from fixed fragments only; every value is a bound parameter. The case's state is a
  // subquery, not a join, so that the promises' index drives the walk in due order.
  rows::ListQuery out;
  auto& sql = out.sql;
  auto& values = out.values;
  sql =
      "SELECT p.case_id, p.promise_id, p.text, p.due_at, p.status, p.made_by, p.made_at, "
      "p.kept_at, p.breached_at, coalesce(p.team, ''), coalesce(p.assignee, ''), "
      "coalesce((SELECT c.state FROM cases AS c WHERE c.id = p.case_id), '') "
      "FROM promises AS p WHERE 1";
  const auto text = [&](const std::string& value, const char* clause) {
    if (value.empty()) return;
    sql += clause;
    values.emplace_back(value);
  };
  append_scope_condition(q.scope, "p.team", "p.assignee", sql, values);
  text(q.status, " AND p.status = ?");
  text(q.team, " AND p.team = ?");
  text(q.assignee, " AND p.assignee = ?");
  text(q.made_by, " AND p.made_by = ?");
  if (q.due_from) {
    sql += " AND p.due_at >= ?";
    values.emplace_back(to_millis(*q.due_from));
  }
  if (q.due_before) {
    sql += " AND p.due_at < ?";
    values.emplace_back(to_millis(*q.due_before));
  }
  if (q.after) {
    sql += " AND (p.due_at, p.case_id, p.promise_id) > (?, ?, ?)";
    values.emplace_back(to_millis(q.after->due));
    values.emplace_back(q.after->case_id);
    values.emplace_back(q.after->promise_id);
  }
  sql += " ORDER BY p.due_at, p.case_id, p.promise_id LIMIT ?";
  values.emplace_back(static_cast<std::int64_t>(q.limit));
  return out;
}

}  // namespace

std::string promise_listing_sql(const PromiseQuery& query) {
  return promise_listing_query(query).sql;
}

Result<std::vector<PromiseRow>> PromiseRegister::rows(const PromiseQuery& q) const {
  if (auto checked = check_listing_limit(q.limit); !checked.ok()) return checked.error();
  const auto query = promise_listing_query(q);
  return store_.read<std::vector<PromiseRow>>([&](ReadContext& context) {
    auto s = context.statement(query.sql);
    rows::bind_values(*s, query.values);
    std::vector<PromiseRow> out;
    while (s->step()) {
      PromiseRow row;
      row.case_id = s->column_text(0);
      row.promise_id = s->column_text(1);
      row.text = s->column_text(2);
      row.due = from_millis(s->column_int(3));
      row.status = s->column_text(4);
      row.made_by = s->column_text(5);
      row.made_at = from_millis(s->column_int(6));
      row.kept_at = optional_instant(*s, 7);
      row.breached_at = optional_instant(*s, 8);
      row.team = s->column_text(9);
      row.assignee = s->column_text(10);
      row.case_state = s->column_text(11);
      out.push_back(std::move(row));
    }
    return out;
  });
}

}  // namespace redress::storage
