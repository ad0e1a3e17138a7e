// The compensation ledger over real HTTP: rows across cases newest first with totals by currency
// and status, every filter, paging, precise refusals of bad filters and of agents, and the CSV
// export with formula cells defused.
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

// A complaint about `order_id` for `customer_id`, assigned to agent.li.
std::string open_ledger_case(TestServer& server, const std::string& token,
                             const std::string& customer_id, const std::string& order_id,
                             const std::string& category) {
  auto created = server.http().post(
      "/v1/cases",
      {{"workflow_id", "complaint"},
       {"severity", "normal"},
       {"customer", {{"id", customer_id}, {"segment", "regular"}}},
       {"order", {{"id", order_id}, {"paid", {{"amount", 59900}, {"currency", "CNY"}}}}},
       {"team", "after_sales"},
       {"assignee", "agent.li"},
       {"fields", {{"summary", "台灯灯罩破裂 (lamp shade cracked)"}, {"category", category}}}},
      token);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  return created.json().at("case").at("id").get<std::string>();
}

std::string propose_on(TestServer& server, const std::string& token, const std::string& case_id,
                       const std::string& type, std::int64_t amount) {
  auto proposed = server.http().post(
      "/v1/cases/" + case_id + "/compensations",
      {{"type", type}, {"value", {{"amount", amount}, {"currency", "CNY"}}}, {"note", "ledger"}},
      token);
  BOOST_REQUIRE_MESSAGE(proposed.status == 201, proposed.body);
  return proposed.json().at("case").at("compensations").back().at("id").get<std::string>();
}

std::vector<std::string> ledger_ids(const nlohmann::json& page) {
  std::vector<std::string> ids;
  for (const auto& row : page.at("compensations")) {
    ids.push_back(row.at("case_id").get<std::string>() + "/" +
                  row.at("compensation_id").get<std::string>());
  }
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ledger_api)

