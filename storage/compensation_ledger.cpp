#include "storage/compensation_ledger.h"

#include <limits>
#include <variant>

#include "storage/case_rows.h"
#include "storage/case_store_impl.h"
#include "storage/listing_limit.h"

namespace redress::storage {
namespace {

using BoundValue = std::variant<std::string, std::int64_t>;

// The FROM and WHERE of a ledger query, with its bound values in order. The case row is joined
// for its team, category and order; the fault party is read from the snapshot only when asked.
struct LedgerFilter {
  std::string sql;
  std::vector<BoundValue> values;
};

LedgerFilter ledger_filter(const LedgerQuery& q) {
  LedgerFilter out;
  out.sql = " FROM compensations AS m JOIN cases AS c ON c.id = m.case_id WHERE 1";
  const auto text = [&](const std::string& value, const char* clause) {
    if (value.empty()) return;
    out.sql += clause;
    out.values.emplace_back(value);
  };
  if (q.proposed_from) {
    out.sql += " AND m.proposed_at >= ?";
    out.values.emplace_back(to_millis(*q.proposed_from));
  }
  if (q.proposed_before) {
    out.sql += " AND m.proposed_at < ?";
    out.values.emplace_back(to_millis(*q.proposed_before));
  }
  text(q.type, " AND m.type = ?");
  text(q.status, " AND m.status = ?");
  append_scope_condition(q.scope, "c.team", "c.assignee", out.sql, out.values);
  text(q.team, " AND c.team = ?");
  text(q.proposed_by, " AND m.proposed_by = ?");
  text(q.decided_by, " AND m.decided_by = ?");
  if (!q.customer_id.empty()) {
    // With the customers merged into this one.
    out.sql +=
        " AND (m.customer_id = ? OR m.customer_id IN (SELECT id FROM customers WHERE "
        "merged_into = ?))";
    out.values.emplace_back(q.customer_id);
    out.values.emplace_back(q.customer_id);
  }
  text(q.order_id, " AND m.order_id = ?");
  text(q.category, " AND c.category = ?");
  text(q.fault_party, " AND json_extract(c.snapshot, '$.fields.fault_party') = ?");
  return out;
}

}  // namespace

Result<std::vector<LedgerRow>> CompensationLedger::rows(const LedgerQuery& q) const {
  if (q.limit != kMaxLedgerExportRows + 1) {
    if (auto checked = check_listing_limit(q.limit); !checked.ok()) return checked.error();
  }
  auto filter = ledger_filter(q);
  std::string sql =
      "SELECT m.case_id, m.compensation_id, m.type, m.amount, m.currency, m.status, "
      "m.proposed_by, coalesce(m.required_role, ''), coalesce(m.approval_id, ''), "
      "coalesce(m.decided_by, ''), coalesce(m.reference, ''), m.proposed_at, m.decided_at, "
      "m.executed_at, coalesce(m.customer_id, ''), coalesce(c.order_id, ''), "
      "coalesce(c.team, ''), c.category" +
      filter.sql;
  if (q.after) {
    sql += " AND (m.proposed_at, m.case_id, m.compensation_id) < (?, ?, ?)";
    filter.values.emplace_back(to_millis(q.after->proposed_at));
    filter.values.emplace_back(q.after->case_id);
    filter.values.emplace_back(q.after->compensation_id);
  }
  sql += " ORDER BY m.proposed_at DESC, m.case_id DESC, m.compensation_id DESC LIMIT ?";
  filter.values.emplace_back(static_cast<std::int64_t>(q.limit));
  return store_.read<std::vector<LedgerRow>>([&](ReadContext& context) {
    auto s = context.statement(sql);
    rows::bind_values(*s, filter.values);
    std::vector<LedgerRow> out;
    while (s->step()) {
      LedgerRow row;
      row.case_id = s->column_text(0);
      row.compensation_id = s->column_text(1);
      row.type = s->column_text(2);
      row.value = Money{s->column_int(3), s->column_text(4)};
      row.status = s->column_text(5);
      row.proposed_by = s->column_text(6);
      row.required_role = s->column_text(7);
      row.approval_id = s->column_text(8);
      row.decided_by = s->column_text(9);
      row.reference = s->column_text(10);
      row.proposed_at = from_millis(s->column_int(11));
      row.decided_at = column_optional_instant(*s, 12);
      row.executed_at = column_optional_instant(*s, 13);
      row.customer_id = s->column_text(14);
      row.order_id = s->column_text(15);
      row.team = s->column_text(16);
      row.category = s->column_text(17);
      out.push_back(std::move(row));
    }
    return out;
  });
}

Result<std::vector<LedgerTotal>> CompensationLedger::totals(const LedgerQuery& q) const {
  const auto filter = ledger_filter(q);
  const std::string sql = "SELECT m.currency, m.status, count(*), sum(m.amount)" + filter.sql +
                          " GROUP BY m.currency, m.status ORDER BY m.currency, m.status";
  return store_.read<std::vector<LedgerTotal>>([&](ReadContext& context) {
    auto s = context.statement(sql);
    rows::bind_values(*s, filter.values);
    std::vector<LedgerTotal> out;
    while (s->step()) {
      out.push_back({s->column_text(0), s->column_text(1), s->column_int(2), s->column_int(3)});
    }
    return out;
  });
}

}  // namespace redress::storage
