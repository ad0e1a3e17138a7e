// The case API end to end: a real server on an ephemeral port, real HTTP, a fresh database.
#include <set>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

using boost::beast::http::verb;

nlohmann::json new_complaint(const std::string& assignee) {
  nlohmann::json body = {
      {"workflow_id", "complaint"},
      {"severity", "normal"},
      {"customer", {{"id", "cust-88"}, {"segment", "regular"}, {"tier", "gold"}}},
      {"order",
       {{"id", fresh_order_id("TB-20261120")}, {"paid", {{"amount", 29900}, {"currency", "CNY"}}}}},
      {"team", "after_sales"},
      {"fields",
       {{"summary", "收到的羽绒服袖口开线 (the down jacket's cuff seam is split)"},
        {"category", "quality"}}}};
  if (!assignee.empty()) body["assignee"] = assignee;
  return body;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cases_api)

// A proposal taken back by its proposer leaves the approver's queue at once, and so does one left
// pending on a case that closes: nothing stays in a queue to answer CASE_CLOSED.
BOOST_AUTO_TEST_CASE(withdrawn_and_closed_proposals_leave_the_approval_queue) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto other_agent = server.token_for("agent.zhao", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  const auto propose = [&](const std::string& case_id) {
    auto proposed = server.http().post("/v1/cases/" + case_id + "/compensations",
                                       {{"type", "coupon"},
                                        {"value", {{"amount", 6000}, {"currency", "CNY"}}},
                                        {"note", "bigger coupon"}},
                                       agent);
    BOOST_REQUIRE_MESSAGE(proposed.status == 201, proposed.body);
    return proposed.json().at("case").at("compensations").back().at("id").get<std::string>();
  };
  const auto open_case = [&] {
    auto created = server.http().post("/v1/cases", new_complaint("agent.li"), agent);
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    return created.json().at("case").at("id").get<std::string>();
  };
  const auto queue_size = [&] {
    return server.http().get("/v1/approvals", lead).json().at("approvals").size();
  };

  const auto first = open_case();
  const auto compensation_id = propose(first);
  BOOST_TEST(queue_size() == 1U);
  const auto withdrawal =
      "/v1/cases/" + first + "/compensations/" + compensation_id + "/withdrawal";
  auto foreign = server.http().post(withdrawal, nlohmann::json::object(), other_agent);
  BOOST_TEST(foreign.status == 403);
  BOOST_TEST(problem_code(foreign) == "FORBIDDEN");
  auto typo = server.http().post(withdrawal, {{"reson", "x"}}, agent);
  BOOST_TEST(typo.status == 422, typo.body);
  BOOST_TEST(problem_code(typo) == "VALIDATION_FAILED");
  auto withdrawn =
      server.http().post(withdrawal, {{"reason", "customer chose an exchange"}}, agent);
  BOOST_REQUIRE_MESSAGE(withdrawn.status == 200, withdrawn.body);
  BOOST_TEST(withdrawn.json().at("case").at("compensations").back().at("status") == "withdrawn");
  BOOST_TEST(queue_size() == 0U);
  auto again = server.http().post(withdrawal, nlohmann::json::object(), agent);
  BOOST_TEST(again.status == 409, again.body);
  BOOST_TEST(problem_code(again) == "INVALID_STATE");

  const auto second = open_case();
  propose(second);
  BOOST_TEST(queue_size() == 1U);
  fire(server, agent, second, "withdraw", {{"cancel_reason", "the customer withdrew"}});
  BOOST_TEST(queue_size() == 0U);
  const auto closed = server.http().get("/v1/cases/" + second, lead).json();
  BOOST_TEST(closed.at("approvals").back().at("status") == "cancelled");
}

