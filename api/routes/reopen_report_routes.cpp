// GET /v1/reports/reopens: how many closed cases came back (reopened within their window) in a
// period, per team and per person holding them. Agents and team leads count their own team's
// cases and those they hold (storage/read_scope.h); supervisors, managers and admins every case.
#include "api/http/json_body.h"
#include "api/routes/routes.h"
#include "engine/role.h"
#include "storage/reopen_report.h"

namespace redress::api {
namespace {

const std::vector<Role> kReopenReportReaders = {Role::kAgent, Role::kTeamLead, Role::kSupervisor,
                                                Role::kManager, Role::kAdmin};

// A report reads the journal of its period: a year at most, so one request stays bounded.
constexpr auto kMaxReportPeriod = std::chrono::hours(24 * 366);
constexpr auto kDefaultReportPeriod = std::chrono::hours(24 * 30);

nlohmann::json reopen_counts_json(const storage::ReopenCounts& counts) {
  return {{"reopens", counts.reopens}, {"cases", counts.cases}};
}

nlohmann::json id_or_null(const std::string& id) {
  return id.empty() ? nlohmann::json() : nlohmann::json(id);
}

void reopen_report(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"from", "to"});
  const auto to = q.instant("to").value_or(ctx->now);
  const auto from = q.instant("from").value_or(to - kDefaultReportPeriod);
  if (q.ok() && to <= from) {
    q.add("to", "must be after 'from' (the period is [from, to))", problem_params("period_empty"));
  } else if (q.ok() && to - from > kMaxReportPeriod) {
    q.add("from", "the period may be at most 366 days long",
          problem_params("out_of_range", {{"max_days", 366}}));
  }
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  auto read =
      storage::read_reopen_report(context.store, from, to, storage::ReadScope::of(ctx->actor()));
  if (!read.ok()) return respond.problem(*ctx, from_error(read.error()));
  const auto& report = read.value();
  auto teams = nlohmann::json::array();
  for (const auto& team : report.teams) {
    auto agents = nlohmann::json::array();
    for (const auto& agent : team.agents) {
      auto row = reopen_counts_json(agent.counts);
      row["user_id"] = id_or_null(agent.user_id);
      agents.push_back(std::move(row));
    }
    auto row = reopen_counts_json(team.counts);
    row["team_id"] = id_or_null(team.team_id);
    row["agents"] = std::move(agents);
    teams.push_back(std::move(row));
  }
  auto body = reopen_counts_json(report.total);
  body["from"] = format_rfc3339(from);
  body["to"] = format_rfc3339(to);
  body["teams"] = std::move(teams);
  respond.json(*ctx, http::status::ok, body);
}

}  // namespace

void add_reopen_report_routes(Router& router, ServerContext& context) {
  router.add({http::verb::get, "/v1/reports/reopens", "getReopenReport",
              "count the cases reopened in a period, per team and per person", kReopenReportReaders,
              true, bind_handler(context, reopen_report)});
}

}  // namespace redress::api
