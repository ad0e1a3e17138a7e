// Customer and order records over real HTTP: masked contacts and the recorded view of them, who
// may see them, level changes, erasure, merging, orders, and cases opened by customer_id and
// order_id with the per-order refund cap.
#include <string>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

using boost::beast::http::verb;

HttpResult put(TestServer& server, const std::string& target, const nlohmann::json& body,
               const std::string& token) {
  return server.http().request(verb::put, target, body.dump(), token,
                               {{"Content-Type", "application/json"}});
}

nlohmann::json customer_body(const std::string& id) {
  return {{"id", id},
          {"name", "王小明"},
          {"contacts",
           {{"phone", "138-1234-5678"}, {"email", "XiaoMing@Example.com"}, {"chat_id", "wxm_tb"}}},
          {"addresses", {{{"label", "家"}, {"city", "杭州"}, {"line", "文三路 100 号"}}}},
          {"tags", {"vip_watch"}},
          {"level", "gold"}};
}

nlohmann::json case_by_ids(const std::string& customer_id, const std::string& order_id) {
  nlohmann::json body{{"workflow_id", "complaint"},
                      {"customer_id", customer_id},
                      {"team", "after_sales"},
                      {"assignee", "agent.li"},
                      {"fields", {{"summary", "杯子碎了 (cup broken)"}, {"category", "damaged"}}}};
  if (!order_id.empty()) body["order_id"] = order_id;
  return body;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(customers_api)

BOOST_AUTO_TEST_CASE(contacts_are_masked_and_every_full_view_is_recorded) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto outsider = server.token_for("agent.ma", "agent", "returns_team");
  const auto lead = server.token_for("lead.wang", "team_lead");
  const auto supervisor = server.token_for("sup.chen", "supervisor");

  auto created = server.http().post("/v1/customers", customer_body("CU-1"), agent);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  BOOST_TEST(created.header("location") == "/v1/customers/CU-1");
  const auto shown = created.json();
  BOOST_TEST(shown.at("contacts").at("phone") == "138****5678");
  BOOST_TEST(shown.at("contacts").at("email") == "x***@example.com");
  BOOST_TEST(shown.at("contacts").at("chat_id") == "w***");
  BOOST_TEST(shown.at("addresses").at(0).dump() == R"({"city":"杭州","label":"家"})");
  BOOST_TEST(created.body.find("13812345678") == std::string::npos);

  // An agent of another team, and an agent whose team has no case of the customer yet: 403.
  BOOST_TEST(server.http().get("/v1/customers/CU-1/contacts", outsider).status == 403);
  BOOST_TEST(server.http().get("/v1/customers/CU-1/contacts", agent).status == 403);
  auto opened = server.http().post("/v1/cases", case_by_ids("CU-1", ""), agent);
  BOOST_REQUIRE_MESSAGE(opened.status == 201, opened.body);
  const auto case_id = opened.json().at("case").at("id").get<std::string>();
  auto full = server.http().get("/v1/customers/CU-1/contacts?case=" + case_id, agent);
  BOOST_REQUIRE_MESSAGE(full.status == 200, full.body);
  BOOST_TEST(full.json().at("contacts").at("phone") == "13812345678");
  BOOST_TEST(full.json().at("contacts").at("email") == "xiaoming@example.com");
  BOOST_TEST(full.json().at("addresses").at(0).at("line") == "文三路 100 号");
  BOOST_TEST(full.header("cache-control") == "no-store");
  BOOST_TEST(server.http().get("/v1/customers/CU-1/contacts", lead).status == 200);

  BOOST_TEST(server.http().get("/v1/customers/CU-1/contact-views", lead).status == 403);
  auto views = server.http().get("/v1/customers/CU-1/contact-views", supervisor);
  BOOST_REQUIRE_MESSAGE(views.status == 200, views.body);
  const auto list = views.json().at("contact_views");
  BOOST_REQUIRE(list.size() == 2u);
  BOOST_TEST(list.at(0).at("viewer_id") == "lead.wang");
  BOOST_TEST(list.at(1).at("viewer_id") == "agent.li");
  BOOST_TEST(list.at(1).at("case_id") == case_id);

  // The customer's page: masked, with the complaint history.
  auto page = server.http().get("/v1/customers/CU-1", agent);
  BOOST_REQUIRE_MESSAGE(page.status == 200, page.body);
  BOOST_TEST(page.json().at("complaints").at("open_cases") == 1);
  BOOST_TEST(page.json().at("contacts").at("phone") == "138****5678");
  // Found by phone however it is written, by e-mail, and by one character of the name.
  for (const char* q :
       {"13812345678", "138%201234%205678", "xiaoming%40example.com", "%E7%8E%8B"}) {
    auto found = server.http().get(std::string("/v1/customers?q=") + q, agent);
    BOOST_REQUIRE_MESSAGE(found.status == 200, found.body);
    BOOST_TEST_CONTEXT(q) {
      BOOST_TEST(found.json().at("customers").size() == 1u);
    }
  }
  // And the case by the customer's name.
  auto by_name = server.http().get("/v1/cases?q=%E7%8E%8B%E5%B0%8F%E6%98%8E", agent);
  BOOST_REQUIRE_MESSAGE(by_name.status == 200, by_name.body);
  BOOST_TEST(by_name.json().at("cases").size() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_customer_input_is_a_precise_422) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  auto body = customer_body("CU-2");
  body["contacts"]["phone"] = "call me";
  body["contacts"]["email"] = "nobody";
  body["colour"] = "blue";
  auto refused = server.http().post("/v1/customers", body, agent);
  BOOST_TEST(refused.status == 422);
  const auto text = refused.body;
  BOOST_TEST(text.find("/contacts/phone") != std::string::npos);
  BOOST_TEST(text.find("/contacts/email") != std::string::npos);
  BOOST_TEST(text.find("/colour") != std::string::npos);
  BOOST_TEST(server.http().post("/v1/customers", customer_body("CU-2"), agent).status == 201);
  auto again = server.http().post("/v1/customers", customer_body("CU-2"), agent);
  BOOST_TEST(again.status == 409);
  BOOST_TEST(problem_code(again) == "ALREADY_EXISTS");
}

