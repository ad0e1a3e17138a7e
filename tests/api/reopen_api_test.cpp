// Reopening over HTTP (complaint v3's "reopen", 15 calendar days): a real server on an ephemeral
// port, real HTTP, a fresh database, the server's fake clock. Inside the window the case reopens
// and a new complaint about the order is pointed at the reopen; after it the reopen is 409
// reopen_window_passed and a new case opens in one call, linked reopen_of. The counts: the case
// JSON, the listing filter and GET /v1/reports/reopens, scoped by role.
#include <string>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

nlohmann::json complaint_about(const std::string& order_id) {
  return {{"workflow_id", "complaint"},
          {"customer", {{"id", "cust-reopen"}, {"segment", "regular"}}},
          {"order", {{"id", order_id}, {"paid", {{"amount", 29900}, {"currency", "CNY"}}}}},
          {"team", "after_sales"},
          {"assignee", "agent.zhao"},
          {"fields", {{"summary", "羽绒服开线 (seam split)"}, {"category", "quality"}}}};
}

// Opens a complaint about `order_id` and takes it to closed; returns its id.
std::string closed_complaint(TestServer& server, const std::string& agent,
                             const std::string& order_id) {
  auto created = server.http().post("/v1/cases", complaint_about(order_id), agent);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const auto id = created.json().at("case").at("id").get<std::string>();
  fire(server, agent, id, "confirm_problem",
       {{"desired_outcome", "refund"}, {"customer_confirmed", true}});
  fire(server, agent, id, "complete_analysis",
       {{"cause", "factory seam"}, {"fault_party", "supplier"}});
  fire(server, agent, id, "agree_remedy",
       {{"remedy_summary", "CNY 30 refund"}, {"customer_accepted", true}});
  fire(server, agent, id, "confirm_resolved", {{"resolution_note", "refund issued"}});
  auto closed =
      server.http().post("/v1/cases/" + id + "/follow-ups",
                         {{"channel", "chat"}, {"outcome", "reached"}, {"csat", 5}}, agent);
  BOOST_REQUIRE_MESSAGE(closed.status == 200, closed.body);
  BOOST_REQUIRE(closed.json().at("case").at("closed_at").is_string());
  return id;
}

const nlohmann::json kReopenBody = {{"transition", "reopen"},
                                    {"data", {{"reopen_reason", "the refund never arrived"}}}};

}  // namespace

BOOST_AUTO_TEST_SUITE(reopen_api)

BOOST_AUTO_TEST_CASE(reopen_inside_the_window_and_the_duplicate_rule_points_at_it) {
  TestServer server;
  const auto agent = server.token_for("agent.zhao", "agent");
  const auto order = fresh_order_id("TB-RO");
  const auto id = closed_complaint(server, agent, order);
  server.clock().advance(std::chrono::hours(24 * 3));

  // The closed case offers its reopen, listed while the window is open.
  auto available = server.http().get("/v1/cases/" + id + "/transitions", agent);
  BOOST_REQUIRE_EQUAL(available.status, 200);
  BOOST_TEST(available.json().at("reopen").at("open") == true, available.body);
  BOOST_TEST(available.json().at("reopen").at("transition") == "reopen");
  BOOST_TEST(available.json().at("reopen").at("link_kind") == "reopen_of");
  BOOST_REQUIRE_EQUAL(available.json().at("transitions").size(), 1U);
  BOOST_TEST(available.json().at("transitions")[0].at("name") == "reopen");

  // The customer complains again about the order: the duplicate rule points at the reopen.
  auto again = server.http().post("/v1/cases", complaint_about(order), agent);
  BOOST_TEST(again.status == 409, again.body);
  BOOST_TEST(problem_code(again) == "ALREADY_EXISTS");
  const auto problem = again.json().at("errors")[0];
  BOOST_TEST(problem.at("pointer") == "/order/id");
  BOOST_TEST(problem.at("params").at("reason") == "reopen_case");
  BOOST_TEST(problem.at("params").at("case_id") == id);
  BOOST_TEST(problem.at("params").at("transition") == "reopen");
  // A reopen_of link to it is refused the same way while it can still be reopened.
  auto linked_early = complaint_about(order);
  linked_early["link"] = {{"case_id", id}, {"kind", "reopen_of"}, {"reason", "complained again"}};
  auto early = server.http().post("/v1/cases", linked_early, agent);
  BOOST_TEST(early.status == 409, early.body);
  BOOST_TEST(early.json().at("errors")[0].at("params").at("reason") == "reopen_case");
  BOOST_TEST(early.json().at("errors")[0].at("pointer") == "/link/case_id");

  // The reopen: back to negotiate, counted, journaled with the reason and who.
  auto reopened = server.http().post("/v1/cases/" + id + "/transitions", kReopenBody, agent);
  BOOST_REQUIRE_MESSAGE(reopened.status == 200, reopened.body);
  const auto c = reopened.json().at("case");
  BOOST_TEST(c.at("state") == "negotiating");
  BOOST_TEST(c.at("stage") == "negotiate");
  BOOST_TEST(c.at("closed_at").is_null());
  BOOST_TEST(c.at("reopen_count") == 1);
  bool journaled = false;
  const auto events = reopened.json().at("events");
  for (const auto& e : events) {
    if (e.at("type") != "case.reopened") continue;
    journaled = true;
    BOOST_TEST(e.at("data").at("reason") == "the refund never arrived");
    BOOST_TEST(e.at("data").at("by") == "agent.zhao");
  }
  BOOST_TEST(journaled, reopened.body);
  BOOST_TEST(server.http().get("/v1/cases/" + id, agent).json().at("reopen_count") == 1);

  // The listing filter and the summaries carry the count.
  auto listed = server.http().get("/v1/cases?reopened=true", agent);
  BOOST_REQUIRE_EQUAL(listed.status, 200);
  BOOST_REQUIRE_EQUAL(listed.json().at("cases").size(), 1U);
  BOOST_TEST(listed.json().at("cases")[0].at("id") == id);
  BOOST_TEST(listed.json().at("cases")[0].at("reopen_count") == 1);
  BOOST_TEST(server.http().get("/v1/cases?reopened=maybe", agent).status == 400);
}

