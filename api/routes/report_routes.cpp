// GET /v1/reports/follow-up: follow-up coverage (回访覆盖率) per team and per agent — of the cases
// that reached follow-up in a period, the share whose follow-up reached the customer, how many
// closed as not reached, and the mean satisfaction (CSAT), against the follow-up policy's target.
// Aggregated by storage over an index (storage/follow_up_coverage.h), never by loading snapshots.
//
// Scope: supervisors and managers read every team; a team lead reads their own team; an agent
// reads their own row. A case counts under its team and assignee now.
#include <algorithm>
#include <chrono>
#include <map>

#include "api/http/json_body.h"
#include "api/routes/routes.h"
#include "engine/role.h"
#include "storage/follow_up_coverage.h"

namespace redress::api {
namespace {

const std::vector<Role> kCoverageReaders = {Role::kAgent, Role::kTeamLead, Role::kSupervisor,
                                            Role::kManager};

// A period of at most a year and a day: one query over the index, bounded.
constexpr auto kMaxPeriod = std::chrono::hours(24 * 367);

// The coverage target of the follow-up policy the latest complaint workflow names (else the
// first loaded one), as a percent; 80 when none is loaded.
int coverage_target_percent(const WorkflowCatalog& catalog) {
  if (const auto wf = catalog.latest("complaint"); wf && !wf->policies.follow_up.empty()) {
    if (const auto* policy = catalog.follow_up_policy(wf->policies.follow_up)) {
      return policy->coverage_target_percent;
    }
  }
  const auto ids = catalog.policy_ids(PolicyKind::kFollowUp);
  if (!ids.empty()) return catalog.follow_up_policy(ids.front())->coverage_target_percent;
  return 80;
}

struct Totals {
  std::int64_t reached_follow_up = 0, completed = 0, not_reached = 0, csat_count = 0, csat_sum = 0;
  void add(const storage::FollowUpCoverageRow& r) {
    reached_follow_up += r.reached_follow_up;
    completed += r.completed;
    not_reached += r.not_reached;
    csat_count += r.csat_count;
    csat_sum += r.csat_sum;
  }
};

nlohmann::json totals_json(const Totals& t, int target_percent) {
  nlohmann::json out{{"reached_follow_up", t.reached_follow_up},
                     {"completed", t.completed},
                     {"not_reached", t.not_reached},
                     {"csat_count", t.csat_count}};
  if (t.reached_follow_up > 0) {
    const double coverage =
        static_cast<double>(t.completed) / static_cast<double>(t.reached_follow_up);
    out["coverage"] = std::round(coverage * 10000.0) / 10000.0;
    // Compared in integers, so 4 of 5 meets an 80 % target exactly.
    out["below_target"] = t.completed * 100 < t.reached_follow_up * target_percent;
  } else {
    out["coverage"] = nullptr;
    out["below_target"] = false;
  }
  out["mean_csat"] = t.csat_count > 0
                         ? nlohmann::json(std::round(static_cast<double>(t.csat_sum) /
                                                     static_cast<double>(t.csat_count) * 100.0) /
                                          100.0)
                         : nlohmann::json();
  return out;
}

void follow_up_coverage(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"from", "to", "team"});
  const auto from = q.instant("from");
  const auto to = q.instant("to");
  auto team = q.string("team", 128).value_or("");
  if (q.ok() && (!from || !to)) {
    q.add(!from ? "from" : "to", "the period needs both 'from' and 'to' (RFC 3339)",
          problem_params("required", {{"field", !from ? "from" : "to"}, {"type", "date-time"}}));
  } else if (q.ok() && (*to <= *from || *to - *from > kMaxPeriod)) {
    q.add("to", "'to' must be after 'from' and at most 367 days later",
          problem_params("out_of_range", {{"maximum", "P367D"}}));
  }
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  const auto& actor = ctx->actor();
  storage::FollowUpCoverageQuery query;
  query.from = *from;
  query.to = *to;
  query.team = team;
  if (actor.role == Role::kTeamLead || actor.role == Role::kAgent) {
    if (!team.empty() && team != actor.team) {
      return respond.problem(
          *ctx, ApiProblem::forbidden(std::string("the role ") + role_name(actor.role) +
                                      " may read the follow-up coverage of its own team only (" +
                                      (actor.team.empty() ? std::string("you are in no team")
                                                          : "yours is '" + actor.team + "'") +
                                      "); supervisors and managers may read any team's"));
    }
    query.team = actor.team;
    // An agent reads their own row; with no team, only the cases they hold.
    if (actor.role == Role::kAgent) query.assignee = actor.id;
  }
  auto read = storage::read_follow_up_coverage(context.store, query);
  if (!read.ok()) return respond.problem(*ctx, from_error(read.error()));
  const int target = coverage_target_percent(context.store.engine().catalog());
  std::map<std::string, Totals> teams;
  auto agents = nlohmann::json::array();
  for (const auto& row : read.value().rows) {
    Totals t;
    t.add(row);
    teams[row.team].add(row);
    auto entry = totals_json(t, target);
    entry["team"] = row.team.empty() ? nlohmann::json() : nlohmann::json(row.team);
    entry["agent"] = row.assignee.empty() ? nlohmann::json() : nlohmann::json(row.assignee);
    agents.push_back(std::move(entry));
  }
  auto team_rows = nlohmann::json::array();
  for (const auto& [id, totals] : teams) {
    auto entry = totals_json(totals, target);
    entry["team"] = id.empty() ? nlohmann::json() : nlohmann::json(id);
    team_rows.push_back(std::move(entry));
  }
  respond.json(*ctx, http::status::ok,
               {{"from", format_rfc3339(*from)},
                {"to", format_rfc3339(*to)},
                {"target", target / 100.0},
                {"teams", std::move(team_rows)},
                {"agents", std::move(agents)},
                {"truncated", read.value().truncated}});
}

}  // namespace

void add_report_routes(Router& router, ServerContext& context) {
  router.add({http::verb::get, "/v1/reports/follow-up", "getFollowUpCoverage",
              "read follow-up coverage and satisfaction per team and agent", kCoverageReaders, true,
              bind_handler(context, follow_up_coverage)});
}

}  // namespace redress::api