BOOST_AUTO_TEST_CASE(a_complaint_walks_through_all_five_stages_over_http) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  const auto finance = server.token_for("finance-system", "integration", "");

  auto created = server.http().post("/v1/cases", new_complaint("agent.li"), agent);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const auto case_id = created.json().at("case").at("id").get<std::string>();
  BOOST_TEST(created.header("location") == "/v1/cases/" + case_id);
  BOOST_TEST(created.header("etag") == "\"1\"");
  BOOST_TEST(created.json().at("case").at("stage") == "confirm");

  server.clock().advance(std::chrono::minutes(20));
  auto reply = server.http().post("/v1/cases/" + case_id + "/replies",
                                  {{"text", "非常抱歉给您带来不便，我们马上为您核实。"}}, agent);
  BOOST_REQUIRE_MESSAGE(reply.status == 200, reply.body);

  // The transitions the agent may fire now include confirm_problem.
  auto available = server.http().get("/v1/cases/" + case_id + "/transitions", agent);
  BOOST_REQUIRE_EQUAL(available.status, 200);
  bool has_confirm = false;
  const auto transitions = available.json().at("transitions");
  for (const auto& t : transitions) has_confirm |= t.at("name") == "confirm_problem";
  BOOST_TEST(has_confirm, available.body);

  fire(server, agent, case_id, "confirm_problem",
       {{"desired_outcome", "partial refund, keep the jacket"}, {"customer_confirmed", true}});
  server.clock().advance(std::chrono::hours(1));
  auto analysed = fire(server, agent, case_id, "complete_analysis",
                       {{"cause", "seam not locked at the factory"}, {"fault_party", "supplier"}});
  BOOST_TEST(analysed.at("case").at("stage") == "negotiate");

  auto remedies = server.http().get("/v1/cases/" + case_id + "/remedies", agent);
  BOOST_REQUIRE_EQUAL(remedies.status, 200);
  BOOST_TEST(!remedies.json().at("remedies").empty());

  // Above the agent's authority: an approval is requested instead of a grant.
  auto proposed = server.http().post("/v1/cases/" + case_id + "/compensations",
                                     {{"type", "partial_refund"},
                                      {"value", {{"amount", 8000}, {"currency", "CNY"}}},
                                      {"note", "seam defect"}},
                                     agent);
  BOOST_REQUIRE_MESSAGE(proposed.status == 201, proposed.body);
  const auto approvals = proposed.json().at("approvals_requested");
  BOOST_REQUIRE_EQUAL(approvals.size(), 1U);
  const auto approval_id = approvals[0].at("approval_id").get<std::string>();
  BOOST_TEST(approvals[0].at("required_role") == "team_lead");

  // Offering before approval is refused; the proposer may not approve their own proposal
  // (agents are not approvers at all: 403 from the route's role check).
  auto early = server.http().post(
      "/v1/cases/" + case_id + "/transitions",
      {{"transition", "offer_remedy"}, {"data", {{"remedy_summary", "CNY 80 refund"}}}}, agent);
  BOOST_TEST(early.status >= 400);
  BOOST_TEST(early.status < 500);
  auto self = server.http().post("/v1/cases/" + case_id + "/approvals/" + approval_id,
                                 {{"decision", "approve"}}, agent);
  BOOST_TEST(self.status == 403);

  // A decision with If-Match is refused when the case moved since the lead looked at it.
  const auto seen = server.http().get("/v1/cases/" + case_id, lead).header("etag");
  BOOST_REQUIRE_EQUAL(
      server.http()
          .post("/v1/cases/" + case_id + "/comments", {{"text", "customer called"}}, agent)
          .status,
      200);
  auto stale = server.http().post("/v1/cases/" + case_id + "/approvals/" + approval_id,
                                  {{"decision", "approve"}}, lead, {{"If-Match", seen}});
  BOOST_TEST(stale.status == 412, stale.body);
  BOOST_TEST(stale.json().value("code", "") == "VERSION_CONFLICT");
  auto stale_proposal =
      server.http().post("/v1/cases/" + case_id + "/compensations",
                         {{"type", "coupon"}, {"value", {{"amount", 500}, {"currency", "CNY"}}}},
                         agent, {{"If-Match", seen}});
  BOOST_TEST(stale_proposal.status == 412, stale_proposal.body);

  // The lead's queue shows it; the lead approves (If-Match with the current version).
  auto queue = server.http().get("/v1/approvals", lead);
  BOOST_REQUIRE_EQUAL(queue.status, 200);
  BOOST_REQUIRE_EQUAL(queue.json().at("approvals").size(), 1U);
  BOOST_TEST(queue.json().at("approvals")[0].at("approval_id") == approval_id);
  auto approved = server.http().post(
      "/v1/cases/" + case_id + "/approvals/" + approval_id,
      {{"decision", "approve"}, {"reason", "supplier fault, fair amount"}}, lead,
      {{"If-Match", server.http().get("/v1/cases/" + case_id, lead).header("etag")}});
  BOOST_REQUIRE_MESSAGE(approved.status == 200, approved.body);
  BOOST_TEST(server.http().get("/v1/approvals", lead).json().at("approvals").empty());

  fire(server, agent, case_id, "offer_remedy",
       {{"remedy_summary", "CNY 80 refund, keep the jacket"}});
  server.clock().advance(std::chrono::hours(3));
  auto accepted = fire(server, finance, case_id, "customer_accepts");
  BOOST_TEST(accepted.at("case").at("stage") == "resolve");
  const auto compensation_id =
      accepted.at("case").at("compensations").back().at("id").get<std::string>();
  auto executed = server.http().post(
      "/v1/cases/" + case_id + "/compensations/" + compensation_id + "/execution",
      {{"reference", "RF-778812"}}, finance);
  BOOST_REQUIRE_MESSAGE(executed.status == 200, executed.body);
  auto resolved = fire(server, agent, case_id, "confirm_resolved",
                       {{"resolution_note", "refund RF-778812 received"}});
  BOOST_TEST(resolved.at("case").at("stage") == "follow_up");
  server.clock().advance(std::chrono::hours(54));
  // The follow-up is recorded as an attempt with the customer's satisfaction; firing
  // follow_up_satisfied by name skips the CSAT and is refused.
  auto by_name =
      server.http().post("/v1/cases/" + case_id + "/transitions",
                         {{"transition", "follow_up_satisfied"},
                          {"data", {{"follow_up_channel", "chat"}, {"satisfied", true}}}},
                         agent);
  BOOST_TEST(by_name.status == 409, by_name.body);
  BOOST_TEST(by_name.json().at("code") == "FOLLOW_UP_ATTEMPT_REQUIRED");
  BOOST_TEST(by_name.json().at("errors")[0].at("pointer") == "/transition");
  auto offered = server.http().get("/v1/cases/" + case_id + "/transitions", agent);
  BOOST_REQUIRE_EQUAL(offered.status, 200);
  BOOST_TEST(offered.body.find("follow_up_satisfied") == std::string::npos, offered.body);
  auto closed =
      server.http().post("/v1/cases/" + case_id + "/follow-ups",
                         {{"channel", "chat"}, {"outcome", "reached"}, {"csat", 5}}, agent);
  BOOST_REQUIRE_MESSAGE(closed.status == 200, closed.body);
  BOOST_TEST(closed.json().at("case").at("closed_at").is_string());

  // The journal over HTTP, in order, with global and per-case sequences.
  auto events = server.http().get("/v1/cases/" + case_id + "/events?page_size=1000", agent);
  BOOST_REQUIRE_EQUAL(events.status, 200);
  std::int64_t previous = 0;
  const auto journal = events.json().at("events");
  for (const auto& e : journal) {
    BOOST_TEST(e.at("case_seq").get<std::int64_t>() == previous + 1);
    previous = e.at("case_seq").get<std::int64_t>();
  }
  BOOST_TEST(previous > 20, events.body.substr(0, 300));
}

