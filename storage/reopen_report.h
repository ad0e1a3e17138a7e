// The reopen report: how many closed cases came back (case.reopened) in a period, per team and
// per person holding the case, within the reader's scope. Read from the journal, so a period in
// the past counts what happened then; the case's team and holder are its current ones.
//
// Thread-safety: read_reopen_report may be called from any thread (a reader connection).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/result.h"
#include "engine/time.h"
#include "storage/case_store.h"
#include "storage/read_scope.h"

namespace redress::storage {

struct ReopenCounts {
  std::int64_t reopens = 0;  // case.reopened events in the period
  std::int64_t cases = 0;    // distinct cases among them
};

struct ReopenAgentRow {
  std::string user_id;  // "" = the case is held by nobody (in its team's queue)
  ReopenCounts counts;
};

struct ReopenTeamRow {
  std::string team_id;  // "" = cases in no team
  ReopenCounts counts;
  std::vector<ReopenAgentRow> agents;  // by user id, the queue ("") first
};

struct ReopenReport {
  ReopenCounts total;
  std::vector<ReopenTeamRow> teams;  // by team id, "" first
};

// Reopens at instants in [from, to) of the cases `scope` sees.
Result<ReopenReport> read_reopen_report(const CaseStore& store, Instant from, Instant to,
                                        const ReadScope& scope);

}  // namespace redress::storage
