// The role table of case commands over HTTP: the router takes each case route's roles from the
// engine's table (engine/command_roles.h) and refuses a role outside it with the engine's own
// answer, 403 ROLE_NOT_PERMITTED with the same detail, before it reads the request; a role inside
// it reaches the engine. The cases where the router and the engine used to disagree (admins and
// integrations commenting, integrations replying, promising, escalating and editing fields,
// people marking compensation executed) get the table's answer.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/routes/routes.h"
#include "api/server/api_server.h"
#include "engine/command_roles.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

using boost::beast::http::verb;

nlohmann::json new_complaint() {
  return {{"workflow_id", "complaint"},
          {"customer", {{"id", "cust-88"}, {"segment", "regular"}}},
          {"order",
           {{"id", fresh_order_id("TB-1")}, {"paid", {{"amount", 29900}, {"currency", "CNY"}}}}},
          {"team", "after_sales"},
          {"fields", {{"summary", "the cuff seam is split"}, {"category", "quality"}}}};
}

// A server with one complaint case and a token for every role a token can have.
struct RolesFixture {
  TestServer server;
  std::map<Role, std::string> tokens;
  std::string case_id;

  RolesFixture() {
    tokens[Role::kAgent] = server.token_for("agent.li", "agent");
    tokens[Role::kTeamLead] = server.token_for("lead.wang", "team_lead");
    tokens[Role::kSupervisor] = server.token_for("sup.chen", "supervisor");
    tokens[Role::kManager] = server.token_for("mgr.liu", "manager");
    tokens[Role::kAdmin] = server.admin_token();
    tokens[Role::kIntegration] = server.token_for("orders-system", "integration", "");
    auto created = server.http().post("/v1/cases", new_complaint(), tokens[Role::kAgent]);
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    case_id = created.json().at("case").at("id").get<std::string>();
  }

  std::string path(const std::string& tail) const { return "/v1/cases/" + case_id + tail; }

  HttpResult send(verb method, const std::string& target, const nlohmann::json& body, Role role,
                  const std::map<std::string, std::string>& headers = {}) {
    return server.http().request(method, target, body.dump(), tokens.at(role), headers);
  }
};

// The answer the engine gives `role` for `command`.
std::string engine_refusal(CommandKind command, Role role) {
  const auto refused = check_command_role(command, role);
  BOOST_REQUIRE(refused);
  return refused->message;
}