BOOST_AUTO_TEST_CASE(a_level_change_by_hand_is_for_team_leads_with_a_reason_and_is_recorded) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  BOOST_REQUIRE(server.http().post("/v1/customers", customer_body("CU-3"), agent).status == 201);
  BOOST_TEST(server.http()
                 .patch("/v1/customers/CU-3", {{"level", "silver"}, {"level_reason", "x"}}, agent)
                 .status == 403);
  auto no_reason = server.http().patch("/v1/customers/CU-3", {{"level", "silver"}}, lead);
  BOOST_TEST(no_reason.status == 422);
  BOOST_TEST(no_reason.body.find("/level_reason") != std::string::npos);
  auto lowered = server.http().patch(
      "/v1/customers/CU-3", {{"level", "silver"}, {"level_reason", "会员资格复核后调整"}}, lead);
  BOOST_REQUIRE_MESSAGE(lowered.status == 200, lowered.body);
  BOOST_TEST(lowered.json().at("level") == "silver");
  auto page = server.http().get("/v1/customers/CU-3", lead).json();
  BOOST_TEST(page.at("level_changes").at(0).at("to") == "silver");
  BOOST_TEST(page.at("level_changes").at(0).at("actor_id") == "lead.wang");
  BOOST_TEST(page.at("level_changes").at(0).at("reason") == "会员资格复核后调整");
  // An agent may still correct the details.
  auto renamed = server.http().patch("/v1/customers/CU-3", {{"name", "王晓明"}}, agent);
  BOOST_TEST(renamed.status == 200);
  BOOST_TEST(server.http().patch("/v1/customers/NOPE", {{"name", "x"}}, agent).status == 404);
}

