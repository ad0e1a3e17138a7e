// What the console's queue, remedy panel and workload board read, end to end over real HTTP: the
// queue row's summary and SLA warn and breach facts, the unassigned filter, the caller's
// remaining compensation authority with each remedy judged as a proposal would be, and a team's
// workload per person.
#include <map>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "engine/time.h"
#include "engine/utf8.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

using nlohmann::json;

// The test server starts at 02:00Z, 10:00 on Monday 2026-11-23 in Shanghai (cn_office hours
// 09:00-12:00 and 13:30-18:00). A normal complaint's first response is due 2 business hours
// after it opens and warns at 80% of that.
json complaint(const std::string& customer, const std::string& assignee,
               const std::string& summary = "袖口开线 (the cuff seam is split)") {
  json body = {
      {"workflow_id", "complaint"},
      {"severity", "normal"},
      {"customer", {{"id", customer}, {"segment", "regular"}, {"tier", "gold"}}},
      {"order",
       {{"id", fresh_order_id("TB-20261120")}, {"paid", {{"amount", 29900}, {"currency", "CNY"}}}}},
      {"team", "after_sales"},
      {"fields", {{"summary", summary}, {"category", "quality"}}}};
  if (!assignee.empty()) body["assignee"] = assignee;
  return body;
}

std::string open_case(TestServer& server, const std::string& token, const json& body) {
  auto created = server.http().post("/v1/cases", body, token);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  return created.json().at("case").at("id").get<std::string>();
}

// The listing's rows by case id.
std::map<std::string, json> rows_of(TestServer& server, const std::string& token,
                                    const std::string& query) {
  auto listed = server.http().get("/v1/cases?" + query, token);
  BOOST_REQUIRE_MESSAGE(listed.status == 200, listed.body);
  std::map<std::string, json> out;
  const auto body = listed.json();  // kept: a range-for over a temporary's member dangles
  for (const auto& row : body.at("cases")) out[row.at("id").get<std::string>()] = row;
  return out;
}

Instant instant_of(const json& value) {
  BOOST_REQUIRE_MESSAGE(value.is_string(), value.dump());
  const auto parsed = parse_rfc3339(value.get<std::string>());
  BOOST_REQUIRE(parsed.has_value());
  return *parsed;
}

Instant shanghai(const char* local_time) {
  return *parse_rfc3339(std::string("2026-11-23T") + local_time + "+08:00");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(console_api)

BOOST_AUTO_TEST_CASE(a_queue_row_shows_the_summary_cut_and_the_warn_and_breach_points) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  std::string long_summary;
  for (int i = 0; i < 60; ++i) long_summary += "羽绒服袖口开线";  // 420 code points
  const auto id = open_case(server, agent, complaint("cust-1", "agent.li", long_summary));
  const auto short_id = open_case(server, agent, complaint("cust-2", "agent.li"));

  auto rows = rows_of(server, agent, "team=after_sales");
  const auto row = rows.at(id);
  const auto summary = row.at("summary").get<std::string>();
  BOOST_TEST((utf8_length(summary) == std::optional<std::int64_t>(200)));
  BOOST_TEST(summary.starts_with("羽绒服袖口开线羽绒服"));
  BOOST_TEST(summary.ends_with("\u2026"));
  BOOST_TEST(long_summary.starts_with(summary.substr(0, summary.size() - 3)));  // "…" is 3 bytes
  BOOST_TEST(rows.at(short_id).at("summary") == "袖口开线 (the cuff seam is split)");
  // Opened 10:00: first response due 12:00, warning at 11:36 (80% of 2 business hours).
  BOOST_TEST((instant_of(row.at("sla_due")) == shanghai("12:00:00")));
  BOOST_TEST((instant_of(row.at("sla_warn_at")) == shanghai("11:36:00")));
  BOOST_TEST(row.at("sla_warned") == false);
  BOOST_TEST(row.at("sla_breached") == false);
  BOOST_TEST(row.at("escalation_level") == "agent");

  // Past the warning, then past the breach: the timers fire and the row says so.
  server.clock().advance(std::chrono::minutes(100));  // 11:40
  BOOST_TEST(server.server().fire_due_timers_now() > 0U);
  const auto warned = rows_of(server, agent, "team=after_sales").at(id);
  BOOST_TEST(warned.at("sla_warned") == true);
  BOOST_TEST(warned.at("sla_breached") == false);
  server.clock().advance(std::chrono::minutes(25));  // 12:05
  BOOST_TEST(server.server().fire_due_timers_now() > 0U);
  const auto breached = rows_of(server, agent, "team=after_sales").at(id);
  BOOST_TEST(breached.at("sla_warned") == true);
  BOOST_TEST(breached.at("sla_breached") == true);
  BOOST_TEST((instant_of(breached.at("sla_due")) == shanghai("12:00:00")));
}