BOOST_AUTO_TEST_CASE(if_match_guards_concurrent_edits) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  auto created = server.http().post("/v1/cases", new_complaint("agent.li"), agent);
  BOOST_REQUIRE_EQUAL(created.status, 201);
  const auto id = created.json().at("case").at("id").get<std::string>();
  const auto etag = created.header("etag");

  // PATCH without If-Match: 428; with a stale one: 412 and nothing written.
  auto missing = server.http().patch("/v1/cases/" + id, {{"fields", {{"summary", "x"}}}}, agent);
  BOOST_TEST(missing.status == 428);
  auto first = server.http().patch("/v1/cases/" + id, {{"fields", {{"summary", "first edit"}}}},
                                   agent, {{"If-Match", etag}});
  BOOST_REQUIRE_MESSAGE(first.status == 200, first.body);
  auto stale = server.http().patch("/v1/cases/" + id, {{"fields", {{"summary", "second edit"}}}},
                                   agent, {{"If-Match", etag}});
  BOOST_TEST(stale.status == 412);
  BOOST_TEST(stale.json().at("code") == "VERSION_CONFLICT");
  auto now = server.http().get("/v1/cases/" + id, agent);
  BOOST_TEST(now.json().at("fields").at("summary") == "first edit");
  BOOST_TEST(now.header("etag") == first.header("etag"));
  auto malformed = server.http().patch("/v1/cases/" + id, {{"fields", {{"summary", "x"}}}}, agent,
                                       {{"If-Match", "7"}});
  BOOST_TEST(malformed.status == 400);
  // If-None-Match with the current ETag: 304.
  auto cached = server.http().request(verb::get, "/v1/cases/" + id, "", agent,
                                      {{"If-None-Match", now.header("etag")}});
  BOOST_TEST(cached.status == 304);
}

BOOST_AUTO_TEST_CASE(idempotency_key_replays_and_refuses_reuse) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const std::map<std::string, std::string> key{{"Idempotency-Key", "create-7f3a"}};
  const auto complaint = new_complaint("agent.li");  // one body: each call has an order of its own
  auto first = server.http().post("/v1/cases", complaint, agent, key);
  BOOST_REQUIRE_EQUAL(first.status, 201);
  auto again = server.http().post("/v1/cases", complaint, agent, key);
  BOOST_TEST(again.status == 201);
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(again.header("idempotent-replayed") == "true");
  auto other = complaint;
  other["severity"] = "high";
  auto reused = server.http().post("/v1/cases", other, agent, key);
  BOOST_TEST(reused.status == 422);
  BOOST_TEST(reused.json().at("code") == "IDEMPOTENCY_KEY_REUSED");
  // Exactly one case exists.
  auto listed = server.http().get("/v1/cases?customer=cust-88", agent);
  BOOST_TEST(listed.json().at("cases").size() == 1U);
  // The replay survives a restart (it is in the database, not in memory).
  server.restart();
  auto after_restart = server.http().post("/v1/cases", complaint, agent, key);
  BOOST_TEST(after_restart.status == 201);
  BOOST_TEST(after_restart.body == first.body);
}

