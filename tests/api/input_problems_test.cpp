// Refusals through the real server: every problem of a request in one answer, bounded money, and
// the engine's second lines of defence (roles of a transition, refunds after refunds) as a client
// meets them.
#include <map>
#include <set>

#include <boost/test/unit_test.hpp>

#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

nlohmann::json complaint_body() {
  return {{"workflow_id", "complaint"},
          {"severity", "normal"},
          {"customer", {{"id", "cust-88"}, {"segment", "regular"}, {"tier", "gold"}}},
          {"order",
           {{"id", fresh_order_id("TB-1")}, {"paid", {{"amount", 29900}, {"currency", "CNY"}}}}},
          {"team", "after_sales"},
          {"fields", {{"summary", "cuff seam split"}, {"category", "quality"}}}};
}

nlohmann::json cny(std::int64_t amount) {
  return {{"amount", amount}, {"currency", "CNY"}};
}

// The pointers of a problem's `errors`.
std::set<std::string> pointer_set(const HttpResult& r) {
  std::set<std::string> out;
  const auto body = r.json();
  if (!body.is_object() || !body.contains("errors")) return out;
  for (const auto& e : body.at("errors")) out.insert(e.at("pointer").get<std::string>());
  return out;
}

std::string create(TestServer& server, const std::string& token, const nlohmann::json& body) {
  auto created = server.http().post("/v1/cases", body, token);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  return created.json().at("case").at("id").get<std::string>();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(input_problems)

BOOST_AUTO_TEST_CASE(creating_a_case_lists_every_invalid_input) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  auto& http = server.http();

  // Five invalid inputs: two the API finds reading the body, three the engine finds.
  auto body = complaint_body();
  body["workflow_version"] = 0;
  body["customer"]["tier"] = std::string(33, 't');
  body["severity"] = "urgent";
  body["order"]["refunded"] = cny(30000);
  body["fields"]["category"] = "alien_abduction";
  const auto five = http.post("/v1/cases", body, agent);
  BOOST_TEST(five.status == 422, five.body);
  BOOST_TEST(five.json().at("code") == "VALIDATION_FAILED");
  const std::set<std::string> expected{"/workflow_version", "/customer/tier", "/severity",
                                       "/order/refunded", "/fields/category"};
  BOOST_TEST(pointer_set(five) == expected, boost::test_tools::per_element());
  BOOST_TEST(five.json().at("detail") == "5 problems in the request body");

  // Only the engine's: its code, its summary and each problem.
  auto engine_only = complaint_body();
  engine_only["severity"] = "urgent";
  engine_only["fields"]["category"] = "alien_abduction";
  engine_only["fields"]["bogus"] = 1;
  const auto three = http.post("/v1/cases", engine_only, agent);
  BOOST_TEST(three.status == 422, three.body);
  BOOST_TEST(three.json().at("code") == "INVALID_FIELD");
  const std::set<std::string> engine_pointers{"/severity", "/fields/bogus", "/fields/category"};
  BOOST_TEST(pointer_set(three) == engine_pointers, boost::test_tools::per_element());
  BOOST_TEST(three.json().at("detail").get<std::string>().rfind("3 problems: ", 0) == 0u);

  // Nothing was created.
  BOOST_TEST(http.get("/v1/cases", agent).json().at("cases").empty());
}

// Every item of `errors` says as data what its English message says: {pointer, code, params,
// message}, whether the API found the problem reading the body, the query or a header, or the
// engine found it.
BOOST_AUTO_TEST_CASE(errors_carry_a_code_and_params) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  auto& http = server.http();
  const auto by_pointer = [](const HttpResult& r) {
    std::map<std::string, nlohmann::json> out;
    const auto body = r.json();  // held: the loop must not run over a destroyed temporary
    for (const auto& e : body.at("errors")) {
      BOOST_TEST(e.at("code").is_string());
      BOOST_TEST(e.at("params").is_object());
      BOOST_TEST(e.at("message").is_string());
      out[e.at("pointer").get<std::string>()] = e;
    }
    return out;
  };

  auto body = complaint_body();
  body["customer"].erase("id");                     // the API: a missing member ...
  body["customer"]["tier"] = std::string(33, 't');  // ... one too long
  body["fields"]["category"] = "alien_abduction";   // the engine: a value not in the enum
  body["order"]["refunded"] = {{"amount", 100}, {"currency", "USD"}};  // ... another currency
  const auto created = http.post("/v1/cases", body, agent);
  BOOST_TEST_REQUIRE(created.status == 422, created.body);
  const auto errors = by_pointer(created);
  BOOST_TEST_REQUIRE(errors.size() == 4u, created.body);
  BOOST_TEST(errors.at("/customer/id").at("code") == "MISSING_FIELD");
  BOOST_TEST(errors.at("/customer/id").at("params") == (nlohmann::json{{"reason", "required"}}));
  BOOST_TEST(errors.at("/customer/tier").at("code") == "INVALID_FIELD");
  BOOST_TEST(errors.at("/customer/tier").at("params").at("reason") == "too_many_bytes");
  BOOST_TEST(errors.at("/customer/tier").at("params").at("max_bytes") == 32);
  const auto& category = errors.at("/fields/category");
  BOOST_TEST(category.at("code") == "INVALID_FIELD");
  BOOST_TEST(category.at("params").at("reason") == "not_one_of");
  BOOST_TEST(category.at("params").at("field") == "category");
  BOOST_TEST(category.at("params").at("allowed").size() == 10u);
  BOOST_TEST(category.at("message").get<std::string>().find("alien_abduction") !=
             std::string::npos);
  BOOST_TEST(errors.at("/order/refunded").at("code") == "CURRENCY_MISMATCH");
  BOOST_TEST(errors.at("/order/refunded").at("params") ==
             (nlohmann::json{{"reason", "order_currency"}, {"expected_currency", "CNY"}}));

  // Query parameters and headers too.
  const auto listed = http.get("/v1/cases?page_size=0&colour=red", agent);
  BOOST_TEST_REQUIRE(listed.status == 400, listed.body);
  const auto query = by_pointer(listed);
  BOOST_TEST(query.at("/query/page_size").at("params") ==
             (nlohmann::json{{"reason", "out_of_range"}, {"minimum", 1}, {"maximum", 1000}}));
  BOOST_TEST(query.at("/query/colour").at("params").at("reason") == "unknown_parameter");
  const auto id = create(server, agent, complaint_body());
  const auto patched =
      http.patch("/v1/cases/" + id, nlohmann::json{{"fields", {{"summary", "x"}}}}, agent);
  BOOST_TEST_REQUIRE(patched.status == 428, patched.body);
  const auto header = by_pointer(patched);
  BOOST_TEST(header.at("/header/If-Match").at("code") == "MISSING_FIELD");
  BOOST_TEST(header.at("/header/If-Match").at("params").at("reason") == "required");
}