BOOST_AUTO_TEST_CASE(the_unassigned_filter_lists_cases_nobody_holds) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto held = open_case(server, agent, complaint("cust-1", "agent.li"));
  const auto waiting = open_case(server, agent, complaint("cust-2", ""));

  const auto unassigned = rows_of(server, agent, "team=after_sales&unassigned=true");
  BOOST_TEST(unassigned.size() == 1U);
  BOOST_TEST(unassigned.count(waiting) == 1U);
  BOOST_TEST(unassigned.at(waiting).at("assignee").is_null());
  const auto everyone = rows_of(server, agent, "team=after_sales&unassigned=false");
  BOOST_TEST(everyone.size() == 2U);
  BOOST_TEST(everyone.count(held) == 1U);

  auto both = server.http().get("/v1/cases?unassigned=true&assignee=agent.li", agent);
  BOOST_TEST(both.status == 400);
  const auto problem = both.json();
  BOOST_TEST(problem.at("code") == "INVALID_QUERY");
  BOOST_REQUIRE(problem.at("errors").size() == 1U);
  BOOST_TEST(problem.at("errors")[0].at("pointer") == "/query/unassigned");
}

BOOST_AUTO_TEST_CASE(remedies_carry_the_callers_remaining_authority_and_each_ones_approver) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  auto& http = server.http();

  // The customer was granted CNY 30.00 on another case (within the agent's authority).
  const auto earlier = open_case(server, agent, complaint("cust-88", "agent.li"));
  auto granted =
      http.post("/v1/cases/" + earlier + "/compensations",
                {{"type", "coupon"}, {"value", {{"amount", 3000}, {"currency", "CNY"}}}}, agent);
  BOOST_REQUIRE_MESSAGE(granted.status == 201, granted.body);
  BOOST_REQUIRE(granted.json().at("case").at("compensations").back().at("status") == "approved");

  const auto id = open_case(server, agent, complaint("cust-88", "agent.li"));
  fire(server, agent, id, "confirm_problem",
       {{"desired_outcome", "refund"}, {"customer_confirmed", true}});
  fire(server, agent, id, "complete_analysis", {{"cause", "seam"}, {"fault_party", "supplier"}});

  auto answered = http.get("/v1/cases/" + id + "/remedies", agent);
  BOOST_REQUIRE_MESSAGE(answered.status == 200, answered.body);
  const auto body = answered.json();
  const json expected_authority = {
      {"role", "agent"},
      {"currency", "CNY"},
      {"per_case", {{"limit", 5000}, {"granted", 0}, {"remaining", 5000}}},
      {"per_customer_30d", {{"limit", 10000}, {"granted", 3000}, {"remaining", 7000}}}};
  BOOST_TEST(body.at("authority") == expected_authority, body.at("authority").dump());

  // quality_fault for a CNY 299.00 order, cheapest first. The customer has 70.00 left.
  const std::vector<std::tuple<std::string, std::int64_t, bool, json>> expected = {
      {"apology_only", 0, true, nullptr},
      {"gift", 1000, true, nullptr},
      {"repair", 4485, true, nullptr},
      {"exchange", 8970, false, "team_lead"},             // 89.70 on a case: over 50.00
      {"return_and_refund", 29900, false, "supervisor"},  // over the team lead's 200.00
  };
  const auto& remedies = body.at("remedies");
  BOOST_REQUIRE_EQUAL(remedies.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& [type, cost, within, approver] = expected[i];
    BOOST_TEST(remedies[i].at("type") == type);
    BOOST_TEST(remedies[i].at("estimated_cost").at("amount") == cost, type);
    BOOST_TEST(remedies[i].at("within_authority") == within, type);
    BOOST_TEST(remedies[i].at("approver_role") == approver, type);
  }

  // Proposing the exchange goes where the advice said.
  auto proposed =
      http.post("/v1/cases/" + id + "/compensations",
                {{"type", "exchange"}, {"value", remedies[3].at("estimated_cost")}}, agent);
  BOOST_REQUIRE_MESSAGE(proposed.status == 201, proposed.body);
  BOOST_TEST(proposed.json().at("approvals_requested")[0].at("required_role") == "team_lead");

  // A team lead has more; the pending exchange is not granted yet.
  const auto for_lead = http.get("/v1/cases/" + id + "/remedies", lead).json();
  const json lead_authority = {
      {"role", "team_lead"},
      {"currency", "CNY"},
      {"per_case", {{"limit", 20000}, {"granted", 0}, {"remaining", 20000}}},
      {"per_customer_30d", {{"limit", 40000}, {"granted", 3000}, {"remaining", 37000}}}};
  BOOST_TEST(for_lead.at("authority") == lead_authority, for_lead.at("authority").dump());
  BOOST_TEST(for_lead.at("remedies")[3].at("within_authority") == true);

  // Admins may not propose compensation: nothing is theirs to grant. An unknown case is 404.
  const auto for_admin = http.get("/v1/cases/" + id + "/remedies", server.admin_token()).json();
  BOOST_TEST(for_admin.at("authority").is_null());
  for (const auto& remedy : for_admin.at("remedies")) {
    BOOST_TEST(remedy.at("within_authority") == false);
    BOOST_TEST(remedy.at("approver_role").is_null());
  }
  BOOST_TEST(http.get("/v1/cases/C-404/remedies", agent).status == 404);
}