BOOST_AUTO_TEST_CASE(a_proposed_compensation_has_a_location_to_read_it_back) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  const auto integration = server.token_for("finance-system", "integration", "");
  const auto& admin = server.admin_token();
  auto& http = server.http();
  auto created = http.post("/v1/cases", new_complaint("agent.li"), agent);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const auto case_id = created.json().at("case").at("id").get<std::string>();
  const auto collection = "/v1/cases/" + case_id + "/compensations";
  fire(server, agent, case_id, "confirm_problem",
       {{"desired_outcome", "refund"}, {"customer_confirmed", true}});
  fire(server, agent, case_id, "complete_analysis",
       {{"cause", "seam"}, {"fault_party", "supplier"}});

  auto none = http.get(collection, agent);
  BOOST_REQUIRE_MESSAGE(none.status == 200, none.body);
  const auto none_body = none.json();
  BOOST_TEST(none_body.at("case_id") == case_id);
  BOOST_TEST(none_body.at("compensations").empty());

  // Above the agent's authority: pending. The 201 names the new compensation.
  const nlohmann::json refund = {{"type", "partial_refund"},
                                 {"value", {{"amount", 8000}, {"currency", "CNY"}}},
                                 {"note", "seam defect"}};
  const std::map<std::string, std::string> key{{"Idempotency-Key", "propose-refund-1"}};
  auto proposed = http.post(collection, refund, agent, key);
  BOOST_REQUIRE_MESSAGE(proposed.status == 201, proposed.body);
  const auto proposed_body = proposed.json();
  const auto record = proposed_body.at("case").at("compensations").back();
  const auto compensation_id = record.at("id").get<std::string>();
  const auto location = proposed.header("location");
  BOOST_TEST(location == collection + "/" + compensation_id);

  // Following it returns the record exactly as the case holds it.
  auto followed = http.get(location, agent);
  BOOST_REQUIRE_MESSAGE(followed.status == 200, followed.body);
  BOOST_TEST(followed.header("content-type") == "application/json");
  const auto followed_body = followed.json();
  BOOST_TEST((followed_body == record), followed.body);
  BOOST_TEST(followed_body.at("status") == "pending");
  BOOST_TEST(followed_body.at("required_role") == "team_lead");
  BOOST_TEST(followed_body.at("value") == refund.at("value"));

  // A retry with the same Idempotency-Key replays the answer, Location included.
  auto replayed = http.post(collection, refund, agent, key);
  BOOST_TEST(replayed.status == 201);
  BOOST_TEST(replayed.header("idempotent-replayed") == "true");
  BOOST_TEST(replayed.header("location") == location);
  BOOST_TEST(replayed.body == proposed.body);

  // Within the agent's authority: approved at once, with a Location of its own.
  auto coupon = http.post(
      collection, {{"type", "coupon"}, {"value", {{"amount", 500}, {"currency", "CNY"}}}}, agent);
  BOOST_REQUIRE_MESSAGE(coupon.status == 201, coupon.body);
  const auto coupon_location = coupon.header("location");
  BOOST_TEST(coupon_location.rfind(collection + "/", 0) == 0u, coupon_location);
  BOOST_TEST(coupon_location != location);
  auto coupon_read = http.get(coupon_location, agent);
  BOOST_REQUIRE_MESSAGE(coupon_read.status == 200, coupon_read.body);
  BOOST_TEST(coupon_read.json().at("status") == "approved");
  BOOST_TEST(coupon_read.json().at("type") == "coupon");

  // The same roles as reading the case: admins and integrations read it too; they may not
  // propose (the ladder only), and nobody reads without a token.
  for (const auto* token : {&agent, &lead, &integration, &admin}) {
    BOOST_TEST(http.get(location, *token).status == 200);
    BOOST_TEST(http.get(collection, *token).status == 200);
    BOOST_TEST(http.get("/v1/cases/" + case_id, *token).status == 200);
  }
  for (const auto* token : {&integration, &admin}) {
    auto refused = http.post(collection, refund, *token);
    BOOST_TEST(refused.status == 403, refused.body);
    BOOST_TEST(refused.json().at("code") == "ROLE_NOT_PERMITTED");  // the engine's role table
  }
  BOOST_TEST(http.get(location).status == 401);
  BOOST_TEST(http.get(collection).status == 401);

  // The record follows the case: approved by the lead, it reads approved.
  const auto approval_id = record.at("approval_id").get<std::string>();
  auto approved = http.post("/v1/cases/" + case_id + "/approvals/" + approval_id,
                            {{"decision", "approve"}, {"reason", "supplier fault"}}, lead);
  BOOST_REQUIRE_MESSAGE(approved.status == 200, approved.body);
  auto after = http.get(location, agent);
  const auto after_body = after.json();
  BOOST_TEST(after_body.at("status") == "approved");
  BOOST_TEST(after_body.at("decided_by") == "lead.wang");

  // The collection lists what the case holds, in order.
  auto listed = http.get(collection, agent);
  BOOST_REQUIRE_EQUAL(listed.status, 200);
  const auto listed_body = listed.json();
  const auto case_body = http.get("/v1/cases/" + case_id, agent).json();
  BOOST_TEST((listed_body.at("compensations") == case_body.at("compensations")), listed.body);
  BOOST_TEST(listed_body.at("compensations").size() == 2u);

  // Unknown compensation or case: 404 problems that say what is missing.
  auto unknown = http.get(collection + "/cmp-999", agent);
  BOOST_TEST(unknown.status == 404);
  BOOST_TEST(unknown.header("content-type") == "application/problem+json");
  const auto unknown_body = unknown.json();
  BOOST_TEST(unknown_body.at("code") == "NOT_FOUND");
  const auto detail = unknown_body.at("detail").get<std::string>();
  BOOST_TEST(detail.find("cmp-999") != std::string::npos, detail);
  BOOST_TEST(detail.find(compensation_id) != std::string::npos, detail);  // names what exists
  auto no_case = http.get("/v1/cases/C-999/compensations/" + compensation_id, agent);
  BOOST_TEST(no_case.status == 404);
  BOOST_TEST(no_case.json().at("code") == "NOT_FOUND");
  BOOST_TEST(no_case.json().at("detail").get<std::string>().find("C-999") != std::string::npos);
  BOOST_TEST(http.get("/v1/cases/C-999/compensations", agent).status == 404);
  BOOST_TEST(http.get(location + "?verbose=1", agent).status == 400);
}

