// Promises over real HTTP: a reply names the promise it keeps (or keeps the earliest due), each
// promise settles on its own, and GET /v1/promises lists them across cases by status, team,
// person and period, paged, within the reader's scope, with precise refusals of bad filters.
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

std::string open_case(TestServer& server, const std::string& token, const std::string& team,
                      const std::string& assignee) {
  auto created = server.http().post(
      "/v1/cases",
      {{"workflow_id", "complaint"},
       {"severity", "normal"},
       {"customer", {{"id", "CU-" + assignee}, {"segment", "regular"}}},
       {"order", {{"id", fresh_order_id()}, {"paid", {{"amount", 19900}, {"currency", "CNY"}}}}},
       {"team", team},
       {"assignee", assignee},
       {"fields",
        {{"summary", "快递三天没动 (the parcel has not moved)"}, {"category", "quality"}}}},
      token);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  return created.json().at("case").at("id").get<std::string>();
}

// Records a promise due `due` and returns its id.
std::string promise(TestServer& server, const std::string& token, const std::string& case_id,
                    const std::string& due, const std::string& text) {
  auto made = server.http().post("/v1/cases/" + case_id + "/promises",
                                 {{"due", due}, {"text", text}}, token);
  BOOST_REQUIRE_MESSAGE(made.status == 200 || made.status == 201, made.body);
  return made.json().at("case").at("promises").back().at("id").get<std::string>();
}

std::vector<std::string> listed(const nlohmann::json& page) {
  std::vector<std::string> ids;
  for (const auto& row : page.at("promises")) {
    ids.push_back(row.at("case_id").get<std::string>() + "/" +
                  row.at("promise_id").get<std::string>());
  }
  return ids;
}

