// Invoice requests (开发票) over real HTTP: the cutoff deadline (before 15:00 on a working day:
// that day's closing time, otherwise the next working day's), a late invoice breaching in the
// queue listing as the fake clock moves and the timers fire, and the finance system's
// integration token reporting the invoice issued or sending the request back.
#include <map>
#include <string>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "engine/time.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

using nlohmann::json;

json invoice_request(const std::string& customer,
                     json fields = {{"title_type", "company"},
                                    {"invoice_title", "杭州好物贸易有限公司"},
                                    {"tax_id", "91330106MA2KXXXX1X"},
                                    {"invoice_type", "electronic"},
                                    {"email", "finance@haowu.example"}}) {
  return {{"workflow_id", "invoice_request"},
          {"severity", "normal"},
          {"customer", {{"id", customer}, {"segment", "regular"}}},
          {"order",
           {{"id", fresh_order_id("TB-INV")}, {"paid", {{"amount", 129900}, {"currency", "CNY"}}}}},
          {"team", "after_sales"},
          {"assignee", "agent.li"},
          {"fields", std::move(fields)}};
}

json open_case(TestServer& server, const std::string& token, const json& body) {
  auto created = server.http().post("/v1/cases", body, token);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  return created.json().at("case");
}

std::string clock_due(const json& the_case, const std::string& name) {
  for (const auto& clock : the_case.at("slas")) {
    if (clock.at("name") == name) return clock.at("due").get<std::string>();
  }
  BOOST_FAIL("no SLA clock " << name << " in " << the_case.dump());
  return {};
}

json queue_row(TestServer& server, const std::string& token, const std::string& id) {
  auto listed = server.http().get("/v1/cases?team=after_sales", token);
  BOOST_REQUIRE_MESSAGE(listed.status == 200, listed.body);
  const auto body = listed.json();
  for (const auto& row : body.at("cases")) {
    if (row.at("id") == id) return row;
  }
  BOOST_FAIL("case " << id << " is not in the queue: " << body.dump());
  return {};
}

Instant at(const char* text) {
  return *parse_rfc3339(text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(invoice_api)

BOOST_AUTO_TEST_CASE(a_late_invoice_breaches_and_the_queue_shows_it) {
  // Friday 2026-11-27, 14:59 in Shanghai.
  TestServer server({}, at("2026-11-27T14:59:00+08:00"));
  const auto agent = server.token_for("agent.li", "agent");
  const auto before = open_case(server, agent, invoice_request("cust-1"));
  server.clock().advance(std::chrono::minutes(1));  // 15:00: the cutoff
  const auto after = open_case(server, agent, invoice_request("cust-2"));
  const std::string before_id = before.at("id");
  const std::string after_id = after.at("id");
  // Before the cutoff: Friday's closing, 18:00. At it: the next working day, Saturday, which
  // cn_office works until 12:00.
  BOOST_TEST(clock_due(before, "resolution") == "2026-11-27T10:00:00Z");
  BOOST_TEST(clock_due(after, "resolution") == "2026-11-28T04:00:00Z");
  // The agent checks both and sends them to finance: only the invoice deadline runs on.
  for (const auto& id : {before_id, after_id}) fire(server, agent, id, "send_to_finance");
  const auto row = queue_row(server, agent, before_id);
  BOOST_TEST(row.at("workflow_id") == "invoice_request");
  BOOST_TEST(row.at("sla_due") == "2026-11-27T10:00:00Z");
  BOOST_TEST(row.at("sla_breached") == false);

  // Finance has not issued it by 18:00: the first one breaches, the second does not yet.
  server.clock().set(at("2026-11-27T18:01:00+08:00"));
  BOOST_TEST(server.server().fire_due_timers_now() > 0U);
  BOOST_TEST(queue_row(server, agent, before_id).at("sla_breached") == true);
  BOOST_TEST(queue_row(server, agent, after_id).at("sla_breached") == false);
  // Saturday 11:00 is past 80 % of the second one's working time: warned, not breached.
  server.clock().set(at("2026-11-28T11:00:00+08:00"));
  BOOST_TEST(server.server().fire_due_timers_now() > 0U);
  const auto warned = queue_row(server, agent, after_id);
  BOOST_TEST(warned.at("sla_warned") == true);
  BOOST_TEST(warned.at("sla_breached") == false);
  server.clock().set(at("2026-11-28T12:00:00+08:00"));
  BOOST_TEST(server.server().fire_due_timers_now() > 0U);
  const auto late = queue_row(server, agent, after_id);
  BOOST_TEST(late.at("sla_breached") == true);
  BOOST_TEST(late.at("sla_due") == "2026-11-28T04:00:00Z");
  // The breach is in the case's journal like any SLA's.
  auto events = server.http().get("/v1/cases/" + after_id + "/events?page_size=1000", agent);
  BOOST_REQUIRE_EQUAL(events.status, 200);
  bool breached = false;
  const auto journal = events.json();  // kept: a range over a temporary's member would dangle
  for (const auto& e : journal.at("events")) {
    breached |= e.at("type") == "sla.breached" && e.at("data").at("clock") == "resolution";
  }
  BOOST_TEST(breached, events.body);
}

BOOST_AUTO_TEST_CASE(the_finance_integration_reports_the_invoice_issued) {
  TestServer server({}, at("2026-11-23T10:00:00+08:00"));
  const auto agent = server.token_for("agent.li", "agent");
  const auto finance = server.token_for("finance-system", "integration", "", {"cases:write"});
  const std::string id = open_case(server, agent, invoice_request("cust-3")).at("id");
  fire(server, agent, id, "send_to_finance");

  // Finance sends it back first: the title does not match the taxpayer id.
  auto back = fire(server, finance, id, "finance_reject",
                   {{"finance_rejection_reason", "抬头与纳税人识别号不一致"}});
  BOOST_TEST(back.at("case").at("state") == "requested");
  BOOST_TEST(back.at("case").at("assignee") == "agent.li");
  // Sending to finance is the agent's work, not the integration's.
  auto refused =
      server.http().post("/v1/cases/" + id + "/transitions",
                         {{"transition", "send_to_finance"}, {"data", json::object()}}, finance);
  BOOST_TEST(refused.status == 403, refused.body);
  fire(server, agent, id, "send_to_finance", {{"invoice_title", "杭州好物贸易有限公司（总部）"}});

  auto issued = fire(server, finance, id, "issue", {{"invoice_number", "26332000000123456789"}});
  BOOST_TEST(issued.at("case").at("state") == "issued");
  BOOST_TEST(issued.at("case").at("fields").at("invoice_number") == "26332000000123456789");
  bool announced = false;
  for (const auto& e : issued.at("events")) {
    announced |= e.at("type") == "event.emitted" && e.at("data").at("event") == "invoice.issued";
  }
  BOOST_TEST(announced, issued.dump());
  for (const auto& clock : issued.at("case").at("slas")) BOOST_TEST(clock.at("status") == "met");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
