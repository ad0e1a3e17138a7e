// Who may see what, over real HTTP: agents and team leads read the cases of their own team and
// those they hold — every other case answers 404 on every kind of read and command — while
// supervisors, managers, admins and integrations read every case; the ledger, its export, the
// approval queue and the team workload follow the same scope. Integration tokens act by their
// scopes: each route needs its one scope, refused with 403 INSUFFICIENT_SCOPE without it.
#include <set>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

using boost::beast::http::verb;

// A complaint opened by `token` in `team` (absent: the opener's own team), its id.
std::string open_scoped_case(TestServer& server, const std::string& token, const std::string& team,
                             const std::string& summary) {
  nlohmann::json body = {
      {"workflow_id", "complaint"},
      {"severity", "normal"},
      {"customer", {{"id", "scope-customer"}, {"segment", "regular"}}},
      {"order",
       {{"id", fresh_order_id("SCOPE")}, {"paid", {{"amount", 59900}, {"currency", "CNY"}}}}},
      {"fields", {{"summary", summary}, {"category", "quality"}}}};
  if (!team.empty()) body["team"] = team;
  auto created = server.http().post("/v1/cases", body, token);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  return created.json().at("case").at("id").get<std::string>();
}

// The values of `member` in the `list` array of GET `target`'s answer.
std::set<std::string> ids_in(TestServer& server, const std::string& target,
                             const std::string& token, const std::string& list,
                             const std::string& member) {
  auto listed = server.http().get(target, token);
  BOOST_REQUIRE_MESSAGE(listed.status == 200, target + ": " + listed.body);
  std::set<std::string> ids;
  const auto body = listed.json();  // held: a range-for over a member of a temporary dangles
  for (const auto& row : body.at(list)) ids.insert(row.at(member).get<std::string>());
  return ids;
}

std::set<std::string> listed_case_ids(TestServer& server, const std::string& target,
                                      const std::string& token) {
  return ids_in(server, target, token, "cases", "id");
}

std::set<std::string> ledger_case_ids(TestServer& server, const std::string& token) {
  return ids_in(server, "/v1/compensations", token, "compensations", "case_id");
}

std::set<std::string> queue_case_ids(TestServer& server, const std::string& token) {
  return ids_in(server, "/v1/approvals", token, "approvals", "case_id");
}

}  // namespace

// Two teams on one server (rate limits off: many reads on a frozen clock), each with an agent
// who has opened a complaint without naming a team: `ours` in after_sales, `theirs` in billing.
struct ReadScopeTwoTeams {
  static api::ServerConfig unlimited() {
    api::ServerConfig config;
    config.rate_limit_per_second = 0;
    return config;
  }
  TestServer server{unlimited()};
  const std::string agent = server.token_for("agent.li", "agent", "after_sales");
  const std::string lead = server.token_for("lead.wang", "team_lead", "after_sales");
  const std::string billing_agent = server.token_for("agent.qian", "agent", "billing");
  const std::string supervisor = server.token_for("sup.zhao", "supervisor", "after_sales");
  const std::string ours = open_scoped_case(server, agent, "", "灯罩破损 ours");
  const std::string theirs = open_scoped_case(server, billing_agent, "", "发票重复 theirs");
};

BOOST_AUTO_TEST_SUITE(read_scope)