void require_refused_as_the_engine_refuses(const HttpResult& result, CommandKind command,
                                           Role role) {
  BOOST_TEST(result.status == 403, result.body);
  const auto problem = result.json();
  BOOST_TEST(problem.value("code", "") == "ROLE_NOT_PERMITTED", result.body);
  BOOST_TEST(problem.value("detail", "") == engine_refusal(command, role), result.body);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(case_roles)

// No server: the router fills a case command route's roles from the table and refuses a route
// that brings roles of its own; its refusal is the engine's rejection.
BOOST_AUTO_TEST_CASE(a_case_command_route_takes_its_roles_from_the_table) {
  api::Router router;
  router.add(api::case_command_route(verb::post, "/v1/cases/{id}/comments", "addComment",
                                     "add an internal comment", CommandKind::kAddComment,
                                     [](api::RequestPtr, api::Responder) {}));
  const auto& route = router.routes().front();
  BOOST_TEST((route.roles == command_roles(CommandKind::kAddComment)));
  BOOST_TEST(api::role_allowed(route, Role::kAdmin));
  BOOST_TEST(!api::role_allowed(route, Role::kIntegration));
  const auto refusal = api::role_refusal(route, Role::kIntegration);
  BOOST_TEST((refusal.code == ErrorCode::kRoleNotPermitted));
  BOOST_TEST(refusal.detail == engine_refusal(CommandKind::kAddComment, Role::kIntegration));

  auto own_roles =
      api::case_command_route(verb::post, "/v1/cases/{id}/replies", "recordReply", "record a reply",
                              CommandKind::kRecordReply, [](api::RequestPtr, api::Responder) {});
  own_roles.roles = {Role::kIntegration};
  BOOST_CHECK_THROW(router.add(std::move(own_roles)), std::logic_error);
}

// Every case command route, every role the table refuses it to: the engine's 403, even with an
// empty body and on a case that does not exist (the role is checked before either).
BOOST_AUTO_TEST_CASE(every_refused_role_gets_the_engines_answer_at_the_door) {
  RolesFixture f;
  const auto router = api::build_router(f.server.server().context());
  int routes = 0;
  for (const auto& route : router.routes()) {
    if (!route.case_command) continue;
    ++routes;
    std::string target = route.pattern;
    for (const auto& [placeholder, value] : std::vector<std::pair<std::string, std::string>>{
             {"{id}", f.case_id}, {"{compensation_id}", "cmp-1"}, {"{approval_id}", "apr-1"}}) {
      if (const auto at = target.find(placeholder); at != std::string::npos) {
        target.replace(at, placeholder.size(), value);
      }
    }
    for (const auto& [role, token] : f.tokens) {
      if (command_allowed(*route.case_command, role)) continue;
      BOOST_TEST_CONTEXT(route.operation_id << " by " << role_name(role)) {
        require_refused_as_the_engine_refuses(
            f.send(route.method, target, nlohmann::json::object(), role), *route.case_command,
            role);
      }
    }
  }
  BOOST_TEST(routes == static_cast<int>(kCommandKinds.size()) - 1);  // all but FireTimer
}

// The engine let admins comment, the router refused them: the table admits them.
BOOST_AUTO_TEST_CASE(an_admin_may_comment) {
  RolesFixture f;
  auto added = f.send(verb::post, f.path("/comments"),
                      {{"text", "workflow corrected by hand, see OPS-12"}}, Role::kAdmin);
  BOOST_TEST(added.status == 200, added.body);
  const auto events = f.server.http().get(f.path("/events"), f.tokens[Role::kAdmin]).json();
  BOOST_TEST(events.dump().find("comment.added") != std::string::npos, events.dump());
}

// The router let integrations comment, the engine refused them: refused, with the engine's answer
// whatever the body (before, an empty body was a 400 from the route, a valid one the engine's 403).
BOOST_AUTO_TEST_CASE(an_integration_comment_gets_the_engines_answer) {
  RolesFixture f;
  require_refused_as_the_engine_refuses(
      f.send(verb::post, f.path("/comments"), {{"text", "parcel scanned"}}, Role::kIntegration),
      CommandKind::kAddComment, Role::kIntegration);
  require_refused_as_the_engine_refuses(
      f.send(verb::post, f.path("/comments"), nlohmann::json::object(), Role::kIntegration),
      CommandKind::kAddComment, Role::kIntegration);
}

// The OpenAPI document listed integrations for replies, promises, escalations and PATCH; the
// engine refused them. Now the door does, whatever the body, and PATCH needs no If-Match to hear
// it.
BOOST_AUTO_TEST_CASE(an_integration_may_not_reply_promise_escalate_or_edit_fields) {
  RolesFixture f;
  const nlohmann::json empty = nlohmann::json::object();
  require_refused_as_the_engine_refuses(
      f.send(verb::post, f.path("/replies"), {{"text", "on it"}}, Role::kIntegration),
      CommandKind::kRecordReply, Role::kIntegration);
  require_refused_as_the_engine_refuses(
      f.send(verb::post, f.path("/promises"), empty, Role::kIntegration),
      CommandKind::kRecordPromise, Role::kIntegration);
  require_refused_as_the_engine_refuses(
      f.send(verb::post, f.path("/escalations"), {{"reason", "angry"}}, Role::kIntegration),
      CommandKind::kEscalate, Role::kIntegration);
  require_refused_as_the_engine_refuses(
      f.send(verb::patch, f.path(""), {{"fields", {{"desired_outcome", "refund"}}}},
             Role::kIntegration),
      CommandKind::kUpdateFields, Role::kIntegration);
  // What an integration may do on a case: relay the customer's words.
  auto message =
      f.send(verb::post, f.path("/messages"), {{"text", "where is my refund"}}, Role::kIntegration);
  BOOST_TEST(message.status == 200, message.body);
}

// The router let only integrations mark compensation executed, the engine also people: an agent
// who sent the coupon says so.
BOOST_AUTO_TEST_CASE(an_agent_may_mark_a_compensation_executed) {
  RolesFixture f;
  auto proposed =
      f.send(verb::post, f.path("/compensations"),
             {{"type", "coupon"}, {"value", {{"amount", 500}, {"currency", "CNY"}}}}, Role::kAgent);
  BOOST_REQUIRE_MESSAGE(proposed.status == 201, proposed.body);
  const auto record = proposed.json().at("case").at("compensations").back();
  BOOST_REQUIRE(record.at("status") == "approved");
  auto executed = f.send(
      verb::post, f.path("/compensations/" + record.at("id").get<std::string>() + "/execution"),
      {{"reference", "CPN-778"}}, Role::kAgent);
  BOOST_TEST(executed.status == 200, executed.body);
  BOOST_TEST(executed.json().at("case").at("compensations").back().at("status") == "executed");
}

// De-escalation is the table's supervisors and managers; an agent or a team lead hears so before
// the body is read (before, a missing reason was a 400 and a valid body the engine's 403).
BOOST_AUTO_TEST_CASE(de_escalation_by_an_agent_or_a_lead_is_refused_at_the_door) {
  RolesFixture f;
  for (const auto role : {Role::kAgent, Role::kTeamLead}) {
    require_refused_as_the_engine_refuses(
        f.send(verb::post, f.path("/deescalations"), nlohmann::json::object(), role),
        CommandKind::kDeescalate, role);
  }
}

// Every 403 for a role names the roles that may (`allowed_roles`), so the console can say whom
// to ask: the role table's at the door, a route's own roles, and a workflow transition's.
BOOST_AUTO_TEST_CASE(a_refusal_by_role_names_the_roles_that_may) {
  RolesFixture f;
  const auto roles_of = [](const HttpResult& answer) {
    const auto body = answer.json();  // iterated below: keep it alive
    std::string roles;
    for (const auto& role : body.at("allowed_roles")) {
      roles += (roles.empty() ? "" : ",") + role.get<std::string>();
    }
    return roles;
  };
  const auto table =
      f.send(verb::post, f.path("/deescalations"), {{"reason", "calm now"}}, Role::kAgent);
  BOOST_TEST(table.status == 403, table.body);
  BOOST_TEST(roles_of(table) == "supervisor,manager", table.body);

  const auto route = f.server.http().get("/v1/approvals", f.tokens.at(Role::kAgent));
  BOOST_TEST(route.status == 403, route.body);
  BOOST_TEST(route.json().at("code") == "FORBIDDEN");
  BOOST_TEST(roles_of(route) == "team_lead,supervisor,manager", route.body);

  // Cancelling is for team leads and above in the complaint workflow; the engine refuses an
  // agent after the table let it through.
  const auto transition = f.send(
      verb::post, f.path("/transitions"),
      {{"transition", "cancel"}, {"data", {{"cancel_reason", "opened twice"}}}}, Role::kAgent);
  BOOST_TEST(transition.status == 403, transition.body);
  BOOST_TEST(transition.json().at("code") == "ROLE_NOT_PERMITTED");
  BOOST_TEST(roles_of(transition) == "team_lead,supervisor,manager", transition.body);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
