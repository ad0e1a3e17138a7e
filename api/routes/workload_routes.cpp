// GET /v1/teams/{id}/workload: a team's open cases per person, with how many have an SLA clock
// past its warning or its breach — the team lead's workload board. Aggregated by storage over
// an index (storage/team_workload.h), so a team of 10,000 open cases costs one index scan.
#include "api/http/json_body.h"
#include "api/routes/routes.h"
#include "engine/role.h"
#include "storage/team_workload.h"

namespace redress::api {
namespace {

// Team leads and above see any team's board; an agent sees their own team's.
const std::vector<Role> kWorkloadReaders = {Role::kAgent, Role::kTeamLead, Role::kSupervisor,
                                            Role::kManager, Role::kAdmin};

nlohmann::json counts_json(const storage::WorkloadCounts& counts) {
  return {{"open", counts.open}, {"warning", counts.warning}, {"breached", counts.breached}};
}

void team_workload(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({});
  if (!query.ok()) return respond.problem(*ctx, query.problem());
  const auto team_id = ctx->param("id");
  const auto& actor = ctx->actor();
  if (!storage::ReadScope::of(actor).everything && actor.team != team_id) {
    return respond.problem(
        *ctx, ApiProblem::forbidden(std::string("the role ") + role_name(actor.role) +
                                    " may read the workload of its own team only (" +
                                    (actor.team.empty() ? std::string("you are in no team")
                                                        : "yours is '" + actor.team + "'") +
                                    "); supervisor, manager and admin may read any team's"));
  }
  auto read = storage::read_team_workload(context.store, team_id);
  if (!read.ok()) return respond.problem(*ctx, from_error(read.error()));
  if (!read.value()) {
    return respond.problem(*ctx, ApiProblem::not_found("team '" + team_id + "' does not exist"));
  }
  const auto& workload = *read.value();
  auto agents = nlohmann::json::array();
  for (const auto& person : workload.people) {
    auto entry = counts_json(person.counts);
    entry["user_id"] = person.user_id;
    entry["display_name"] = person.display_name;
    entry["role"] = person.role ? nlohmann::json(role_name(*person.role)) : nlohmann::json();
    entry["member"] = person.member;
    agents.push_back(std::move(entry));
  }
  auto body = counts_json(workload.total);
  body["team_id"] = workload.team_id;
  body["as_of"] = format_rfc3339(ctx->now);
  body["unassigned"] = counts_json(workload.unassigned);
  body["agents"] = std::move(agents);
  respond.json(*ctx, http::status::ok, body);
}

}  // namespace

void add_workload_routes(Router& router, ServerContext& context) {
  router.add({http::verb::get, "/v1/teams/{id}/workload", "getTeamWorkload",
              "read a team's open cases, warnings and breaches per person", kWorkloadReaders, true,
              bind_handler(context, team_workload)});
}

}  // namespace redress::api
