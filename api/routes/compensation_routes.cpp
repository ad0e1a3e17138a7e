// Compensation: the policy's suggested remedies, proposals and reading them back, the approval
// queue, approval decisions and execution reported by other systems.
//
// A case's compensations live in its snapshot (CaseSnapshot::compensations); reading one reads
// the case. A proposal answers 201 with Location: /v1/cases/{id}/compensations/{compensation_id}.
#include "api/http/json_body.h"
#include "api/routes/case_api.h"
#include "api/routes/page_token.h"
#include "api/routes/routes.h"
#include "engine/case_json.h"
#include "engine/json_reader.h"
#include "engine/role.h"

namespace redress::api {
namespace {

const std::vector<Role> kReaders = {Role::kAgent,   Role::kTeamLead, Role::kSupervisor,
                                    Role::kManager, Role::kAdmin,    Role::kIntegration};

nlohmann::json optional_amount(const std::optional<std::int64_t>& amount) {
  return amount ? nlohmann::json(*amount) : nlohmann::json(nullptr);
}

nlohmann::json authority_use_json(const AuthorityUse& use) {
  return {{"limit", optional_amount(use.limit)},
          {"granted", use.granted},
          {"remaining", optional_amount(use.remaining)}};
}

// The caller's authority on the case, in minor units of the policy's currency; a null limit
// (and remaining) is unlimited. Null for a role without compensation authority.
nlohmann::json authority_json(const std::optional<RemainingAuthority>& authority) {
  if (!authority) return nullptr;
  return {{"role", role_name(authority->role)},
          {"currency", authority->currency},
          {"per_case", authority_use_json(authority->per_case)},
          {"per_customer_30d", authority_use_json(authority->per_customer_30d)}};
}

// The policy's suggestions, each judged for the caller exactly as a proposal of its estimated
// cost would be at this moment (Engine::advise_remedies over the same customer history the
// writer gathers for a proposal).
void suggest_remedies(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({});
  if (!query.ok()) return respond.problem(*ctx, query.problem());
  const auto id = ctx->param("id");
  auto loaded = context.store.load_case_with_customer_history(id, ctx->now);
  if (!loaded.ok()) return respond.problem(*ctx, from_error(loaded.error()));
  if (!loaded.value() ||
      !case_visible(*ctx, loaded.value()->snapshot.team, loaded.value()->snapshot.assignee)) {
    return respond.problem(*ctx, case_not_found(id));
  }
  const auto& [snapshot, history] = *loaded.value();
  const auto advice =
      context.store.engine().advise_remedies(snapshot, ctx->actor(), ctx->now, history);
  auto remedies = nlohmann::json::array();
  for (const auto& assessed : advice.remedies) {
    const auto& r = assessed.remedy;
    remedies.push_back({{"type", compensation_type_name(r.type)},
                        {"estimated_cost", money_to_json(r.estimated_cost)},
                        {"note", r.note.english()},
                        {"note_labels", r.note.to_json()},
                        {"rule_id", r.rule_id},
                        {"within_authority", assessed.within_authority},
                        {"approver_role", assessed.approver_role
                                              ? nlohmann::json(role_name(*assessed.approver_role))
                                              : nlohmann::json(nullptr)}});
  }
  respond.json(*ctx, http::status::ok,
               {{"case_id", snapshot.id},
                {"authority", authority_json(advice.authority)},
                {"remedies", std::move(remedies)}});
}

// The Location of the compensation an accepted proposal recorded: the id is in its
// "compensation.proposed" journal entry (the proposal writes exactly one).
std::string proposed_compensation_location(const storage::CommandOutcome& outcome) {
  for (const auto& e : outcome.events) {
    if (e.event.type != "compensation.proposed" || !e.event.data.is_object()) continue;
    const auto id = e.event.data.find("id");
    if (id != e.event.data.end() && id->is_string()) {
      return "/v1/cases/" + outcome.snapshot.id + "/compensations/" + id->get<std::string>();
    }
  }
  return "";
}

void propose(ServerContext& context, RequestPtr ctx, Responder respond) {
  std::optional<std::int64_t> expected;
  if (!take_if_match(*ctx, respond, false, expected)) return;
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"type", "value", "note"});
  ProposeCompensation proposal;
  proposal.type = in.string("type", true, 64).value_or("");
  proposal.value = in.money("value", true).value_or(Money{});
  proposal.note = in.string("note", false, 8000).value_or("");
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  run_case_command(context, ctx, respond,
                   {ctx->param("id"), std::move(proposal), expected, http::status::created,
                    proposed_compensation_location});
}

