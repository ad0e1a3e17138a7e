#include "storage/reopen_report.h"

#include <variant>
#include <vector>

#include "storage/case_rows.h"
#include "storage/case_store_impl.h"

namespace redress::storage {

Result<ReopenReport> read_reopen_report(const CaseStore& store, Instant from, Instant to,
                                        const ReadScope& scope) {
  // The partial index case_events_reopened (schema v15) holds exactly these journal rows.
  std::string sql =
      "SELECT coalesce(c.team, ''), coalesce(c.assignee, ''), count(*), count(DISTINCT c.id) "
      "FROM case_events e JOIN cases c ON c.id = e.case_id "
      "WHERE e.type = 'case.reopened' AND e.at >= ? AND e.at < ?";
  std::vector<std::variant<std::string, std::int64_t>> values{to_millis(from), to_millis(to)};
  append_scope_condition(scope, "c.team", "c.assignee", sql, values);
  sql += " GROUP BY 1, 2 ORDER BY 1, 2";
  return store.read<ReopenReport>([&](ReadContext& context) {
    auto s = context.statement(sql);
    rows::bind_values(*s, values);
    ReopenReport report;
    while (s->step()) {
      const std::string team = s->column_text(0);
      const ReopenCounts counts{s->column_int(2), s->column_int(3)};
      if (report.teams.empty() || report.teams.back().team_id != team) {
        report.teams.push_back({team, {}, {}});
      }
      auto& row = report.teams.back();
      row.counts.reopens += counts.reopens;
      // Grouped by the case's current team and holder, each case is in one row: its distinct
      // cases add up.
      row.counts.cases += counts.cases;
      row.agents.push_back({s->column_text(1), counts});
      report.total.reopens += counts.reopens;
      report.total.cases += counts.cases;
    }
    return report;
  });
}

}  // namespace redress::storage