BOOST_FIXTURE_TEST_CASE(agents_and_team_leads_read_their_teams_cases_and_those_they_hold,
                        ReadScopeTwoTeams) {
  const auto manager = server.token_for("mgr.sun", "manager", "");
  const auto integration = server.token_for("erp", "integration", "");

  // Each agent filed into their own team, naming none.
  BOOST_TEST(server.http().get("/v1/cases/" + ours, supervisor).json().at("team") == "after_sales");
  BOOST_TEST(server.http().get("/v1/cases/" + theirs, supervisor).json().at("team") == "billing");

  // Listings and search.
  for (const auto* token : {&agent, &lead}) {
    BOOST_TEST((listed_case_ids(server, "/v1/cases", *token) == std::set<std::string>{ours}));
    BOOST_TEST(listed_case_ids(server, "/v1/cases?q=theirs", *token).empty());
    BOOST_TEST(listed_case_ids(server, "/v1/cases?team=billing", *token).empty());
  }
  BOOST_TEST(
      (listed_case_ids(server, "/v1/cases", billing_agent) == std::set<std::string>{theirs}));
  for (const auto* token : {&supervisor, &manager, &server.admin_token(), &integration}) {
    BOOST_TEST(
        (listed_case_ids(server, "/v1/cases", *token) == std::set<std::string>{ours, theirs}));
  }

  // Every read of one case: 404, exactly as for a case that does not exist.
  const std::vector<std::string> reads = {"",          "/events", "/transitions",
                                          "/remedies", "/links",  "/compensations"};
  for (const auto& suffix : reads) {
    const auto target = "/v1/cases/" + theirs + suffix;
    for (const auto* token : {&agent, &lead}) {
      auto refused = server.http().get(target, *token);
      BOOST_TEST(refused.status == 404, target << ": " << refused.body);
      BOOST_TEST(problem_code(refused) == "NOT_FOUND", target);
      BOOST_TEST(refused.json().at("detail") == "there is no case " + theirs, target);
    }
    BOOST_TEST(server.http().get("/v1/cases/" + ours + suffix, agent).status == 200, suffix);
    BOOST_TEST(server.http().get(target, supervisor).status == 200, suffix);
    BOOST_TEST(server.http().get(target, integration).status == 200, suffix);
  }

  // Commands too: the case does not exist for them.
  auto comment =
      server.http().post("/v1/cases/" + theirs + "/comments", {{"text", "peeking"}}, agent);
  BOOST_TEST(comment.status == 404, comment.body);
  auto transition = server.http().post("/v1/cases/" + theirs + "/transitions",
                                       {{"transition", "confirm_problem"}}, lead);
  BOOST_TEST(transition.status == 404, transition.body);

  // A case handed to an agent of another team stays readable by the agent who holds it.
  auto assigned = server.http().post(
      "/v1/cases/" + theirs + "/assignment",
      {{"assignee", "agent.li"}, {"reason", "billing asked after_sales to take it"}}, supervisor);
  BOOST_REQUIRE_MESSAGE(assigned.status == 200, assigned.body);
  BOOST_TEST(server.http().get("/v1/cases/" + theirs, agent).status == 200);
  BOOST_TEST((listed_case_ids(server, "/v1/cases", agent) == std::set<std::string>{ours, theirs}));
  BOOST_TEST((listed_case_ids(server, "/v1/cases", lead) == std::set<std::string>{ours}));

  // The team workload: a team lead reads their own team's only.
  BOOST_TEST(server.http().get("/v1/teams/after_sales/workload", lead).status == 200);
  auto other_team = server.http().get("/v1/teams/billing/workload", lead);
  BOOST_TEST(other_team.status == 403, other_team.body);
  BOOST_TEST(server.http().get("/v1/teams/billing/workload", supervisor).status == 200);
}

BOOST_FIXTURE_TEST_CASE(the_ledger_its_export_and_the_approval_queue_follow_the_scope,
                        ReadScopeTwoTeams) {
  const auto billing_lead = server.token_for("lead.zhou", "team_lead", "billing");
  // Above an agent's authority: each waits in the team leads' queue.
  for (const auto& [token, case_id] :
       {std::pair{&agent, ours}, std::pair{&billing_agent, theirs}}) {
    auto proposed = server.http().post(
        "/v1/cases/" + case_id + "/compensations",
        {{"type", "partial_refund"}, {"value", {{"amount", 8000}, {"currency", "CNY"}}}}, *token);
    BOOST_REQUIRE_MESSAGE(proposed.status == 201, proposed.body);
  }

  BOOST_TEST((ledger_case_ids(server, lead) == std::set<std::string>{ours}));
  BOOST_TEST((ledger_case_ids(server, billing_lead) == std::set<std::string>{theirs}));
  BOOST_TEST((ledger_case_ids(server, supervisor) == std::set<std::string>{ours, theirs}));
  auto exported = server.http().get("/v1/compensations/export", lead);
  BOOST_REQUIRE_MESSAGE(exported.status == 200, exported.body);
  BOOST_TEST(exported.body.find(ours) != std::string::npos);
  BOOST_TEST(exported.body.find(theirs) == std::string::npos);

  BOOST_TEST((queue_case_ids(server, lead) == std::set<std::string>{ours}));
  BOOST_TEST((queue_case_ids(server, billing_lead) == std::set<std::string>{theirs}));
  auto supervisor_view = server.http().get("/v1/approvals?role=team_lead", supervisor);
  BOOST_REQUIRE_MESSAGE(supervisor_view.status == 200, supervisor_view.body);
  BOOST_TEST(supervisor_view.json().at("approvals").size() == 2u);
}