// An approval row carries what the approver decides on, so the queue need not open each case:
// the remedy and its amount, the case's summary, severity and customer, and who asked.
BOOST_AUTO_TEST_CASE(approval_rows_say_what_is_decided_and_for_whom) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  auto& http = server.http();
  json body = complaint("cust-77", "agent.li", "羽绒服袖口开线 (the down jacket's cuff is split)");
  body["customer"]["segment"] = "vip";
  const auto id = open_case(server, agent, body);
  fire(server, agent, id, "confirm_problem",
       {{"desired_outcome", "refund"}, {"customer_confirmed", true}});
  fire(server, agent, id, "complete_analysis", {{"cause", "seam"}, {"fault_party", "supplier"}});
  auto proposed = http.post("/v1/cases/" + id + "/compensations",
                            {{"type", "partial_refund"},
                             {"value", {{"amount", 8000}, {"currency", "CNY"}}},
                             {"note", "seam defect"}},
                            agent);
  BOOST_REQUIRE_MESSAGE(proposed.status == 201, proposed.body);
  const auto compensation_id =
      proposed.json().at("case").at("compensations").back().at("id").get<std::string>();

  auto queue = http.get("/v1/approvals", lead);
  BOOST_REQUIRE_MESSAGE(queue.status == 200, queue.body);
  const auto listed = queue.json();
  BOOST_REQUIRE_EQUAL(listed.at("approvals").size(), 1U);
  const auto& row = listed.at("approvals")[0];
  BOOST_TEST(row.at("kind") == "compensation");
  BOOST_TEST(row.at("requested_by") == "agent.li");
  BOOST_TEST(row.at("requested_by_name") == "agent.li");  // the test directory's display name
  BOOST_TEST(row.at("summary") == "羽绒服袖口开线 (the down jacket's cuff is split)");
  BOOST_TEST(row.at("severity") == "normal");
  BOOST_TEST(row.at("workflow_id") == "complaint");
  BOOST_TEST(row.at("workflow_version") == 3);  // new complaints open on version 3
  BOOST_TEST(row.at("customer") == json({{"id", "cust-77"}, {"segment", "vip"}, {"tier", "gold"}}));
  BOOST_TEST(row.at("compensation") == json({{"id", compensation_id},
                                             {"type", "partial_refund"},
                                             {"value", {{"amount", 8000}, {"currency", "CNY"}}}}));
}