BOOST_AUTO_TEST_CASE(cases_open_by_customer_id_and_order_id_and_the_records_are_the_truth) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto manager = server.token_for("mgr.zhao", "manager");
  const auto orders = server.token_for("order-sync", "integration", "");

  auto unknown = server.http().post("/v1/cases", case_by_ids("CU-404", "TB-404"), agent);
  BOOST_TEST(unknown.status == 422);
  BOOST_TEST(unknown.body.find("/customer_id") != std::string::npos);
  BOOST_TEST(unknown.body.find("CU-404") != std::string::npos);
  auto both = case_by_ids("CU-4", "");
  both["customer"] = {{"id", "CU-4"}};
  BOOST_TEST(server.http().post("/v1/cases", both, agent).status == 422);

  BOOST_REQUIRE(server.http().post("/v1/customers", customer_body("CU-4"), agent).status == 201);
  BOOST_TEST(
      put(server, "/v1/orders/TB-40", {{"paid", {{"amount", 1000}, {"currency", "CNY"}}}}, agent)
          .status == 403);
  auto order = put(server, "/v1/orders/TB-40",
                   {{"customer_id", "CU-4"},
                    {"items",
                     {{{"sku", "CUP-1"},
                       {"title", "骨瓷杯"},
                       {"quantity", 2},
                       {"unit_price", {{"amount", 5000}, {"currency", "CNY"}}}}}},
                    {"paid", {{"amount", 10000}, {"currency", "CNY"}}},
                    {"paid_at", "2026-11-20T08:00:00Z"},
                    {"status", "delivered"},
                    {"refunded", {{"amount", 2000}, {"currency", "CNY"}}}},
                   orders);
  BOOST_REQUIRE_MESSAGE(order.status == 200, order.body);
  auto unknown_order = server.http().post("/v1/cases", case_by_ids("CU-4", "TB-404"), agent);
  BOOST_TEST(unknown_order.status == 422);
  BOOST_TEST(unknown_order.body.find("/order_id") != std::string::npos);

  std::vector<std::string> cases;
  for (int i = 0; i < 2; ++i) {
    auto body = case_by_ids("CU-4", "TB-40");
    if (!cases.empty()) {
      body["link"] = {{"case_id", cases.front()}, {"kind", "related_to"}, {"reason", "另一只杯子"}};
    }
    auto opened = server.http().post("/v1/cases", body, agent);
    BOOST_REQUIRE_MESSAGE(opened.status == 201, opened.body);
    const auto snapshot = opened.json().at("case");
    BOOST_TEST(snapshot.at("customer").at("tier") == "gold");
    BOOST_TEST(snapshot.at("order").at("paid").at("amount") == 10000);
    cases.push_back(snapshot.at("id").get<std::string>());
    fire(server, agent, cases.back(), "confirm_problem",
         {{"desired_outcome", "refund"}, {"customer_confirmed", true}});
    fire(server, agent, cases.back(), "complete_analysis",
         {{"cause", "packing"}, {"fault_party", "shop"}});
  }
  auto propose = [&](const std::string& id, std::int64_t amount) {
    return server.http().post(
        "/v1/cases/" + id + "/compensations",
        {{"type", "partial_refund"}, {"value", {{"amount", amount}, {"currency", "CNY"}}}},
        manager);
  };
  BOOST_TEST(propose(cases[0], 5000).status == 201);
  auto over = propose(cases[1], 3001);  // 100.00 - 20.00 outside - 50.00 on the first case
  BOOST_TEST(over.status == 422);
  BOOST_TEST(problem_code(over) == "REFUND_EXCEEDS_PAID");
  BOOST_TEST(propose(cases[1], 3000).status == 201);

  auto read = server.http().get("/v1/orders/TB-40", agent);
  BOOST_REQUIRE_MESSAGE(read.status == 200, read.body);
  BOOST_TEST(read.json().at("refundable").at("amount") == 0);
  BOOST_TEST(read.json().at("case_ids").size() == 2u);
  BOOST_TEST(read.json().at("items").at(0).at("sku") == "CUP-1");
  auto history = server.http().get("/v1/customers/CU-4/orders", agent);
  BOOST_TEST(history.json().at("orders").size() == 1u);
  // An order's currency never changes.
  auto currency =
      put(server, "/v1/orders/TB-40", {{"paid", {{"amount", 10}, {"currency", "USD"}}}}, orders);
  BOOST_TEST(currency.status == 422);
  BOOST_TEST(currency.body.find("/paid/currency") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(erasure_and_merging_over_http) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  const auto manager = server.token_for("mgr.zhao", "manager");
  BOOST_REQUIRE(server.http().post("/v1/customers", customer_body("CU-5"), agent).status == 201);
  BOOST_REQUIRE(server.http().post("/v1/customers", customer_body("CU-6"), agent).status == 201);
  auto opened = server.http().post("/v1/cases", case_by_ids("CU-6", ""), agent);
  BOOST_REQUIRE(opened.status == 201);

  auto merge = server.http().post("/v1/customers/CU-5/merges",
                                  {{"customer_id", "CU-6"}, {"reason", "同一手机号"}}, agent);
  BOOST_TEST(merge.status == 403);
  merge = server.http().post("/v1/customers/CU-5/merges",
                             {{"customer_id", "CU-6"}, {"reason", "同一手机号"}}, lead);
  BOOST_REQUIRE_MESSAGE(merge.status == 200, merge.body);
  auto survivor = server.http().get("/v1/customers/CU-5", agent).json();
  BOOST_TEST(survivor.at("complaints").at("open_cases") == 1);
  BOOST_TEST(survivor.at("merged_customers").at(0) == "CU-6");
  BOOST_TEST(server.http().get("/v1/cases?customer=CU-5", agent).json().at("cases").size() == 1u);

  BOOST_TEST(server.http().request(verb::delete_, "/v1/customers/CU-5", "", lead).status == 403);
  auto erased = server.http().request(verb::delete_, "/v1/customers/CU-5", "", manager);
  BOOST_REQUIRE_MESSAGE(erased.status == 200, erased.body);
  BOOST_TEST(erased.json().at("name") == "");
  BOOST_TEST(erased.json().at("contacts").empty());
  BOOST_TEST(!erased.json().at("erased_at").is_null());
  // The case and its journal stay.
  const auto case_id = opened.json().at("case").at("id").get<std::string>();
  BOOST_TEST(server.http().get("/v1/cases/" + case_id, agent).status == 200);
}

