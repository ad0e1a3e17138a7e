// Severity revision, logged calls and threat words in a summary, over real HTTP (issue 16).
#include <string>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

nlohmann::json complaint_body(const std::string& severity, const std::string& summary) {
  return {{"workflow_id", "complaint"},
          {"severity", severity},
          {"customer", {{"id", "cust-16"}, {"segment", "regular"}, {"tier", "gold"}}},
          {"order",
           {{"id", fresh_order_id("TB-16")}, {"paid", {{"amount", 29900}, {"currency", "CNY"}}}}},
          {"team", "after_sales"},
          {"assignee", "agent.li"},
          {"fields", {{"summary", summary}, {"category", "quality"}}}};
}

const nlohmann::json* clock_of(const nlohmann::json& kase, const std::string& name) {
  for (const auto& c : kase.at("slas")) {
    if (c.at("name") == name) return &c;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(severity_api)

BOOST_AUTO_TEST_CASE(a_severity_revision_over_http) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  auto created = server.http().post("/v1/cases",
                                    complaint_body("normal", "袖口开线 (cuff seam split)"), agent);
  BOOST_REQUIRE_EQUAL(created.status, 201);
  const auto id = created.json().at("case").at("id").get<std::string>();
  const std::string path = "/v1/cases/" + id + "/severity";

  // Lowering needs a team lead: 403 naming the rule.
  auto refused = server.http().post(path, {{"severity", "low"}, {"reason", "minor"}}, agent);
  BOOST_TEST(refused.status == 403, refused.body);
  BOOST_TEST(refused.json().at("code") == "ROLE_NOT_PERMITTED");
  BOOST_TEST(refused.body.find("team_lead or above") != std::string::npos);
  // The same severity: 422 at /severity.
  auto same = server.http().post(path, {{"severity", "normal"}, {"reason", "no change"}}, lead);
  BOOST_TEST(same.status == 422, same.body);
  BOOST_TEST(same.json().at("code") == "INVALID_FIELD");
  BOOST_TEST(same.json().at("errors")[0].at("pointer") == "/severity");
  // A typo in the body is refused, not ignored.
  auto typo = server.http().post(path, {{"severity", "high"}, {"reasn", "x"}}, agent);
  BOOST_TEST(typo.status / 100 == 4);

  // The agent raises it: every clock takes the high target (first response 1h).
  auto raised =
      server.http().post(path, {{"severity", "high"}, {"reason", "the sleeve tore open"}}, agent);
  BOOST_REQUIRE_MESSAGE(raised.status == 200, raised.body);
  const auto kase = raised.json().at("case");
  BOOST_TEST(kase.at("severity") == "high");
  BOOST_TEST(kase.at("escalation_level") == "team_lead");  // high, as if opened so
  BOOST_REQUIRE(clock_of(kase, "first_response"));
  BOOST_TEST(clock_of(kase, "first_response")->at("target_ms") == 3600000);
  auto events = server.http().get("/v1/cases/" + id + "/events", agent);
  BOOST_REQUIRE_MESSAGE(events.status == 200, events.body);
  const auto journal = events.json();  // kept: a range-for over a temporary's member dangles
  bool journaled = false;
  for (const auto& e : journal.at("events")) journaled |= e.at("type") == "case.severity_revised";
  BOOST_TEST(journaled);
}

BOOST_AUTO_TEST_CASE(threat_words_in_a_summary_and_a_supervisors_call) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto supervisor = server.token_for("sup.chen", "supervisor");
  auto created = server.http().post(
      "/v1/cases", complaint_body("low", "衣服质量太差，再不退款我就打12315投诉"), agent);
  BOOST_REQUIRE_EQUAL(created.status, 201);
  const auto kase = created.json().at("case");
  BOOST_TEST(kase.at("escalation_level") == "supervisor");
  BOOST_TEST(kase.at("threat_signals")[0] == "regulator");
  BOOST_REQUIRE(clock_of(kase, "supervisor_contact"));
  const auto id = kase.at("id").get<std::string>();

  auto empty = server.http().post("/v1/cases/" + id + "/calls", {{"summary", ""}}, supervisor);
  BOOST_TEST(empty.status / 100 == 4);
  auto call = server.http().post("/v1/cases/" + id + "/calls",
                                 {{"summary", "called the customer, agreed a refund"}}, supervisor);
  BOOST_REQUIRE_MESSAGE(call.status == 200, call.body);
  BOOST_TEST(clock_of(call.json().at("case"), "supervisor_contact")->at("status") == "met");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