BOOST_AUTO_TEST_CASE(team_workload_counts_open_warning_and_breached_per_person) {
  TestServer server;
  const auto li = server.token_for("agent.li", "agent");
  server.token_for("agent.zhao", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  const auto other = server.token_for("agent.ret", "agent", "returns");
  const auto integration = server.token_for("erp", "integration", "");

  // 10:00: three cases that will have breached by 12:01 (first response due 12:00).
  for (const auto* holder : {"agent.li", "agent.zhao", ""}) {
    open_case(server, lead, complaint("cust-1", holder));
  }
  // 10:20: two that will have warned (11:56) but not breached (13:50).
  server.clock().advance(std::chrono::minutes(20));
  for (const auto* holder : {"agent.li", "agent.ret"}) {
    open_case(server, lead, complaint("cust-2", holder));
  }
  // 11:58: two with nothing due yet.
  server.clock().advance(std::chrono::minutes(98));
  for (const auto* holder : {"agent.li", ""}) open_case(server, lead, complaint("cust-3", holder));
  server.clock().advance(std::chrono::minutes(3));
  BOOST_TEST(server.server().fire_due_timers_now() > 0U);

  auto answered = server.http().get("/v1/teams/after_sales/workload", lead);
  BOOST_REQUIRE_MESSAGE(answered.status == 200, answered.body);
  const auto body = answered.json();
  BOOST_TEST(body.at("team_id") == "after_sales");
  BOOST_TEST((instant_of(body.at("as_of")) == shanghai("12:01:00")));
  BOOST_TEST(body.at("open") == 7);
  BOOST_TEST(body.at("warning") == 2);
  BOOST_TEST(body.at("breached") == 3);
  const json unassigned = {{"open", 2}, {"warning", 0}, {"breached", 1}};
  BOOST_TEST(body.at("unassigned") == unassigned);
  std::map<std::string, json> agents;
  std::vector<std::string> order;
  for (const auto& a : body.at("agents")) {
    order.push_back(a.at("user_id").get<std::string>());
    agents[order.back()] = a;
  }
  // Members by id (the lead holds nothing), then agent.ret of another team who holds one.
  const std::vector<std::string> expected_order = {"agent.li", "agent.zhao", "lead.wang",
                                                   "agent.ret"};
  BOOST_TEST(order == expected_order, boost::test_tools::per_element());
  const auto counts = [&](const std::string& id) {
    const auto& a = agents.at(id);
    return std::vector<std::int64_t>{a.at("open").get<std::int64_t>(),
                                     a.at("warning").get<std::int64_t>(),
                                     a.at("breached").get<std::int64_t>()};
  };
  BOOST_TEST(counts("agent.li") == (std::vector<std::int64_t>{3, 1, 1}),
             boost::test_tools::per_element());
  BOOST_TEST(counts("agent.zhao") == (std::vector<std::int64_t>{1, 0, 1}),
             boost::test_tools::per_element());
  BOOST_TEST(counts("lead.wang") == (std::vector<std::int64_t>{0, 0, 0}),
             boost::test_tools::per_element());
  BOOST_TEST(counts("agent.ret") == (std::vector<std::int64_t>{1, 1, 0}),
             boost::test_tools::per_element());
  BOOST_TEST(agents.at("lead.wang").at("role") == "team_lead");
  BOOST_TEST(agents.at("agent.li").at("display_name") == "agent.li");
  BOOST_TEST(agents.at("agent.li").at("member") == true);
  BOOST_TEST(agents.at("agent.ret").at("member") == false);

  // An agent reads their own team's board, not another's; integrations none.
  BOOST_TEST(server.http().get("/v1/teams/after_sales/workload", li).status == 200);
  const auto refused = server.http().get("/v1/teams/after_sales/workload", other);
  BOOST_TEST(refused.status == 403);
  BOOST_TEST(refused.json().at("detail").get<std::string>().find("own team") != std::string::npos);
  BOOST_TEST(server.http().get("/v1/teams/returns/workload", other).status == 200);
  BOOST_TEST(server.http().get("/v1/teams/after_sales/workload", integration).status == 403);
  // A team lead reads their own team's board only; an unknown team is 404 to those who may read
  // any.
  BOOST_TEST(server.http().get("/v1/teams/returns/workload", lead).status == 403);
  BOOST_TEST(server.http().get("/v1/teams/no_such_team/workload", server.admin_token()).status ==
             404);
  BOOST_TEST(server.http().get("/v1/teams/after_sales/workload?x=1", lead).status == 400);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