BOOST_AUTO_TEST_CASE(the_ledger_lists_filters_totals_pages_and_exports_compensations) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  const auto finance = server.token_for("finance-system", "integration", "");

  const auto first = open_ledger_case(server, agent, "CU-1", "TB-1", "quality");
  const auto coupon = propose_on(server, agent, first, "coupon", 2000);  // approved at once
  server.clock().advance(std::chrono::minutes(1));
  const auto refund = propose_on(server, agent, first, "partial_refund", 8000);  // pending
  server.clock().advance(std::chrono::minutes(1));
  const auto second = open_ledger_case(server, agent, "CU-2", "TB-2", "damaged");
  fire(server, agent, second, "confirm_problem",
       {{"desired_outcome", "a new shade"}, {"customer_confirmed", true}});
  fire(server, agent, second, "complete_analysis",
       {{"cause", "crushed in transit"}, {"fault_party", "carrier"}});
  const auto gift = propose_on(server, agent, second, "gift", 3000);  // approved at once
  // A reference a spreadsheet would run as a formula.
  auto executed =
      server.http().post("/v1/cases/" + second + "/compensations/" + gift + "/execution",
                         {{"reference", "=HYPERLINK(\"http://evil\",\"ok\")"}}, finance);
  BOOST_REQUIRE_MESSAGE(executed.status == 200, executed.body);

  auto all = server.http().get("/v1/compensations", lead);
  BOOST_REQUIRE_MESSAGE(all.status == 200, all.body);
  const auto all_page = all.json();  // held: rows below are references into it
  BOOST_TEST(
      (ledger_ids(all_page) ==
       std::vector<std::string>{second + "/" + gift, first + "/" + refund, first + "/" + coupon}));
  const auto& newest = all_page.at("compensations")[0];
  BOOST_TEST(newest.at("status") == "executed");
  BOOST_TEST(newest.at("order_id") == "TB-2");
  BOOST_TEST(newest.at("category") == "damaged");
  BOOST_TEST(newest.at("team") == "after_sales");
  BOOST_TEST(all_page.at("next_page_token").is_null());
  const nlohmann::json totals = nlohmann::json::parse(R"([
      {"currency": "CNY", "status": "approved", "count": 1, "amount": 2000},
      {"currency": "CNY", "status": "executed", "count": 1, "amount": 3000},
      {"currency": "CNY", "status": "pending", "count": 1, "amount": 8000}])");
  BOOST_TEST(all_page.at("totals").dump() == totals.dump());

  const auto ids_for = [&](const std::string& query) {
    auto page = server.http().get("/v1/compensations?" + query, lead);
    BOOST_REQUIRE_MESSAGE(page.status == 200, query << ": " << page.body);
    return ledger_ids(page.json());
  };
  using Ids = std::vector<std::string>;
  BOOST_TEST((ids_for("status=pending") == Ids{first + "/" + refund}));
  BOOST_TEST((ids_for("type=gift") == Ids{second + "/" + gift}));
  BOOST_TEST((ids_for("customer=CU-1&status=approved") == Ids{first + "/" + coupon}));
  BOOST_TEST((ids_for("order=TB-2") == Ids{second + "/" + gift}));
  BOOST_TEST((ids_for("category=quality").size() == 2U));
  BOOST_TEST((ids_for("fault_party=carrier") == Ids{second + "/" + gift}));
  BOOST_TEST((ids_for("decided_by=finance-system").empty()));
  BOOST_TEST((ids_for("decided_by=agent.li").size() == 2U));  // granted at once by the proposer
  BOOST_TEST((ids_for("proposed_by=agent.li&team=after_sales").size() == 3U));
  BOOST_TEST((ids_for("from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z").empty()));
  auto filtered = server.http().get("/v1/compensations?status=pending", lead).json();
  BOOST_TEST(filtered.at("totals").size() == 1U);  // totals follow the filter

  // Pages of one: the token continues with the next older proposal.
  auto page_one = server.http().get("/v1/compensations?page_size=2", lead).json();
  BOOST_TEST(page_one.at("compensations").size() == 2U);
  const auto token = page_one.at("next_page_token").get<std::string>();
  auto page_two = server.http().get("/v1/compensations?page_size=2&page_token=" + token, lead);
  BOOST_TEST((ledger_ids(page_two.json()) == Ids{first + "/" + coupon}));

  // Typos and values outside their vocabulary are refused, never a filter that matches nothing.
  for (const char* bad :
       {"type=bribe", "status=paid", "category=weather", "fault_party=moon", "from=yesterday",
        "stauts=pending", "from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z"}) {
    auto refused = server.http().get(std::string("/v1/compensations?") + bad, lead);
    BOOST_TEST(refused.status == 400, bad << ": " << refused.body);
    BOOST_TEST(problem_code(refused) == "INVALID_QUERY", bad);
  }
  auto as_agent = server.http().get("/v1/compensations", agent);
  BOOST_TEST(as_agent.status == 403);

  auto csv = server.http().get("/v1/compensations/export?category=damaged", finance);
  BOOST_REQUIRE_MESSAGE(csv.status == 200, csv.body);
  BOOST_TEST(csv.header("content-type") == "text/csv; charset=utf-8");
  BOOST_TEST(csv.header("content-disposition") == "attachment; filename=\"compensations.csv\"");
  const std::string expected_start =
      "\xEF\xBB\xBF"
      "case_id,compensation_id,type,amount,currency,amount_minor,status,proposed_by,proposed_at,"
      "required_role,decided_by,decided_at,reference,executed_at,customer_id,order_id,team,"
      "category\r\n" +
      second + "," + gift + ",gift,30.00,CNY,3000,executed,agent.li,";
  BOOST_TEST(csv.body.rfind(expected_start, 0) == 0U, csv.body);
  // The formula is defused (') and quoted (it holds quotes and a comma).
  BOOST_TEST(
      csv.body.find(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"ok\"\")\",") != std::string::npos,
      csv.body);
  BOOST_TEST(csv.body.find("quality") == std::string::npos);
  auto bad_export = server.http().get("/v1/compensations/export?page_size=5", finance);
  BOOST_TEST(bad_export.status == 400);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
