// Tests for the one role table of case commands (engine/command_roles.h) as the engine applies
// it: every role outside a command's row is refused before anything else is looked at, the
// decisions taken where the router and the engine used to disagree, and the table as the outer
// gate that a workflow definition can narrow but not widen.
#include "engine/command_roles.h"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "engine/engine.h"
#include "engine/error_code.h"
#include "tests/engine/test_support.h"

namespace redress::testing {
namespace {

using nlohmann::json;
using std::chrono::hours;

const Actor kAgent{"agent.li", Role::kAgent, "after_sales"};
const Actor kAgent2{"agent.zhao", Role::kAgent, "after_sales"};
const Actor kLead{"lead.wang", Role::kTeamLead, "after_sales"};
const Actor kSupervisor{"sup.chen", Role::kSupervisor, "after_sales"};
const Actor kAdmin{"admin.sun", Role::kAdmin, ""};
const Actor kIntegration{"shop-integration", Role::kIntegration, ""};

constexpr Role kAllRoles[] = {Role::kAgent, Role::kTeamLead,    Role::kSupervisor, Role::kManager,
                              Role::kAdmin, Role::kIntegration, Role::kSystem};

// Monday 2026-11-23, 09:05 in Shanghai: inside working hours. The clock never moves here.
Instant monday() {
  return *parse_rfc3339("2026-11-23T09:05:00+08:00");
}

std::vector<DefinitionSource> shipped_sources() {
  std::vector<DefinitionSource> out;
  const std::string dir = std::string(REDRESS_SOURCE_DIR) + "/workflows";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    out.push_back({entry.path().filename().string(), text.str()});
  }
  return out;
}

std::shared_ptr<const WorkflowCatalog> load(const std::vector<DefinitionSource>& sources) {
  auto loaded = WorkflowCatalog::load(sources);
  BOOST_REQUIRE_MESSAGE(loaded.catalog, "definitions do not load:" << describe(loaded.problems));
  return loaded.catalog;
}

// The shipped definitions, with the latest complaint (complaint.v3.json) changed by `edit`.
std::shared_ptr<const WorkflowCatalog> shipped_with_complaint(
    const std::function<void(json&)>& edit) {
  auto sources = shipped_sources();
  const auto complaint =
      std::find_if(sources.begin(), sources.end(),
                   [](const DefinitionSource& s) { return s.name == "complaint.v3.json"; });
  BOOST_REQUIRE(complaint != sources.end());
  auto definition = json::parse(complaint->text);
  edit(definition);
  complaint->text = definition.dump();
  return load(sources);
}

std::string outcome(const Decision& d) {
  return d.accepted() ? "ACCEPTED" : error_code_name(d.rejection().code);
}

// One complaint case, decided in memory with a fixed clock.
class RoleCase {
 public:
  explicit RoleCase(std::shared_ptr<const WorkflowCatalog> catalog = load(shipped_sources()))
      : engine_(std::move(catalog)) {
    const auto created = attempt(kAgent, open_complaint());
    BOOST_REQUIRE_MESSAGE(created.accepted(),
                          "refused: " << (created.accepted() ? "" : created.rejection().message));
    snapshot_ = created.result().snapshot;
  }

  static CreateCase open_complaint() {
    CreateCase c;
    c.case_id = "C-1";
    c.workflow_id = "complaint";
    c.order = {"TB-1", Money{29900, "CNY"}, Money{0, "CNY"}};
    c.team = "after_sales";
    c.fields = {{"summary", "the cuff seam is split"}, {"category", "quality"}};
    return c;
  }

  // CreateCase is decided with no case, every other command on the case as it stands.
  Decision attempt(const Actor& actor, CommandBody body) const {
    const bool creates = std::holds_alternative<CreateCase>(body);
    return engine_.decide(creates ? nullptr : &snapshot_, Command{std::move(body), std::nullopt},
                          actor, now_);
  }

  // Decides and keeps the new case; fails the test when refused.
  void run(const Actor& actor, CommandBody body) {
    const auto d = attempt(actor, std::move(body));
    BOOST_REQUIRE_MESSAGE(d.accepted(), "refused: " << outcome(d) << " "
                                                    << (d.accepted() ? "" : d.rejection().message));
    snapshot_ = d.result().snapshot;
  }

