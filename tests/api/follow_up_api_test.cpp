// Follow-up visits over real HTTP: attempts recorded with channel, outcome and CSAT, the phone
// call outside the windows flagged, the queue sorted by next due and the follow-up worklist, and
// the coverage report on a known history with its per-role scope (issue 16).
#include <string>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

// A complaint held by `assignee`, taken to following_up over the API.
std::string to_following_up(TestServer& server, const std::string& token,
                            const std::string& assignee) {
  auto created = server.http().post(
      "/v1/cases",
      {{"workflow_id", "complaint"},
       {"customer", {{"id", "cust-fu"}, {"segment", "regular"}, {"tier", "gold"}}},
       {"order",
        {{"id", fresh_order_id("TB-FU")}, {"paid", {{"amount", 29900}, {"currency", "CNY"}}}}},
       {"team", "after_sales"},
       {"assignee", assignee},
       {"fields", {{"summary", "袖口开线"}, {"category", "quality"}}}},
      token);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const auto id = created.json().at("case").at("id").get<std::string>();
  const auto fire = [&](const std::string& transition, const nlohmann::json& data) {
    auto r = server.http().post("/v1/cases/" + id + "/transitions",
                                {{"transition", transition}, {"data", data}}, token);
    BOOST_REQUIRE_MESSAGE(r.status == 200, transition + ": " + r.body);
  };
  fire("confirm_problem", {{"desired_outcome", "refund"}, {"customer_confirmed", true}});
  fire("complete_analysis", {{"cause", "seam"}, {"fault_party", "supplier"}});
  fire("agree_remedy", {{"remedy_summary", "CNY 30"}, {"customer_accepted", true}});
  fire("confirm_resolved", {{"resolution_note", "refunded"}});
  return id;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(follow_up_api)

BOOST_AUTO_TEST_CASE(follow_ups_worklist_and_coverage_over_http) {
  TestServer server;  // Monday 2026-11-23 10:00 in Shanghai
  const auto li = server.token_for("agent.li", "agent");
  const auto zhao = server.token_for("agent.zhao", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  const auto supervisor = server.token_for("sup.chen", "supervisor");
  const auto other_lead = server.token_for("lead.zhou", "team_lead", "warehouse");

  const auto satisfied = to_following_up(server, li, "agent.li");
  const auto unhappy = to_following_up(server, li, "agent.li");
  const auto open = to_following_up(server, zhao, "agent.zhao");

  // Wednesday 12:15: lunch, outside the call windows — flagged by the shipped policy.
  server.clock().set(*parse_rfc3339("2026-11-25T04:15:00Z"));
  auto flagged = server.http().post("/v1/cases/" + open + "/follow-ups",
                                    {{"channel", "phone"}, {"outcome", "not_reached"}}, zhao);
  BOOST_REQUIRE_MESSAGE(flagged.status == 200, flagged.body);
  const auto flagged_case = flagged.json().at("case");
  BOOST_TEST(flagged_case.at("follow_up_attempts")[0].at("outside_window") == true);
  BOOST_TEST(flagged_case.at("follow_up_due") == "2026-11-25T06:15:00Z");  // 14:15

  // Input problems are precise.
  auto no_csat = server.http().post("/v1/cases/" + satisfied + "/follow-ups",
                                    {{"channel", "chat"}, {"outcome", "reached"}}, li);
  BOOST_TEST(no_csat.status == 422, no_csat.body);
  BOOST_TEST(no_csat.json().at("errors")[0].at("pointer") == "/csat");
  auto typo = server.http().post("/v1/cases/" + satisfied + "/follow-ups",
                                 {{"channel", "chat"}, {"outcome", "reached"}, {"cast", 5}}, li);
  BOOST_TEST(typo.status / 100 == 4, typo.body);

  auto done = server.http().post("/v1/cases/" + satisfied + "/follow-ups",
                                 {{"channel", "chat"}, {"outcome", "reached"}, {"csat", 5}}, li);
  BOOST_REQUIRE_MESSAGE(done.status == 200, done.body);
  BOOST_TEST(done.json().at("case").at("state") == "closed");
  auto back = server.http().post(
      "/v1/cases/" + unhappy + "/follow-ups",
      {{"channel", "chat"}, {"outcome", "reached"}, {"csat", 2}, {"comment", "still torn"}}, li);
  BOOST_REQUIRE_MESSAGE(back.status == 200, back.body);
  BOOST_TEST(back.json().at("case").at("state") == "negotiating");

  // The worklist: zhao's follow-up is due at 14:15, not yet at 12:15; due at 14:20.
  auto none_due = server.http().get("/v1/cases?assignee=agent.zhao&follow_up=due", zhao);
  BOOST_REQUIRE_MESSAGE(none_due.status == 200, none_due.body);
  BOOST_TEST(none_due.json().at("cases").empty());
  server.clock().set(*parse_rfc3339("2026-11-25T06:20:00Z"));
  auto due = server.http().get("/v1/cases?assignee=agent.zhao&follow_up=due", zhao);
  BOOST_REQUIRE(due.json().at("cases").size() == 1U);
  BOOST_TEST(due.json().at("cases")[0].at("id") == open);
  BOOST_TEST(due.json().at("cases")[0].at("next_due") == "2026-11-25T06:15:00Z");
  auto bad_sort = server.http().get("/v1/cases?sort=newest", lead);
  BOOST_TEST(bad_sort.status == 400, bad_sort.body);
  auto by_next = server.http().get("/v1/cases?sort=next_due&page_size=1", lead);
  BOOST_REQUIRE_MESSAGE(by_next.status == 200, by_next.body);
  BOOST_REQUIRE(by_next.json().at("cases").size() == 1U);
  const auto token = by_next.json().at("next_page_token").get<std::string>();
  // A next-due token is refused by the SLA order.
  auto mixed = server.http().get("/v1/cases?page_token=" + token, lead);
  BOOST_TEST(mixed.status == 400, mixed.body);
  auto second = server.http().get("/v1/cases?sort=next_due&page_size=1&page_token=" + token, lead);
  BOOST_TEST(second.status == 200, second.body);

  // Coverage: li 2 of 2 completed (CSAT 5 and 2), zhao 0 of 1; the team 2 of 3 < 80 %.
  const std::string report =
      "/v1/reports/follow-up?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z";
  auto all = server.http().get(report, supervisor);
  BOOST_REQUIRE_MESSAGE(all.status == 200, all.body);
  const auto body = all.json();
  BOOST_TEST(body.at("target") == 0.8);
  BOOST_REQUIRE(body.at("teams").size() == 1U);
  const auto team = body.at("teams")[0];
  BOOST_TEST(team.at("team") == "after_sales");
  BOOST_TEST(team.at("reached_follow_up") == 3);
  BOOST_TEST(team.at("completed") == 2);
  BOOST_TEST(team.at("coverage") == 0.6667);
  BOOST_TEST(team.at("mean_csat") == 3.5);
  BOOST_TEST(team.at("below_target") == true);
  BOOST_REQUIRE(body.at("agents").size() == 2U);
  BOOST_TEST(body.at("agents")[0].at("agent") == "agent.li");
  BOOST_TEST(body.at("agents")[0].at("coverage") == 1.0);
  BOOST_TEST(body.at("agents")[0].at("below_target") == false);
  BOOST_TEST(body.at("agents")[1].at("agent") == "agent.zhao");
  BOOST_TEST(body.at("agents")[1].at("completed") == 0);
  BOOST_TEST(body.at("agents")[1].at("mean_csat").is_null());

  // Scope: a lead reads their team, not another; an agent their own row.
  BOOST_TEST(server.http().get(report, lead).json().at("agents").size() == 2U);
  auto foreign = server.http().get(report + "&team=after_sales", other_lead);
  BOOST_TEST(foreign.status == 403, foreign.body);
  BOOST_TEST(server.http().get(report, other_lead).json().at("agents").empty());
  auto own = server.http().get(report, zhao).json();
  BOOST_REQUIRE(own.at("agents").size() == 1U);
  BOOST_TEST(own.at("agents")[0].at("agent") == "agent.zhao");
  // The period is required and ordered.
  BOOST_TEST(
      server.http().get("/v1/reports/follow-up?from=2026-11-23T00:00:00Z", supervisor).status ==
      400);
  BOOST_TEST(server.http()
                 .get("/v1/reports/follow-up?from=2026-11-30T00:00:00Z&to=2026-11-23T00:00:00Z",
                      supervisor)
                 .status == 400);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