// What names other cases follows the scope too: an order's cases, a case's links, linking, and the
// refusal of a second complaint about an order (the rule holds, but another team's case is not
// named to someone who may not see it).
BOOST_FIXTURE_TEST_CASE(orders_links_and_duplicates_name_only_cases_in_scope, ReadScopeTwoTeams) {
  const auto order_id = server.http()
                            .get("/v1/cases/" + ours, supervisor)
                            .json()
                            .at("order")
                            .at("id")
                            .get<std::string>();
  const auto order_cases = [&](const std::string& token) {
    auto order = server.http().get("/v1/orders/" + order_id, token);
    BOOST_REQUIRE_MESSAGE(order.status == 200, order.body);
    return order.json().at("case_ids");
  };
  BOOST_TEST(order_cases(agent) == nlohmann::json::array({ours}));
  BOOST_TEST(order_cases(billing_agent).empty());
  BOOST_TEST(order_cases(supervisor) == nlohmann::json::array({ours}));

  // A second complaint about the order by another team: refused, the open case not named.
  nlohmann::json second = {
      {"workflow_id", "complaint"},
      {"severity", "normal"},
      {"customer", {{"id", "scope-customer"}, {"segment", "regular"}}},
      {"order", {{"id", order_id}, {"paid", {{"amount", 59900}, {"currency", "CNY"}}}}},
      {"fields", {{"summary", "again"}, {"category", "quality"}}}};
  auto refused = server.http().post("/v1/cases", second, billing_agent);
  BOOST_TEST(refused.status == 409, refused.body);
  BOOST_TEST(refused.body.find("open_case_for_order_elsewhere") != std::string::npos);
  BOOST_TEST(refused.body.find(ours) == std::string::npos, refused.body);
  // ... nor can it be filed linked to a case its filer may not see.
  second["link"] = {{"case_id", ours}, {"kind", "related_to"}, {"reason", "the same lamp"}};
  auto linked = server.http().post("/v1/cases", second, billing_agent);
  BOOST_TEST(linked.status == 422, linked.body);
  BOOST_TEST(linked.body.find("no_such_case") != std::string::npos, linked.body);
  // The team's own agent is told which case it is.
  second.erase("link");
  auto named = server.http().post("/v1/cases", second, agent);
  BOOST_TEST(named.status == 409, named.body);
  BOOST_TEST(named.body.find(ours) != std::string::npos, named.body);

  // Links: to or from a case out of scope is as to an unknown case.
  const nlohmann::json link_to_ours = {
      {"case_id", ours}, {"kind", "related_to"}, {"reason", "same customer"}};
  auto to_ours = server.http().post("/v1/cases/" + theirs + "/links", link_to_ours, billing_agent);
  BOOST_TEST(to_ours.status == 404, to_ours.body);
  const nlohmann::json link_to_theirs = {
      {"case_id", theirs}, {"kind", "related_to"}, {"reason", "same customer"}};
  auto from_ours =
      server.http().post("/v1/cases/" + ours + "/links", link_to_theirs, billing_agent);
  BOOST_TEST(from_ours.status == 404, from_ours.body);
  // A supervisor links them; each side lists the link only to those who see the other case.
  auto made = server.http().post("/v1/cases/" + ours + "/links", link_to_theirs, supervisor);
  BOOST_REQUIRE_MESSAGE(made.status == 201, made.body);
  const auto links_of = [&](const std::string& case_id, const std::string& token) {
    auto listed = server.http().get("/v1/cases/" + case_id + "/links", token);
    BOOST_REQUIRE_MESSAGE(listed.status == 200, listed.body);
    return listed.json().at("links").size();
  };
  BOOST_TEST(links_of(ours, agent) == 0u);
  BOOST_TEST(links_of(theirs, billing_agent) == 0u);
  BOOST_TEST(links_of(ours, supervisor) == 1u);
  BOOST_TEST(links_of(theirs, supervisor) == 1u);
}