  const CaseSnapshot& snap() const { return snapshot_; }
  const Engine& engine() const { return engine_; }
  Instant now() const { return now_; }

 private:
  Engine engine_;
  Instant now_ = monday();
  CaseSnapshot snapshot_;
};

// A default-constructed body of the CommandBody alternative at `index`.
template <std::size_t... I>
CommandBody body_at(std::size_t index, std::index_sequence<I...>) {
  CommandBody body;
  ((index == I ? (body.emplace<I>(), 0) : 0), ...);
  return body;
}

CommandBody default_body(CommandKind command) {
  return body_at(static_cast<std::size_t>(command),
                 std::make_index_sequence<std::variant_size_v<CommandBody>>());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(command_roles)

BOOST_AUTO_TEST_CASE(every_case_command_has_its_row_and_is_named_by_its_body) {
  for (const auto command : kCommandKinds) {
    BOOST_TEST((command_kind_of(default_body(command)) == command));
    BOOST_TEST(!redress::command_roles(command).empty());
    BOOST_TEST(std::string(command_action(command)).size() > 0u);
  }
}

// The table is checked before the case, the state or the input: an empty body from a role
// outside the row gets the table's own rejection, whatever else is wrong with it.
BOOST_AUTO_TEST_CASE(every_role_outside_a_row_is_refused_first_with_the_tables_rejection) {
  const RoleCase c;
  for (const auto command : kCommandKinds) {
    for (const auto role : kAllRoles) {
      const Actor actor{std::string("someone.") + role_name(role), role, "after_sales"};
      const auto d = c.attempt(actor, default_body(command));
      const auto expected = check_command_role(command, role);
      BOOST_TEST_CONTEXT(command_action(command) << " by " << role_name(role)) {
        if (expected) {
          BOOST_TEST(outcome(d) == "ROLE_NOT_PERMITTED");
          BOOST_TEST(!d.accepted());
          if (!d.accepted()) BOOST_TEST(d.rejection().message == expected->message);
        } else {
          BOOST_TEST(command_allowed(command, role));
          BOOST_TEST((d.accepted() ||
                      d.rejection().message.find(std::string("may not ") +
                                                 command_action(command)) == std::string::npos));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_refusal_names_the_role_and_every_allowed_role) {
  const auto refused = check_command_role(CommandKind::kAddComment, Role::kIntegration);
  BOOST_REQUIRE(refused);
  BOOST_TEST((refused->code == ErrorCode::kRoleNotPermitted));
  BOOST_TEST(refused->message ==
             "role 'integration' may not add internal comments; allowed roles: agent, team_lead, "
             "supervisor, manager, admin");
  BOOST_TEST(refused->problems.empty());
  BOOST_TEST(!check_command_role(CommandKind::kAddComment, Role::kAdmin));
}

// The engine let admins comment (the router refused them): the table admits them.
BOOST_AUTO_TEST_CASE(an_admin_may_comment) {
  RoleCase c;
  c.run(kAdmin, AddComment{"workflow version corrected by hand; see ticket OPS-12"});
  BOOST_TEST(c.snap().version == 2);
}

// The router admitted integrations to these (the engine refused them): refused.
BOOST_AUTO_TEST_CASE(an_integration_may_not_comment_reply_promise_escalate_or_edit_fields) {
  const RoleCase c;
  BOOST_TEST(outcome(c.attempt(kIntegration, AddComment{"parcel scanned"})) ==
             "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(c.attempt(kIntegration, RecordReply{"we are on it"})) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(c.attempt(kIntegration, RecordPromise{c.now() + hours(2), "a reply"})) ==
             "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(c.attempt(kIntegration, EscalateCase{"angry", ""})) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(c.attempt(kIntegration, UpdateFields{{{"desired_outcome", "refund"}}})) ==
             "ROLE_NOT_PERMITTED");
  // What it may do: relay the customer's words, open cases, report executions.
  BOOST_TEST(outcome(c.attempt(kIntegration, AddCustomerMessage{"where is my refund"})) ==
             "ACCEPTED");
}

// The router let only integrations mark compensation executed (the engine also people): an
// agent who sent the coupon says so.
BOOST_AUTO_TEST_CASE(an_agent_may_mark_a_compensation_executed) {
  RoleCase c;
  c.run(kAgent, ProposeCompensation{"coupon", Money{3000, "CNY"}, "sorry"});
  BOOST_REQUIRE(!c.snap().compensations.empty());
  const auto id = c.snap().compensations.back().id;
  BOOST_TEST(c.snap().compensations.back().status == "approved");
  c.run(kAgent, MarkCompensationExecuted{id, "CPN-1"});
  BOOST_TEST(c.snap().compensations.back().status == "executed");
}

// De-escalation is the table's supervisors and managers; the case's level narrows further.
BOOST_AUTO_TEST_CASE(de_escalation_is_for_supervisors_and_managers_at_the_cases_level) {
  RoleCase c;
  c.run(kAgent, EscalateCase{"customer very upset", "manager"});
  const auto by_lead = c.attempt(kLead, DeescalateCase{"calm now", ""});
  BOOST_TEST(outcome(by_lead) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(by_lead.rejection().message ==
             check_command_role(CommandKind::kDeescalate, Role::kTeamLead)->message);
  // Admitted by the table, refused by the command: the case is above a supervisor's level.
  const auto by_supervisor = c.attempt(kSupervisor, DeescalateCase{"calm now", ""});
  BOOST_TEST(outcome(by_supervisor) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(by_supervisor.rejection().message.find("at or above the case's level") !=
             std::string::npos);
}

// The engine let an agent decide an approval a workflow reserved to agents (the router refused
// every agent): approvals are a superior's consent, so the table refuses agents, and a lead
// decides it.
BOOST_AUTO_TEST_CASE(an_agent_may_not_decide_even_an_approval_reserved_to_agents) {
  RoleCase c(shipped_with_complaint([](json& wf) {
    wf["transitions"].push_back({{"name", "ask_a_colleague"},
                                 {"title", "Ask a colleague to look before confirming"},
                                 {"from", "confirming"},
                                 {"to", "confirming"},
                                 {"roles", {"agent"}},
                                 {"actions",
                                  {{{"request_approval",
                                     {{"role", "agent"},
                                      {"on_approved", "colleague_agreed"},
                                      {"reason", "four eyes"}}}}}}});
    wf["transitions"].push_back({{"name", "colleague_agreed"},
                                 {"title", "A colleague agreed"},
                                 {"from", "confirming"},
                                 {"to", "confirming"},
                                 {"roles", {"agent"}}});
  }));
  c.run(kAgent, FireTransition{"ask_a_colleague", json::object()});
  BOOST_REQUIRE(!c.snap().approvals.empty());
  const auto approval = c.snap().approvals.back();
  BOOST_TEST(approval.required_role == "agent");
  BOOST_TEST(outcome(c.attempt(kAgent2, DecideApproval{approval.id, true, ""})) ==
             "ROLE_NOT_PERMITTED");
  c.run(kLead, DecideApproval{approval.id, true, ""});
  BOOST_TEST(c.snap().approvals.back().status == "approved");
}

// A workflow naming a role the table refuses cannot widen the gate: an admin listed in a
// definition's creation and transition roles still may not open cases or fire transitions.
BOOST_AUTO_TEST_CASE(a_workflow_cannot_widen_the_table) {
  const auto catalog = shipped_with_complaint([](json& wf) {
    wf["create"]["roles"].push_back("admin");
    for (auto& t : wf["transitions"]) {
      if (t["name"] == "withdraw") t["roles"].push_back("admin");
    }
  });
  const RoleCase c(catalog);
  BOOST_TEST(outcome(c.attempt(kAdmin, RoleCase::open_complaint())) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(c.engine().check_creation(RoleCase::open_complaint(), kAdmin).has_value());
  BOOST_TEST(outcome(c.attempt(kAdmin, FireTransition{"withdraw", {{"cancel_reason", "dup"}}})) ==
             "ROLE_NOT_PERMITTED");
  BOOST_TEST(c.engine().available_transitions(c.snap(), kAdmin).empty());
  // The same transition by a role in both the table and the workflow.
  BOOST_TEST(
      outcome(c.attempt(kIntegration, FireTransition{"withdraw", {{"cancel_reason", "dup"}}})) ==
      "ACCEPTED");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