BOOST_AUTO_TEST_CASE(listing_filters_paginates_and_searches) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    auto body = new_complaint(i % 2 ? "agent.li" : "");
    body["customer"]["id"] = "cust-" + std::to_string(i);
    body["fields"]["summary"] = i == 3 ? "拉链坏了 zipper broke on day one" : "sleeve seam split";
    auto r = server.http().post("/v1/cases", body, agent);
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    ids.push_back(r.json().at("case").at("id").get<std::string>());
  }
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = server.http().get(
        "/v1/cases?team=after_sales&page_size=3" + (token.empty() ? "" : "&page_token=" + token),
        agent);
    BOOST_REQUIRE_EQUAL(page.status, 200);
    const auto body = page.json();
    for (const auto& c : body.at("cases"))
      BOOST_TEST(seen.insert(c.at("id").get<std::string>()).second);
    token =
        body.at("next_page_token").is_string() ? body.at("next_page_token").get<std::string>() : "";
    ++pages;
  } while (!token.empty());
  BOOST_TEST(seen.size() == 7U);
  BOOST_TEST(pages == 3);

  auto unassigned = server.http().get("/v1/cases?team=after_sales&unassigned=true", agent);
  BOOST_TEST(unassigned.json().at("cases").size() == 4U);
  auto search = server.http().get("/v1/cases?q=%E6%8B%89%E9%93%BE%E5%9D%8F", agent);  // 拉链坏
  BOOST_REQUIRE_EQUAL(search.status, 200);
  BOOST_REQUIRE_EQUAL(search.json().at("cases").size(), 1U);
  BOOST_TEST(search.json().at("cases")[0].at("id") == ids[3]);
  auto zipper = server.http().get("/v1/cases?q=ZIPPER", agent);
  BOOST_TEST(zipper.json().at("cases").size() == 1U);
  // One and two characters are searched too (schema v6): 拉链 and 坏 stand only in case 3.
  auto two_characters = server.http().get("/v1/cases?q=%E6%8B%89%E9%93%BE", agent);  // 拉链
  BOOST_REQUIRE_EQUAL(two_characters.status, 200);
  BOOST_REQUIRE_EQUAL(two_characters.json().at("cases").size(), 1U);
  BOOST_TEST(two_characters.json().at("cases")[0].at("id") == ids[3]);
  auto one_character = server.http().get("/v1/cases?q=%E5%9D%8F", agent);  // 坏
  BOOST_REQUIRE_EQUAL(one_character.status, 200);
  BOOST_REQUIRE_EQUAL(one_character.json().at("cases").size(), 1U);
  BOOST_TEST(one_character.json().at("cases")[0].at("id") == ids[3]);
  // A Latin word's beginning, even of one letter: "s" begins sleeve, seam and split.
  BOOST_TEST(server.http().get("/v1/cases?q=s", agent).json().at("cases").size() == 6U);
  BOOST_TEST(server.http().get("/v1/cases?q=ab", agent).json().at("cases").empty());
  // An empty q is refused as before.
  auto empty_query = server.http().get("/v1/cases?q=", agent);
  BOOST_TEST(empty_query.status == 400);
  BOOST_TEST(empty_query.json().at("errors")[0].at("pointer") == "/query/q");
  auto typo = server.http().get("/v1/cases?stat=open", agent);
  BOOST_TEST(typo.status == 400);
  BOOST_TEST(typo.json().at("errors")[0].at("pointer") == "/query/stat");
  auto bad_token = server.http().get("/v1/cases?page_token=!!", agent);
  BOOST_TEST(bad_token.status == 400);
}