BOOST_AUTO_TEST_CASE(orders_reassess_the_customer_and_the_daily_walk_moves_recency_with_time) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto orders = server.token_for("order-sync", "integration", "");
  auto body = customer_body("CU-D");
  body.erase("level");
  BOOST_REQUIRE(server.http().post("/v1/customers", body, agent).status == 201);
  const auto paid_at = format_rfc3339(server.clock().now() - std::chrono::hours(24 * 25));
  auto order = put(server, "/v1/orders/TB-D1",
                   {{"customer_id", "CU-D"},
                    {"paid", {{"amount", 120000}, {"currency", "CNY"}}},
                    {"paid_at", paid_at}},
                   orders);
  BOOST_REQUIRE_MESSAGE(order.status == 200, order.body);
  auto customer = server.http().get("/v1/customers/CU-D", agent).json();
  BOOST_TEST(customer.at("level") == "silver");       // CNY 1,200.00 in a year (shipped policy)
  BOOST_TEST(customer.at("rfm").at("recency") == 5);  // 25 days ago: within 30
  BOOST_TEST(customer.at("level_changes").at(0).at("source") == "assessment");

  // Ten days later the last order is 35 days old: the daily walk scores recency 4.
  server.clock().advance(std::chrono::hours(24 * 10));
  BOOST_TEST(eventually([&] {
    server.server().wake_background();  // each pass writes the walk's next batch
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // within the rate limit
    const auto now = server.http().get("/v1/customers/CU-D", agent).json();
    return now.contains("rfm") && now.at("rfm").is_object() &&
           now.at("rfm").value("recency", 0) == 4;
  }));
  // A level or segment a person writes must be the shop's.
  auto unknown = server.http().post(
      "/v1/customers", {{"id", "CU-E"}, {"level", "platinum_plus"}, {"segment", "whales"}}, agent);
  BOOST_TEST(unknown.status == 422);
  BOOST_TEST(unknown.body.find("/level") != std::string::npos);
  BOOST_TEST(unknown.body.find("/segment") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_second_open_complaint_about_an_order_must_be_linked_and_links_show_on_both) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  BOOST_REQUIRE(server.http().post("/v1/customers", customer_body("CU-7"), agent).status == 201);
  auto first = server.http().post(
      "/v1/cases",
      {{"workflow_id", "complaint"},
       {"customer_id", "CU-7"},
       {"order", {{"id", "TB-70"}, {"paid", {{"amount", 8800}, {"currency", "CNY"}}}}},
       {"team", "after_sales"},
       {"fields", {{"summary", "少发一件 (one item missing)"}, {"category", "missing_item"}}}},
      agent);
  BOOST_REQUIRE_MESSAGE(first.status == 201, first.body);
  const auto first_id = first.json().at("case").at("id").get<std::string>();

  auto again = server.http().post("/v1/cases", case_by_ids("CU-7", "TB-70"), agent);
  BOOST_TEST(again.status == 409);
  BOOST_TEST(problem_code(again) == "ALREADY_EXISTS");
  BOOST_TEST(again.json().at("errors").at(0).at("pointer") == "/order_id");
  BOOST_TEST(again.json().at("errors").at(0).at("params").at("case_id") == first_id);

  auto body = case_by_ids("CU-7", "TB-70");
  body["link"] = {{"case_id", "C-404"}, {"kind", "related_to"}, {"reason", "同一订单"}};
  auto dangling = server.http().post("/v1/cases", body, agent);
  BOOST_TEST(dangling.status == 422);
  BOOST_TEST(dangling.body.find("/link/case_id") != std::string::npos);
  body["link"] = {{"case_id", first_id}, {"kind", "related_to"}, {"reason", "客户又投诉了包装"}};
  auto linked = server.http().post("/v1/cases", body, agent);
  BOOST_REQUIRE_MESSAGE(linked.status == 201, linked.body);
  const auto second_id = linked.json().at("case").at("id").get<std::string>();

  const auto from_second = server.http().get("/v1/cases/" + second_id + "/links", agent).json();
  BOOST_REQUIRE(from_second.at("links").size() == 1u);
  BOOST_TEST(from_second.at("links").at(0).at("direction") == "outgoing");
  BOOST_TEST(from_second.at("links").at(0).at("other_case_id") == first_id);
  const auto from_first = server.http().get("/v1/cases/" + first_id + "/links", agent).json();
  BOOST_REQUIRE(from_first.at("links").size() == 1u);
  BOOST_TEST(from_first.at("links").at(0).at("direction") == "incoming");
  BOOST_TEST(from_first.at("links").at(0).at("reason") == "客户又投诉了包装");

  // Linking later: a precise kind, no link twice, no case linked to itself.
  auto bad_kind =
      server.http().post("/v1/cases/" + first_id + "/links",
                         {{"case_id", second_id}, {"kind", "twin"}, {"reason", "x"}}, agent);
  BOOST_TEST(bad_kind.status == 422);
  BOOST_TEST(bad_kind.body.find("/kind") != std::string::npos);
  auto follow_up = server.http().post(
      "/v1/cases/" + first_id + "/links",
      {{"case_id", second_id}, {"kind", "duplicate_of"}, {"reason", "同一问题"}}, agent);
  BOOST_TEST(follow_up.status == 201);
  auto twice = server.http().post(
      "/v1/cases/" + first_id + "/links",
      {{"case_id", second_id}, {"kind", "duplicate_of"}, {"reason", "同一问题"}}, agent);
  BOOST_TEST(twice.status == 409);
  auto itself =
      server.http().post("/v1/cases/" + first_id + "/links",
                         {{"case_id", first_id}, {"kind", "related_to"}, {"reason", "x"}}, agent);
  BOOST_TEST(itself.status == 422);
  BOOST_TEST(server.http()
                 .post("/v1/cases/C-404/links",
                       {{"case_id", first_id}, {"kind", "related_to"}, {"reason", "x"}}, agent)
                 .status == 404);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
