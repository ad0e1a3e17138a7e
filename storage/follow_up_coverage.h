// Follow-up coverage (回访覆盖率): of the cases that reached follow-up in a period, how many had a
// completed follow-up (an attempt that reached the customer), how many closed as not reached,
// and their mean satisfaction (CSAT), per team and assignee. Counted by SQL over the columns the
// writer keeps from each snapshot (schema v14: follow_up_started_at, follow_up_completed,
// follow_up_csat; index cases_follow_up_started), never by loading snapshots.
//
// A case counts in the period its follow-up first started (its first follow_up.scheduled), under
// its team and assignee now; its CSAT is the last one a reached attempt recorded.
//
// Reads run on the CaseStore's read-only connections and never wait for the writer. Errors are
// the storage errors of case_store.h.
//
// Thread-safety: safe from any thread; the CaseStore must outlive the call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/result.h"
#include "engine/time.h"
#include "storage/case_store.h"

namespace redress::storage {

struct FollowUpCoverageQuery {
  Instant from{};        // inclusive
  Instant to{};          // exclusive
  std::string team;      // "" = every team
  std::string assignee;  // "" = everyone
};

// One team and assignee ("" for cases nobody holds, or without a team).
struct FollowUpCoverageRow {
  std::string team;
  std::string assignee;
  std::int64_t reached_follow_up = 0;  // cases whose follow-up started in the period
  std::int64_t completed = 0;          // of those, a follow-up attempt reached the customer
  std::int64_t not_reached = 0;        // of those, closed as not reached (closed_not_reached)
  std::int64_t csat_count = 0;         // of those, with a CSAT
  std::int64_t csat_sum = 0;

  bool operator==(const FollowUpCoverageRow&) const = default;
};

// At most this many rows (teams x assignees); a larger answer is cut and says so.
inline constexpr std::size_t kMaxCoverageRows = 2000;

struct FollowUpCoverage {
  std::vector<FollowUpCoverageRow> rows;  // by team, then assignee
  bool truncated = false;
};

Result<FollowUpCoverage> read_follow_up_coverage(const CaseStore& store,
                                                 const FollowUpCoverageQuery& query);

// The aggregate's SQL (?1 from, ?2 to, ?3 team or NULL, ?4 assignee or NULL, ?5 limit), for the
// query-plan test.
extern const char* const kFollowUpCoverageSql;

}  // namespace redress::storage