// page_size=1000 is the documented maximum. The listing asks the store for one row more than
// the page (to tell whether another follows); the store refused 1001 and every listing answered
// 500. Each filter below matches all 1001 cases, so each page is full and has a successor.
BOOST_AUTO_TEST_CASE(every_case_listing_answers_the_maximum_page_size) {
  api::ServerConfig config;
  config.synchronous_full = false;  // 1001 writes; durability is not what this test is about
  config.rate_limit_burst = 10000;  // the fake clock stands still: the bucket never refills
  TestServer server(config);
  const auto agent = server.token_for("agent.li", "agent");
  constexpr int kCases = 1001;
  std::string state;
  for (int i = 0; i < kCases; ++i) {
    auto r = server.http().post("/v1/cases", new_complaint(""), agent);
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    state = r.json().at("case").at("state").get<std::string>();
  }
  for (const std::string& filter : std::vector<std::string>{
           "", "open=false&", "team=after_sales&", "state=" + state + "&", "stage=confirm&",
           "severity=normal&", "category=quality&", "customer=cust-88&", "unassigned=true&",
           "sla_due_before=2030-01-01T00:00:00Z&", "q=seam&"}) {
    BOOST_TEST_CONTEXT(filter) {
      const auto first = server.http().get("/v1/cases?" + filter + "page_size=1000", agent);
      BOOST_REQUIRE_MESSAGE(first.status == 200, first.body);
      BOOST_TEST(first.json().at("cases").size() == 1000u);
      const auto token = first.json().at("next_page_token");
      BOOST_REQUIRE(token.is_string());
      const auto second = server.http().get(
          "/v1/cases?" + filter + "page_size=1000&page_token=" + token.get<std::string>(), agent);
      BOOST_REQUIRE_MESSAGE(second.status == 200, second.body);
      BOOST_TEST(second.json().at("cases").size() == 1u);
      BOOST_TEST(second.json().at("next_page_token").is_null());
    }
  }
  // Filters that match nothing answer 200 with no token at the maximum too.
  const auto none = server.http().get("/v1/cases?escalated=true&page_size=1000", agent);
  BOOST_REQUIRE_MESSAGE(none.status == 200, none.body);
  BOOST_TEST(none.json().at("next_page_token").is_null());
  BOOST_TEST(server.http().get("/v1/cases?page_size=1001", agent).status == 400);
}

BOOST_AUTO_TEST_CASE(the_approval_queue_pages_oldest_first) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  std::vector<std::string> requested;  // approval ids, in the order they were requested
  for (int i = 0; i < 3; ++i) {
    auto created = server.http().post("/v1/cases", new_complaint("agent.li"), agent);
    BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
    const auto case_id = created.json().at("case").at("id").get<std::string>();
    fire(server, agent, case_id, "confirm_problem",
         {{"desired_outcome", "refund"}, {"customer_confirmed", true}});
    fire(server, agent, case_id, "complete_analysis",
         {{"cause", "seam"}, {"fault_party", "supplier"}});
    auto proposed = server.http().post(
        "/v1/cases/" + case_id + "/compensations",
        {{"type", "partial_refund"}, {"value", {{"amount", 8000}, {"currency", "CNY"}}}}, agent);
    BOOST_REQUIRE_MESSAGE(proposed.status == 201, proposed.body);
    requested.push_back(
        proposed.json().at("approvals_requested").at(0).at("approval_id").get<std::string>());
    server.clock().advance(std::chrono::minutes(1));
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = server.http().get(
        "/v1/approvals?page_size=2" + (token.empty() ? "" : "&page_token=" + token), lead);
    BOOST_REQUIRE_MESSAGE(page.status == 200, page.body);
    const auto body = page.json();
    for (const auto& a : body.at("approvals"))
      seen.push_back(a.at("approval_id").get<std::string>());
    token =
        body.at("next_page_token").is_null() ? "" : body.at("next_page_token").get<std::string>();
    ++pages;
  } while (!token.empty() && pages < 5);
  BOOST_TEST(pages == 2);
  BOOST_TEST(seen == requested, boost::test_tools::per_element());
  auto bad = server.http().get("/v1/approvals?page_token=not-a-token", lead);
  BOOST_TEST(bad.status == 400);
  BOOST_TEST(bad.json().value("code", "") == "INVALID_QUERY");
}

