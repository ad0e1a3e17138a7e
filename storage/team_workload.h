// Team workload: how one team's open cases are spread over the people who hold them, with how
// many of each person's cases have an SLA clock past its warning or its breach. What a team
// lead's workload board shows, for a team of 10,000 open cases: counted by SQL over the
// covering index cases_open_workload (schema v4), never by loading cases.
//
// Counts are exclusive: `breached` counts cases with a running clock past its breach,
// `warning` cases with a running clock past its warning and none breached; `open` counts all.
//
// Reads run on the CaseStore's read-only connections, in one read transaction, and never wait
// for the writer. Errors are the storage errors of case_store.h.
//
// Thread-safety: safe from any thread; the CaseStore must outlive the call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "engine/role.h"
#include "storage/case_store.h"

namespace redress::storage {

struct WorkloadCounts {
  std::int64_t open = 0;
  std::int64_t warning = 0;   // warned, not breached
  std::int64_t breached = 0;  // breached

  bool operator==(const WorkloadCounts&) const = default;
};

// One person's share of the team's open cases.
struct AssigneeWorkload {
  std::string user_id;
  std::string display_name;  // the user id itself when no user has that id
  std::optional<Role> role;  // nullopt when no user has that id
  bool member = false;       // an active member of the team; else someone holding team cases
  WorkloadCounts counts;
};

struct TeamWorkload {
  std::string team_id;
  WorkloadCounts total;       // every open case of the team
  WorkloadCounts unassigned;  // those nobody holds
  // Every active member of the team (zero counts included), then everyone else holding open
  // cases of the team (members who left it, inactive users); each group by user id.
  std::vector<AssigneeWorkload> people;
};

// The workload of team `team_id`; nullopt when there is no such team.
Result<std::optional<TeamWorkload>> read_team_workload(const CaseStore& store,
                                                       const std::string& team_id);

// The aggregate's SQL (?1: the team), for the query-plan test.
extern const char* const kTeamWorkloadSql;

}  // namespace redress::storage