BOOST_AUTO_TEST_CASE(integration_tokens_act_by_their_scopes) {
  api::ServerConfig config;
  config.rate_limit_per_second = 0;
  TestServer server(config);
  const auto& admin = server.admin_token();

  // Creating one: scopes are required, known, named once, and for integration tokens only.
  auto missing = server.http().post("/v1/tokens", {{"role", "integration"}}, admin);
  BOOST_TEST(missing.status == 422, missing.body);
  BOOST_TEST(missing.json().at("errors").at(0).at("pointer") == "/scopes");
  auto unknown = server.http().post(
      "/v1/tokens", {{"role", "integration"}, {"scopes", {"cases:read", "cases:delete"}}}, admin);
  BOOST_TEST(unknown.status == 422, unknown.body);
  BOOST_TEST(unknown.json().at("errors").at(0).at("pointer") == "/scopes/1");
  auto twice = server.http().post(
      "/v1/tokens", {{"role", "integration"}, {"scopes", {"cases:read", "cases:read"}}}, admin);
  BOOST_TEST(twice.status == 422, twice.body);
  BOOST_TEST(
      server.http()
          .post("/v1/users", {{"id", "agent.li"}, {"display_name", "Li"}, {"role", "agent"}}, admin)
          .status == 201);
  auto person = server.http().post("/v1/tokens",
                                   {{"user_id", "agent.li"}, {"scopes", {"cases:read"}}}, admin);
  BOOST_TEST(person.status == 422, person.body);

  auto created = server.http().post(
      "/v1/tokens",
      {{"role", "integration"}, {"label", "warehouse"}, {"scopes", {"orders:write", "cases:read"}}},
      admin);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  BOOST_TEST(created.json().at("scopes") == nlohmann::json({"cases:read", "orders:write"}));
  const auto warehouse = created.json().at("token").get<std::string>();
  auto listed = server.http().get("/v1/tokens", admin);
  bool found = false;
  const auto tokens = listed.json();
  for (const auto& token : tokens.at("tokens")) {
    if (token.at("id") != created.json().at("id")) continue;
    found = true;
    BOOST_TEST(token.at("scopes") == nlohmann::json({"cases:read", "orders:write"}));
  }
  BOOST_TEST(found);

  // What the scopes allow, and what they do not.
  BOOST_TEST(server.http().get("/v1/cases", warehouse).status == 200);
  const nlohmann::json order_body = {{"customer_id", "wh-customer"},
                                     {"paid", {{"amount", 1000}, {"currency", "CNY"}}}};
  auto order = server.http().request(verb::put, "/v1/orders/WH-1", order_body.dump(), warehouse,
                                     {{"Content-Type", "application/json"}});
  BOOST_TEST((order.status == 200 || order.status == 201 || order.status == 422), order.body);
  BOOST_TEST(problem_code(order) != "INSUFFICIENT_SCOPE", order.body);
  for (const auto& [method, target] :
       std::vector<std::pair<verb, std::string>>{{verb::post, "/v1/cases"},
                                                 {verb::get, "/v1/customers"},
                                                 {verb::get, "/v1/compensations"},
                                                 {verb::get, "/v1/webhooks"},
                                                 {verb::get, "/v1/workflows"}}) {
    auto refused =
        server.http().request(method, target, method == verb::post ? "{}" : "", warehouse);
    BOOST_TEST(refused.status == 403, target << ": " << refused.body);
    BOOST_TEST(problem_code(refused) == "INSUFFICIENT_SCOPE", target);
    BOOST_TEST(refused.json().contains("required_scope"), target);
  }
  auto refused_case = server.http().post("/v1/cases", nlohmann::json::object(), warehouse);
  BOOST_TEST(refused_case.json().at("required_scope") == "cases:write");
  // Routes any token may call need no scope.
  BOOST_TEST(server.http().get("/v1/me", warehouse).status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