BOOST_AUTO_TEST_CASE(after_the_window_a_new_case_opens_linked_in_one_call) {
  TestServer server;
  const auto agent = server.token_for("agent.zhao", "agent");
  const auto order = fresh_order_id("TB-RO");
  const auto id = closed_complaint(server, agent, order);
  server.clock().advance(std::chrono::hours(24 * 16));

  auto refused = server.http().post("/v1/cases/" + id + "/transitions", kReopenBody, agent);
  BOOST_TEST(refused.status == 409, refused.body);
  BOOST_TEST(problem_code(refused) == "CASE_CLOSED");
  const auto problem = refused.json().at("errors")[0];
  BOOST_TEST(problem.at("pointer") == "/transition");
  BOOST_TEST(problem.at("params").at("reason") == "reopen_window_passed");
  BOOST_TEST(problem.at("params").at("link_kind") == "reopen_of");
  auto available = server.http().get("/v1/cases/" + id + "/transitions", agent);
  BOOST_TEST(available.json().at("reopen").at("open") == false, available.body);
  BOOST_TEST(available.json().at("transitions").empty());

  // No pointer any more: a new complaint about the order opens; linked, in one call.
  auto linked = complaint_about(order);
  linked["link"] = {{"case_id", id}, {"kind", "reopen_of"}, {"reason", "complained again"}};
  auto created = server.http().post("/v1/cases", linked, agent);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const auto new_id = created.json().at("case").at("id").get<std::string>();
  auto links = server.http().get("/v1/cases/" + id + "/links", agent);
  BOOST_REQUIRE_EQUAL(links.status, 200);
  BOOST_REQUIRE_EQUAL(links.json().at("links").size(), 1U);
  BOOST_TEST(links.json().at("links")[0].at("kind") == "reopen_of");
  BOOST_TEST(links.json().at("links")[0].at("other_case_id") == new_id);
  BOOST_TEST(links.json().at("links")[0].at("direction") == "incoming");

  // reopen_of names a closed case: the new one (open) is refused as a target.
  auto to_open = complaint_about(fresh_order_id("TB-RO"));
  to_open["link"] = {{"case_id", new_id}, {"kind", "reopen_of"}, {"reason", "x"}};
  auto not_closed = server.http().post("/v1/cases", to_open, agent);
  BOOST_TEST(not_closed.status == 422, not_closed.body);
  BOOST_TEST(not_closed.json().at("errors")[0].at("params").at("reason") == "not_closed");
}

BOOST_AUTO_TEST_CASE(the_reopen_report_counts_per_team_and_person_within_scope) {
  TestServer server;
  const auto agent = server.token_for("agent.zhao", "agent");
  const auto other_agent = server.token_for("agent.qian", "agent", "billing");
  const auto supervisor = server.token_for("sup.sun", "supervisor", "");
  const auto start = server.clock().now();
  const auto id = closed_complaint(server, agent, fresh_order_id("TB-RO"));
  server.clock().advance(std::chrono::hours(2));
  BOOST_REQUIRE_EQUAL(
      server.http().post("/v1/cases/" + id + "/transitions", kReopenBody, agent).status, 200);
  const auto from = format_rfc3339(start);
  const auto to = format_rfc3339(server.clock().now() + std::chrono::hours(1));
  const auto target = "/v1/reports/reopens?from=" + from + "&to=" + to;

  auto report = server.http().get(target, supervisor);
  BOOST_REQUIRE_MESSAGE(report.status == 200, report.body);
  BOOST_TEST(report.json().at("reopens") == 1);
  BOOST_TEST(report.json().at("cases") == 1);
  BOOST_REQUIRE_EQUAL(report.json().at("teams").size(), 1U);
  const auto team = report.json().at("teams")[0];
  BOOST_TEST(team.at("team_id") == "after_sales");
  BOOST_TEST(team.at("agents")[0].at("user_id") == "agent.zhao");
  BOOST_TEST(team.at("agents")[0].at("reopens") == 1);
  // Scoped: the agent sees their team's; an agent of another team sees none.
  BOOST_TEST(server.http().get(target, agent).json().at("reopens") == 1);
  BOOST_TEST(server.http().get(target, other_agent).json().at("reopens") == 0);
  // A period before the reopen counts nothing; an empty or reversed one is refused.
  BOOST_TEST(server.http()
                 .get("/v1/reports/reopens?from=" + from +
                          "&to=" + format_rfc3339(start + std::chrono::minutes(1)),
                      supervisor)
                 .json()
                 .at("reopens") == 0);
  BOOST_TEST(
      server.http().get("/v1/reports/reopens?from=" + to + "&to=" + from, supervisor).status ==
      400);
  BOOST_TEST(server.http().get("/v1/reports/reopens?since=" + from, supervisor).status == 400);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