void list_compensations(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({});
  if (!query.ok()) return respond.problem(*ctx, query.problem());
  auto snapshot = load_case_or_404(context, *ctx, respond);
  if (!snapshot) return;
  respond.json(*ctx, http::status::ok,
               {{"case_id", snapshot->id}, {"compensations", snapshot->compensations}});
}

void get_compensation(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader query(*ctx);
  query.allow_only({});
  if (!query.ok()) return respond.problem(*ctx, query.problem());
  auto snapshot = load_case_or_404(context, *ctx, respond);
  if (!snapshot) return;
  const auto id = ctx->param("compensation_id");
  const auto* record = snapshot->compensation(id);
  if (!record) {
    std::vector<std::string> known;
    for (const auto& c : snapshot->compensations) known.push_back(c.id);
    const auto ids = join(known);
    return respond.problem(
        *ctx, ApiProblem::not_found("case " + snapshot->id + " has no compensation '" + id +
                                    "'; its compensations: " + (ids.empty() ? "(none)" : ids)));
  }
  // The record exactly as the case's "compensations" array holds it.
  respond.json(*ctx, http::status::ok, nlohmann::json(*record));
}

void decide(ServerContext& context, RequestPtr ctx, Responder respond) {
  // A supervisor deciding on what they saw: If-Match refuses the decision if the case moved.
  std::optional<std::int64_t> expected;
  if (!take_if_match(*ctx, respond, false, expected)) return;
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"decision", "reason"});
  DecideApproval decision;
  decision.approval_id = ctx->param("approval_id");
  const auto verdict = in.string("decision", true, 16).value_or("");
  if (!verdict.empty() && verdict != "approve" && verdict != "reject") {
    in.add("/decision", "must be \"approve\" or \"reject\"",
           problem_params("not_one_of", {{"allowed", {"approve", "reject"}}}));
  }
  decision.approve = verdict == "approve";
  decision.reason = in.string("reason", false, 8000).value_or("");
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  run_case_command(context, ctx, respond,
                   {ctx->param("id"), std::move(decision), expected, http::status::ok, nullptr});
}

void executed(ServerContext& context, RequestPtr ctx, Responder respond) {
  std::optional<std::int64_t> expected;
  if (!take_if_match(*ctx, respond, false, expected)) return;
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"reference"});
  MarkCompensationExecuted done;
  done.compensation_id = ctx->param("compensation_id");
  done.reference = in.string("reference", true, 256).value_or("");
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  run_case_command(context, ctx, respond,
                   {ctx->param("id"), std::move(done), expected, http::status::ok, nullptr});
}

// The proposer takes back a proposal still waiting for approval (its approval leaves the queue).
void withdrawn(ServerContext& context, RequestPtr ctx, Responder respond) {
  std::optional<std::int64_t> expected;
  if (!take_if_match(*ctx, respond, false, expected)) return;
  auto body = body_object(*ctx, respond);
  if (!body) return;
  BodyReader in(*body, "", {"reason"});
  WithdrawCompensation withdrawal;
  withdrawal.compensation_id = ctx->param("compensation_id");
  withdrawal.reason = in.string("reason", false, 8000).value_or("");
  if (!in.ok()) return respond.problem(*ctx, in.problem());
  run_case_command(context, ctx, respond,
                   {ctx->param("id"), std::move(withdrawal), expected, http::status::ok, nullptr});
}

// The queue pages by (requested at, case id, approval id): oldest request first.
const PageListing kApprovalListing{
    "approvals", {PageKeyType::kInteger, PageKeyType::kString, PageKeyType::kString}, 100};