nlohmann::json promise_in(const nlohmann::json& c, const std::string& id) {
  for (const auto& p : c.at("promises")) {
    if (p.at("id") == id) return p;
  }
  BOOST_FAIL("no promise " << id);
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(promises_api)

// The server starts at 2026-11-23T02:00:00Z.
BOOST_AUTO_TEST_CASE(replies_keep_promises_one_at_a_time_and_the_listing_shows_them) {
  TestServer server;
  const auto li = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  const auto manager = server.token_for("manager.zhou", "manager", "");
  const auto sun = server.token_for("agent.sun", "agent", "returns");

  const auto a = open_case(server, li, "after_sales", "agent.li");
  const auto later = promise(server, li, a, "2026-11-23T06:00:00Z", "下午两点前回复退款进度");
  const auto earlier = promise(server, li, a, "2026-11-23T03:00:00Z", "十一点前回电");
  const auto b = open_case(server, sun, "returns", "agent.sun");
  const auto other = promise(server, sun, b, "2026-11-23T04:00:00Z", "the courier calls by noon");

  // A reply naming none keeps the earliest due only.
  server.clock().advance(std::chrono::minutes(10));
  auto replied = server.http().post("/v1/cases/" + a + "/replies", {{"text", "已为您核实"}}, li);
  BOOST_REQUIRE_MESSAGE(replied.status == 200, replied.body);
  const auto c = replied.json().at("case");
  BOOST_TEST(promise_in(c, earlier).at("status") == "kept");
  BOOST_TEST(promise_in(c, earlier).at("kept_at") == "2026-11-23T02:10:00Z");
  BOOST_TEST(promise_in(c, later).at("status") == "open");
  bool kept_event = false;
  const auto reply_body = replied.json();  // kept: a range-for over a temporary's member dangles
  for (const auto& e : reply_body.at("events")) {
    if (e.at("type") == "promise.kept") {
      BOOST_TEST(e.at("data").at("id") == earlier);
      kept_event = true;
    }
  }
  BOOST_TEST(kept_event);

  // Naming a promise: an unknown one is 404, a kept one 409, both pointing at promise_id.
  auto unknown = server.http().post("/v1/cases/" + a + "/replies",
                                    {{"text", "x"}, {"promise_id", "prm-404"}}, li);
  BOOST_TEST(unknown.status == 404, unknown.body);
  BOOST_TEST(problem_code(unknown) == "NOT_FOUND");
  BOOST_TEST(unknown.json().at("errors")[0].at("pointer") == "/promise_id");
  auto again = server.http().post("/v1/cases/" + a + "/replies",
                                  {{"text", "x"}, {"promise_id", earlier}}, li);
  BOOST_TEST(again.status == 409, again.body);
  BOOST_TEST(problem_code(again) == "INVALID_STATE");
  // A typo in the body and a promise id of the wrong type: 422 pointing at the member.
  auto typo =
      server.http().post("/v1/cases/" + a + "/replies", {{"text", "x"}, {"promise", later}}, li);
  BOOST_TEST(typo.status == 422, typo.body);
  BOOST_TEST(problem_code(typo) == "VALIDATION_FAILED");
  BOOST_TEST(typo.json().at("errors")[0].at("pointer") == "/promise");
  auto bad_type =
      server.http().post("/v1/cases/" + a + "/replies", {{"text", "x"}, {"promise_id", 7}}, li);
  BOOST_TEST(bad_type.status == 422, bad_type.body);
  BOOST_TEST(bad_type.json().at("errors")[0].at("pointer") == "/promise_id");

  // The manager's listing: every case's promises, earliest due first.
  auto all = server.http().get("/v1/promises", manager);
  BOOST_REQUIRE_MESSAGE(all.status == 200, all.body);
  const auto page = all.json();
  BOOST_TEST((listed(page) ==
              std::vector<std::string>{a + "/" + earlier, b + "/" + other, a + "/" + later}));
  const auto& first = page.at("promises")[0];
  BOOST_TEST(first.at("status") == "kept");
  BOOST_TEST(first.at("text") == "十一点前回电");
  BOOST_TEST(first.at("due") == "2026-11-23T03:00:00Z");
  BOOST_TEST(first.at("made_by") == "agent.li");
  BOOST_TEST(first.at("made_at") == "2026-11-23T02:00:00Z");
  BOOST_TEST(first.at("kept_at") == "2026-11-23T02:10:00Z");
  BOOST_TEST(first.at("breached_at").is_null());
  BOOST_TEST(first.at("case_state") == "confirming");
  BOOST_TEST(first.at("team") == "after_sales");
  BOOST_TEST(first.at("assignee") == "agent.li");
  BOOST_TEST(page.at("next_page_token").is_null());

  // The returns promise breaches on its own when its time passes; a's later one stays open.
  server.clock().advance(std::chrono::hours(2));
  BOOST_TEST(server.server().fire_due_timers_now() > 0U);
  const auto ids_for = [&](const std::string& query, const std::string& token) {
    auto got = server.http().get("/v1/promises?" + query, token);
    BOOST_REQUIRE_MESSAGE(got.status == 200, query << ": " << got.body);
    return listed(got.json());
  };
  using Ids = std::vector<std::string>;
  BOOST_TEST((ids_for("status=breached", manager) == Ids{b + "/" + other}));
  BOOST_TEST((ids_for("status=open", manager) == Ids{a + "/" + later}));
  BOOST_TEST((ids_for("status=kept", manager) == Ids{a + "/" + earlier}));
  BOOST_TEST((ids_for("team=returns", manager) == Ids{b + "/" + other}));
  BOOST_TEST((ids_for("assignee=agent.li", manager).size() == 2U));
  BOOST_TEST((ids_for("made_by=agent.sun", manager) == Ids{b + "/" + other}));
  BOOST_TEST((ids_for("due_from=2026-11-23T03:30:00Z&due_to=2026-11-23T06:00:00Z", manager) ==
              Ids{b + "/" + other}));

  // Scope: the team lead and agent of after_sales see theirs only; the returns agent theirs.
  BOOST_TEST((ids_for("", lead) == Ids{a + "/" + earlier, a + "/" + later}));
  BOOST_TEST((ids_for("", li) == Ids{a + "/" + earlier, a + "/" + later}));
  BOOST_TEST((ids_for("", sun) == Ids{b + "/" + other}));
  BOOST_TEST(ids_for("team=returns", li).empty());

  // Pages: the token continues after the last row.
  auto one = server.http().get("/v1/promises?page_size=2", manager).json();
  BOOST_TEST(one.at("promises").size() == 2U);
  const auto token = one.at("next_page_token").get<std::string>();
  BOOST_TEST((ids_for("page_size=2&page_token=" + token, manager) == Ids{a + "/" + later}));

  // Bad filters are refused precisely, never a filter that matches nothing.
  for (const char* bad :
       {"status=late", "stauts=open", "due_from=today", "page_size=0", "page_size=1001",
        "due_from=2026-11-24T00:00:00Z&due_to=2026-11-23T00:00:00Z", "page_token=garbage"}) {
    auto refused = server.http().get(std::string("/v1/promises?") + bad, manager);
    BOOST_TEST(refused.status == 400, bad << ": " << refused.body);
    BOOST_TEST(problem_code(refused) == "INVALID_QUERY", bad);
  }
  BOOST_TEST(server.http().get("/v1/promises").status == 401);

  // Integrations read it with the cases:read scope only.
  const auto crm = server.token_for("crm", "integration", "", {"cases:read"});
  BOOST_TEST(server.http().get("/v1/promises", crm).status == 200);
  const auto webhooks_only = server.token_for("hooks", "integration", "", {"webhooks:manage"});
  BOOST_TEST(server.http().get("/v1/promises", webhooks_only).status == 403);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
