#include "storage/follow_up_coverage.h"

namespace redress::storage {

// The partial index's condition (follow_up_started_at IS NOT NULL) follows from the range, which
// SQLite sees: the range is walked on cases_follow_up_started.
const char* const kFollowUpCoverageSql =
    "SELECT coalesce(team, ''), coalesce(assignee, ''), count(*), "
    "sum(follow_up_completed), "
    "count(*) FILTER (WHERE state = 'closed_not_reached'), "
    "count(follow_up_csat), coalesce(sum(follow_up_csat), 0) "
    "FROM cases WHERE follow_up_started_at >= ?1 AND follow_up_started_at < ?2 "
    "AND (?3 IS NULL OR team = ?3) AND (?4 IS NULL OR assignee = ?4) "
    "GROUP BY 1, 2 ORDER BY 1, 2 LIMIT ?5";

Result<FollowUpCoverage> read_follow_up_coverage(const CaseStore& store,
                                                 const FollowUpCoverageQuery& query) {
  return store.read<FollowUpCoverage>([&](ReadContext& context) {
    auto s = context.statement(kFollowUpCoverageSql);
    s->bind(1, to_millis(query.from)).bind(2, to_millis(query.to));
    s->bind_or_null(3, query.team).bind_or_null(4, query.assignee);
    s->bind(5, static_cast<std::int64_t>(kMaxCoverageRows + 1));
    FollowUpCoverage out;
    while (s->step()) {
      if (out.rows.size() == kMaxCoverageRows) {
        out.truncated = true;
        break;
      }
      out.rows.push_back({s->column_text(0), s->column_text(1), s->column_int(2), s->column_int(3),
                          s->column_int(4), s->column_int(5), s->column_int(6)});
    }
    return out;
  });
}

}  // namespace redress::storage