BOOST_AUTO_TEST_CASE(a_transition_lists_every_missing_field) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  auto body = complaint_body();
  body["fields"] = nlohmann::json::object();
  const auto id = create(server, agent, body);
  const auto missing = server.http().post("/v1/cases/" + id + "/transitions",
                                          {{"transition", "confirm_problem"}, {"data", {}}}, agent);
  BOOST_TEST(missing.status == 422, missing.body);
  BOOST_TEST(missing.json().at("code") == "MISSING_FIELD");
  const std::set<std::string> four{"/data/summary", "/data/category", "/data/desired_outcome",
                                   "/data/customer_confirmed"};
  BOOST_TEST(pointer_set(missing) == four, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_agent_may_not_fire_a_transition_reserved_to_team_leads) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  const auto id = create(server, agent, complaint_body());
  const nlohmann::json cancel{{"transition", "cancel"}, {"data", {{"cancel_reason", "duplicate"}}}};
  const auto refused = server.http().post("/v1/cases/" + id + "/transitions", cancel, agent);
  BOOST_TEST(refused.status == 403, refused.body);
  BOOST_TEST(refused.json().at("code") == "ROLE_NOT_PERMITTED");
  BOOST_TEST(refused.json().at("detail").get<std::string>().find("team_lead") != std::string::npos);
  BOOST_TEST(server.http().get("/v1/cases/" + id, agent).json().at("state") == "confirming");
  const auto cancelled = server.http().post("/v1/cases/" + id + "/transitions", cancel, lead);
  BOOST_TEST(cancelled.status == 200, cancelled.body);
}

BOOST_AUTO_TEST_CASE(a_refund_after_an_approved_refund_cannot_exceed_what_is_left) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto id = create(server, agent, complaint_body());  // paid CNY 299.00
  const auto collection = "/v1/cases/" + id + "/compensations";
  auto& http = server.http();
  // CNY 40.00 is within the agent's authority: approved at once.
  const auto first =
      http.post(collection, {{"type", "partial_refund"}, {"value", cny(4000)}}, agent);
  BOOST_REQUIRE_MESSAGE(first.status == 201, first.body);
  BOOST_TEST(first.json().at("case").at("compensations").back().at("status") == "approved");
  // CNY 260.00 alone is less than was paid, but not than is left (CNY 259.00).
  const auto second =
      http.post(collection, {{"type", "partial_refund"}, {"value", cny(26000)}}, agent);
  BOOST_TEST(second.status == 422, second.body);
  BOOST_TEST(second.json().at("code") == "REFUND_EXCEEDS_PAID");
  BOOST_TEST(second.json().at("detail").get<std::string>().find("CNY 259.00") != std::string::npos);
  // Exactly what is left may be proposed (above the agent's authority, so it waits).
  const auto rest =
      http.post(collection, {{"type", "partial_refund"}, {"value", cny(25900)}}, agent);
  BOOST_TEST(rest.status == 201, rest.body);
}

BOOST_AUTO_TEST_CASE(amounts_above_the_maximum_are_refused_naming_the_field) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto manager = server.token_for("mgr.liu", "manager");
  const auto id = create(server, agent, complaint_body());
  auto& http = server.http();
  const auto huge = http.post("/v1/cases/" + id + "/compensations",
                              {{"type", "coupon"}, {"value", cny(9200000000000000000)}}, manager);
  BOOST_TEST(huge.status == 422, huge.body);
  BOOST_TEST(huge.json().at("code") == "INVALID_FIELD");
  BOOST_TEST(pointer_set(huge) == std::set<std::string>{"/value/amount"},
             boost::test_tools::per_element());
  BOOST_TEST(huge.json().at("detail").get<std::string>().find("CNY 1000000.00") !=
             std::string::npos);
  // The customer's later proposals are unaffected.
  const auto coupon = http.post("/v1/cases/" + id + "/compensations",
                                {{"type", "coupon"}, {"value", cny(500)}}, agent);
  BOOST_TEST(coupon.status == 201, coupon.body);

  auto rich = complaint_body();
  rich["order"]["paid"] = cny(100000001);
  const auto refused = http.post("/v1/cases", rich, agent);
  BOOST_TEST(refused.status == 422, refused.body);
  BOOST_TEST(pointer_set(refused) == std::set<std::string>{"/order/paid/amount"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