BOOST_AUTO_TEST_CASE(bad_input_gets_a_precise_4xx_never_a_500) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  auto& http = server.http();
  struct Case {
    std::string name;
    verb method;
    std::string target;
    std::string body;
    std::map<std::string, std::string> headers;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"malformed JSON", verb::post, "/v1/cases", "{\"workflow_id\": ", {}, 400, "MALFORMED_JSON"},
      {"not an object", verb::post, "/v1/cases", "[1,2]", {}, 422, "VALIDATION_FAILED"},
      // Found by the request fuzzer: copying a value nested this deep overflowed the stack.
      {"nested too deeply",
       verb::post,
       "/v1/cases",
       R"({"workflow_id":"complaint","customer":{"id":"c"},"fields":{"x":)" +
           std::string(200000, '[') + std::string(200000, ']') + "}}",
       {},
       400,
       "MALFORMED_JSON"},
      // Found by the request fuzzer: nlohmann's out_of_range escaped as a 500.
      {"number beyond double's range",
       verb::post,
       "/v1/cases/C-1/comments",
       R"({"text": 1e400})",
       {},
       400,
       "MALFORMED_JSON"},
      {"invalid UTF-8",
       verb::post,
       "/v1/cases",
       "{\"workflow_id\": \"\xff\xfe\"}",
       {},
       400,
       "INVALID_UTF8"},
      {"unknown field",
       verb::post,
       "/v1/cases",
       R"({"workflow_id":"complaint","customer":{"id":"c"},"colour":"red"})",
       {},
       422,
       "VALIDATION_FAILED"},
      {"wrong type",
       verb::post,
       "/v1/cases",
       R"({"workflow_id":7,"customer":{"id":"c"}})",
       {},
       422,
       "VALIDATION_FAILED"},
      {"missing field",
       verb::post,
       "/v1/cases",
       R"({"workflow_id":"complaint"})",
       {},
       422,
       "VALIDATION_FAILED"},
      {"float money",
       verb::post,
       "/v1/cases",
       R"({"workflow_id":"complaint","customer":{"id":"c"},"order":{"id":"o","paid":{"amount":12.5,"currency":"CNY"}}})",
       {},
       422,
       "VALIDATION_FAILED"},
      {"unknown workflow",
       verb::post,
       "/v1/cases",
       R"({"workflow_id":"nope","customer":{"id":"c"}})",
       {},
       422,
       "UNKNOWN_WORKFLOW"},
      {"unknown route", verb::get, "/v1/cases/C-1/nothing", "", {}, 404, "ROUTE_NOT_FOUND"},
      {"wrong method", verb::delete_, "/v1/cases", "", {}, 405, "METHOD_NOT_ALLOWED"},
      {"unknown case", verb::get, "/v1/cases/C-999999", "", {}, 404, "NOT_FOUND"},
      {"wrong media type",
       verb::post,
       "/v1/cases",
       "workflow_id=complaint",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       415,
       "UNSUPPORTED_MEDIA_TYPE"},
      {"bad percent-encoding", verb::get, "/v1/cases/%zz", "", {}, 400, "BAD_REQUEST"},
      {"unknown transition",
       verb::post,
       "/v1/cases/C-1/transitions",
       R"({"transition":"fly"})",
       {},
       404,
       "NOT_FOUND"},
  };
  for (const auto& c : cases) {
    auto r = http.request(c.method, c.target, c.body, agent, c.headers);
    BOOST_TEST_CONTEXT(c.name << ": " << r.status << " " << r.body) {
      BOOST_TEST(r.status == c.status);
      BOOST_TEST(r.header("content-type") == "application/problem+json");
      auto body = r.json();
      BOOST_TEST(body.value("code", "") == c.code);
      BOOST_TEST(body.value("status", 0) == c.status);
      BOOST_TEST(!body.value("detail", "").empty());
    }
  }
  // The same limit guards definition validation, whose documents are walked recursively.
  const auto admin = server.admin_token();
  auto deep_definition = http.request(
      verb::post, "/v1/workflows/validate",
      R"({"documents":[)" + std::string(100000, '[') + std::string(100000, ']') + "]}", admin);
  BOOST_TEST(deep_definition.status == 400, deep_definition.body);
  BOOST_TEST(deep_definition.json().value("detail", "").find("nested more than 64 levels") !=
             std::string::npos);
  // Oversized body: 413 (and the connection is closed, which the client handles).
  const std::string huge(server.config().body_limit + 10, 'x');
  auto big = http.request(verb::post, "/v1/cases", huge, agent);
  BOOST_TEST(big.status == 413);
  BOOST_TEST(big.json().at("code") == "BODY_TOO_LARGE");
  // The server still serves afterwards.
  BOOST_TEST(http.get("/healthz").status == 200);
}

