// Typos must not pass silently: unknown filter values, currencies outside ISO 4217, and teams or
// assignees the directory does not know are precise 4xx answers naming what was wrong, never a
// 200 with an empty list or a 201 that files a case where nobody looks.
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

nlohmann::json complaint_for_team(const std::string& team, const std::string& assignee,
                                  const std::string& currency = "CNY") {
  nlohmann::json body = {
      {"workflow_id", "complaint"},
      {"severity", "normal"},
      {"customer", {{"id", "cust-7"}, {"segment", "regular"}}},
      {"order",
       {{"id", fresh_order_id("TB-1")}, {"paid", {{"amount", 29900}, {"currency", currency}}}}},
      {"fields", {{"summary", "the cuff seam is split"}, {"category", "quality"}}}};
  if (!team.empty()) body["team"] = team;
  if (!assignee.empty()) body["assignee"] = assignee;
  return body;
}

// The pointers of a problem's `errors`.
std::vector<std::string> pointers(const HttpResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.json().value("errors", nlohmann::json::array())) {
    out.push_back(e.value("pointer", ""));
  }
  return out;
}

bool mentions(const HttpResult& r, const std::string& text) {
  return r.body.find(text) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(input_checks)

BOOST_AUTO_TEST_CASE(case_filters_refuse_values_outside_their_vocabulary) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  BOOST_REQUIRE_EQUAL(
      server.http().post("/v1/cases", complaint_for_team("after_sales", ""), agent).status, 201);

  struct Typo {
    std::string query;
    std::string pointer;
    std::string allowed;  // a fragment of the allowed values the answer must name
  };
  for (const auto& typo : std::vector<Typo>{
           {"severity=critcal", "/query/severity", "low, normal, high, critical"},
           {"stage=analyze", "/query/stage", "confirm, analyse, negotiate"},
           {"escalation_level=lead", "/query/escalation_level", "agent, team_lead, supervisor"},
           {"state=confirmed", "/query/state", "confirming"},
           {"category=qualty", "/query/category", "quality"}}) {
    BOOST_TEST_CONTEXT(typo.query) {
      const auto r = server.http().get("/v1/cases?" + typo.query, agent);
      BOOST_TEST(r.status == 400, r.body);
      BOOST_TEST(r.json().value("code", "") == "INVALID_QUERY");
      BOOST_TEST(pointers(r) == std::vector<std::string>{typo.pointer});
      BOOST_TEST(mentions(r, typo.allowed), r.body);
    }
  }
  // Every problem at once.
  const auto both = server.http().get("/v1/cases?severity=critcal&stage=analyze", agent);
  BOOST_TEST(both.status == 400);
  BOOST_TEST(pointers(both).size() == 2u);

  // Known values still filter, from every vocabulary.
  for (const std::string query : {"severity=normal", "stage=confirm", "escalation_level=agent",
                                  "state=confirming", "category=quality"}) {
    const auto r = server.http().get("/v1/cases?" + query, agent);
    BOOST_TEST_REQUIRE(r.status == 200, query << ": " << r.body);
    BOOST_TEST(r.json().at("cases").size() == 1u, query);
  }
  BOOST_TEST(server.http().get("/v1/cases?severity=high", agent).json().at("cases").empty());
}

BOOST_AUTO_TEST_CASE(the_approval_queue_refuses_an_unknown_role) {
  TestServer server;
  const auto manager = server.token_for("boss.zhao", "manager");
  const auto r = server.http().get("/v1/approvals?role=team_leed", manager);
  BOOST_TEST(r.status == 400, r.body);
  BOOST_TEST(pointers(r) == std::vector<std::string>{"/query/role"});
  BOOST_TEST(mentions(r, "agent, team_lead, supervisor, manager"), r.body);
  BOOST_TEST(server.http().get("/v1/approvals?role=team_lead", manager).status == 200);
}

BOOST_AUTO_TEST_CASE(money_outside_iso_4217_is_refused) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  for (const std::string currency : {"CYN", "XYZ"}) {
    const auto r =
        server.http().post("/v1/cases", complaint_for_team("after_sales", "", currency), agent);
    BOOST_TEST(r.status == 422, currency << ": " << r.body);
    BOOST_TEST(pointers(r) == std::vector<std::string>{"/order/paid/currency"}, r.body);
    BOOST_TEST(mentions(r, currency), r.body);
  }
  BOOST_TEST(server.http().get("/v1/cases?open=false", agent).json().at("cases").empty());

  const auto created =
      server.http().post("/v1/cases", complaint_for_team("after_sales", ""), agent);
  BOOST_REQUIRE_EQUAL(created.status, 201);
  const auto case_id = created.json().at("case").at("id").get<std::string>();
  const auto proposed = server.http().post(
      "/v1/cases/" + case_id + "/compensations",
      {{"type", "coupon"}, {"value", {{"amount", 500}, {"currency", "CYN"}}}}, agent);
  BOOST_TEST(proposed.status == 422, proposed.body);
  BOOST_TEST(pointers(proposed) == std::vector<std::string>{"/value/currency"}, proposed.body);
  BOOST_TEST(mentions(proposed, "CYN"), proposed.body);
}

BOOST_AUTO_TEST_CASE(a_case_names_only_teams_and_users_that_exist) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");

  const auto no_team =
      server.http().post("/v1/cases", complaint_for_team("after_sails", ""), agent);
  BOOST_TEST(no_team.status == 422, no_team.body);
  BOOST_TEST(pointers(no_team) == std::vector<std::string>{"/team"});
  BOOST_TEST(mentions(no_team, "after_sails"), no_team.body);

  const auto both =
      server.http().post("/v1/cases", complaint_for_team("after_sails", "agent.lee"), agent);
  BOOST_TEST(both.status == 422, both.body);
  BOOST_TEST((pointers(both) == std::vector<std::string>{"/team", "/assignee"}), both.body);
  BOOST_TEST(mentions(both, "agent.lee"), both.body);
  BOOST_TEST(server.http().get("/v1/cases?open=false", agent).json().at("cases").empty());

  const auto created =
      server.http().post("/v1/cases", complaint_for_team("after_sales", "agent.li"), agent);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const auto assignment =
      "/v1/cases/" + created.json().at("case").at("id").get<std::string>() + "/assignment";

  const auto unknown_user = server.http().post(assignment, {{"assignee", "agent.lee"}}, lead);
  BOOST_TEST(unknown_user.status == 422, unknown_user.body);
  BOOST_TEST(pointers(unknown_user) == std::vector<std::string>{"/assignee"});
  BOOST_TEST(mentions(unknown_user, "agent.lee"), unknown_user.body);

  const auto unknown_team =
      server.http().post(assignment, {{"assignee", "agent.li"}, {"team", "after_sails"}}, lead);
  BOOST_TEST(unknown_team.status == 422, unknown_team.body);
  BOOST_TEST(pointers(unknown_team) == std::vector<std::string>{"/team"});

  // Known names, and unassigning, still work (the case changes hands: with a reason).
  BOOST_TEST(server.http()
                 .post(assignment, {{"assignee", "lead.wang"}, {"reason", "taking it over"}}, lead)
                 .status == 200);
  BOOST_TEST(server.http()
                 .post(assignment, {{"assignee", ""}, {"reason", "back to the queue"}}, lead)
                 .status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