void approval_queue(ServerContext& context, RequestPtr ctx, Responder respond) {
  QueryReader q(*ctx);
  q.allow_only({"role", "page_size", "page_token"});
  const auto requested = q.one_of("role", ladder_role_names());
  const auto page = read_page(q, kApprovalListing);
  std::optional<storage::ApprovalCursor> after;
  if (page.after) {
    after = storage::ApprovalCursor{storage::from_millis(std::get<std::int64_t>((*page.after)[0])),
                                    std::get<std::string>((*page.after)[1]),
                                    std::get<std::string>((*page.after)[2])};
  }
  if (!q.ok()) return respond.problem(*ctx, q.problem());
  // Each role has its own queue; someone higher on the ladder may look at a lower queue.
  Role role = ctx->actor().role;
  if (requested) {
    auto parsed = parse_role(*requested);
    const auto mine = ladder_rank(ctx->actor().role);
    const auto theirs = parsed ? ladder_rank(*parsed) : std::nullopt;
    if (!theirs || !mine || *theirs > *mine) {
      return respond.problem(
          *ctx, ApiProblem::forbidden(
                    "you may look at the approval queue of your own role or a role below "
                    "it on the ladder (agent, team_lead, supervisor, manager)",
                    {{"/query/role", "not a queue you may read", ErrorCode::kForbidden,
                      problem_params("queue_not_readable")}}));
    }
    role = *parsed;
  }
  auto pending = context.store.pending_approvals(role_name(role), page.rows_to_read(), after,
                                                 storage::ReadScope::of(ctx->actor()));
  if (!pending.ok()) return respond.problem(*ctx, from_error(pending.error()));
  auto& rows = pending.value();
  const auto next =
      finish_page(rows, page, kApprovalListing, [](const storage::PendingApproval& row) {
        return PagePosition{storage::to_millis(row.requested_at), row.case_id, row.approval_id};
      });
  const auto text_or_null = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  auto out = nlohmann::json::array();
  for (const auto& a : rows) {
    // A row says what is being decided, so the approver need not open the case to judge it.
    nlohmann::json compensation = nullptr;
    if (a.compensation_value) {
      compensation = {{"id", a.subject},
                      {"type", a.compensation_type},
                      {"value", money_to_json(*a.compensation_value)}};
    }
    out.push_back({{"case_id", a.case_id},
                   {"approval_id", a.approval_id},
                   {"kind", a.kind},
                   {"subject", a.subject},
                   {"required_role", a.required_role},
                   {"requested_by", a.requested_by},
                   {"requested_by_name", text_or_null(a.requested_by_name)},
                   {"team", text_or_null(a.team)},
                   {"requested_at", format_rfc3339(a.requested_at)},
                   {"self_proposed", a.requested_by == ctx->actor().id},
                   {"summary", text_or_null(a.case_summary)},
                   {"severity", a.severity},
                   {"workflow_id", a.workflow_id},
                   {"workflow_version", a.workflow_version},
                   {"customer",
                    {{"id", text_or_null(a.customer_id)},
                     {"segment", text_or_null(a.customer_segment)},
                     {"tier", text_or_null(a.customer_tier)}}},
                   {"compensation", std::move(compensation)}});
  }
  respond.json(
      *ctx, http::status::ok,
      {{"role", role_name(role)}, {"approvals", out}, {"next_page_token", page_token_json(next)}});
}

}  // namespace

void add_compensation_routes(Router& router, ServerContext& context) {
  auto bind = [&context](ContextHandler handler) { return bind_handler(context, handler); };
  router.add({http::verb::get, "/v1/cases/{id}/remedies", "suggestRemedies",
              "read the compensation policy's suggested remedies", kReaders, true,
              bind(suggest_remedies)});
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/compensations",
                                "proposeCompensation", "propose compensation",
                                CommandKind::kProposeCompensation, bind(propose)));
  router.add({http::verb::get, "/v1/cases/{id}/compensations", "listCompensations",
              "read a case's compensations", kReaders, true, bind(list_compensations)});
  router.add({http::verb::get, "/v1/cases/{id}/compensations/{compensation_id}", "getCompensation",
              "read one compensation of a case", kReaders, true, bind(get_compensation)});
  router.add(case_command_route(http::verb::post, "/v1/cases/{id}/approvals/{approval_id}",
                                "decideApproval", "approve or reject", CommandKind::kDecideApproval,
                                bind(decide)));
  router.add(case_command_route(http::verb::post,
                                "/v1/cases/{id}/compensations/{compensation_id}/execution",
                                "markCompensationExecuted", "report a compensation as executed",
                                CommandKind::kMarkCompensationExecuted, bind(executed)));
  router.add(case_command_route(http::verb::post,
                                "/v1/cases/{id}/compensations/{compensation_id}/withdrawal",
                                "withdrawCompensation", "withdraw a compensation proposal",
                                CommandKind::kWithdrawCompensation, bind(withdrawn)));
  // The approval queue is read by those who decide approvals: the role table's row for that.
  router.add({http::verb::get, "/v1/approvals", "listApprovals", "read the approval queue",
              command_roles(CommandKind::kDecideApproval), true, bind(approval_queue)});
}

}  // namespace redress::api