// A body far over the limit, sent whole before reading: the server answers 413 after the head
// and closes lingeringly, so the client's write completes and the answer is not destroyed by a
// connection reset (it was, in most runs on a loaded machine, before the lingering close).
BOOST_AUTO_TEST_CASE(a_body_far_over_the_limit_is_answered_413_never_reset) {
  TestServer server;
  auto& http = server.http();
  const std::string huge(16 * 1024 * 1024, 'x');
  for (int round = 0; round < 3; ++round) {
    auto big = http.request(verb::post, "/v1/cases", huge, server.admin_token());
    BOOST_TEST(big.status == 413, "round " << round);
    BOOST_TEST(big.json().value("code", "") == "BODY_TOO_LARGE");
    BOOST_TEST(big.header("connection") == "close");
  }
  BOOST_TEST(http.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(authentication_and_roles) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  const auto integration = server.token_for("orders-system", "integration", "");
  auto& http = server.http();
  BOOST_TEST(http.get("/v1/cases").status == 401);
  BOOST_TEST(http.get("/v1/cases").header("www-authenticate").find("Bearer") == 0U);
  BOOST_TEST(http.get("/v1/cases", "rdr_" + std::string(43, 'A')).status == 401);
  BOOST_TEST(http.get("/v1/cases", "not-a-token").status == 401);
  BOOST_TEST(http.get("/v1/cases", agent).status == 200);
  // Admin-only and approver-only routes.
  BOOST_TEST(http.get("/v1/approvals", agent).status == 403);
  BOOST_TEST(http.get("/v1/approvals", integration).status == 403);
  BOOST_TEST(http.get("/metrics", agent).status == 403);
  BOOST_TEST(http.get("/metrics", server.admin_token()).status == 200);
  // Admins manage the system but do not work cases.
  BOOST_TEST(http.post("/v1/cases", new_complaint(""), server.admin_token()).status == 403);
  // The workflow's own role rules: an integration may not confirm a problem.
  auto created = http.post("/v1/cases", new_complaint("agent.li"), integration);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const auto id = created.json().at("case").at("id").get<std::string>();
  auto refused =
      http.post("/v1/cases/" + id + "/transitions",
                {{"transition", "confirm_problem"},
                 {"data", {{"desired_outcome", "refund"}, {"customer_confirmed", true}}}},
                integration);
  BOOST_TEST(refused.status == 403);
  BOOST_TEST(refused.json().at("code") == "ROLE_NOT_PERMITTED");
}

BOOST_AUTO_TEST_CASE(sla_timers_fire_when_the_clock_advances_and_after_a_restart) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  auto created = server.http().post("/v1/cases", new_complaint("agent.li"), agent);
  BOOST_REQUIRE_EQUAL(created.status, 201);
  const auto id = created.json().at("case").at("id").get<std::string>();
  // Nothing is due yet.
  BOOST_TEST(server.server().fire_due_timers_now() == 0U);
  // Two days later every first-response and stage clock has passed its warning and breach.
  server.clock().advance(std::chrono::hours(48));
  BOOST_TEST(server.server().fire_due_timers_now() > 0U);
  auto journal = server.http().get("/v1/cases/" + id + "/events?page_size=1000", agent).json();
  bool breached = false;
  for (const auto& e : journal.at("events")) breached |= e.at("type") == "timer.fired";
  BOOST_TEST(breached);

  // Overdue timers fire at start-up: advance while the server is down, then start it again.
  auto second = server.http().post("/v1/cases", new_complaint("agent.li"), agent);
  const auto second_id = second.json().at("case").at("id").get<std::string>();
  server.stop();
  server.clock().advance(std::chrono::hours(48));
  server.start_server();
  auto after = server.http().get("/v1/cases/" + second_id + "/events?page_size=1000", agent).json();
  int fired = 0;
  for (const auto& e : after.at("events")) fired += e.at("type") == "timer.fired";
  BOOST_TEST(fired > 0);
}

BOOST_AUTO_TEST_CASE(metrics_health_and_readiness) {
  TestServer server;
  const auto agent = server.token_for("agent.li", "agent");
  BOOST_REQUIRE_EQUAL(server.http().post("/v1/cases", new_complaint("agent.li"), agent).status,
                      201);
  server.http().get("/v1/cases/C-404", agent);
  auto health = server.http().get("/healthz");
  BOOST_TEST(health.status == 200);
  auto ready = server.http().get("/readyz");
  BOOST_TEST(ready.status == 200);
  BOOST_TEST(ready.json().at("database_writable") == true);
  BOOST_TEST(ready.json().at("schema_current") == true);
  auto metrics = server.http().get("/metrics", server.admin_token());
  BOOST_REQUIRE_EQUAL(metrics.status, 200);
  for (const char* expected :
       {"redress_http_requests_total{method=\"POST\",route=\"/v1/cases\",status=\"201\"} 1",
        "redress_http_requests_total{method=\"GET\",route=\"/v1/cases/{id}\",status=\"404\"} 1",
        "redress_http_request_duration_seconds_bucket{le=\"+Inf\",method=\"POST\",route=\"/v1/"
        "cases\"} 1",
        "redress_open_cases{state=\"confirming\"} 1", "# TYPE redress_pending_approvals gauge",
        "# TYPE redress_webhook_queue_depth gauge", "redress_websocket_connections 0",
        "# TYPE redress_sla_breaches_total counter", "# TYPE redress_escalations_total counter"}) {
    BOOST_TEST(metrics.body.find(expected) != std::string::npos, expected);
  }
  // The access log and metrics never carry a token.
  BOOST_TEST(metrics.body.find("rdr_") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
