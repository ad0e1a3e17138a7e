// One paging scheme over HTTP, on every listing: cases, approvals, users, teams, tokens, webhooks
// and a webhook's deliveries. Paging through with small pages gives every row exactly once, in
// the listing's order; a full page at the maximum page_size has a next_page_token whenever more
// rows exist (the stores once clamped the extra row the route asked for); and a listing refuses
// the page tokens of every other listing.
#include <future>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "storage/await.h"
#include "storage/directory_store.h"
#include "storage/webhook_store.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

// A listing as a client sees it.
struct Listing {
  std::string path;  // may carry the listing's own parameters: "/v1/users?team=x"
  std::string items;
  std::string id_member;
  std::string token;  // whose token reads it
};

std::string with_query(const std::string& path, const std::string& query) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") + query;
}

// A row's id as text (deliveries have integer ids).
std::string id_of(const nlohmann::json& row, const std::string& member) {
  const auto& id = row.at(member);
  return id.is_string() ? id.get<std::string>() : id.dump();
}

// Every row of the listing, page by page; each page is at most `page_size` rows and only the
// last one lacks a next_page_token.
std::vector<std::string> page_through(HttpClient& http, const Listing& listing, int page_size) {
  std::vector<std::string> ids;
  std::string token;
  for (int pages = 0;; ++pages) {
    BOOST_REQUIRE_MESSAGE(pages < 1000, listing.path << " never ends");
    auto target = with_query(listing.path, "page_size=" + std::to_string(page_size));
    if (!token.empty()) target += "&page_token=" + token;
    const auto page = http.get(target, listing.token);
    BOOST_REQUIRE_MESSAGE(page.status == 200, target << ": " << page.body);
    const auto body = page.json();
    const auto& rows = body.at(listing.items);
    BOOST_TEST(rows.size() <= static_cast<size_t>(page_size));
    for (const auto& row : rows) ids.push_back(id_of(row, listing.id_member));
    const auto& next = body.at("next_page_token");
    if (next.is_null()) return ids;
    BOOST_REQUIRE(next.is_string());
    // A token is given only when more rows follow: a page before the last one is full.
    BOOST_TEST(rows.size() == static_cast<size_t>(page_size), target);
    token = next.get<std::string>();
  }
}

// A complaint of customer `n` that the engine accepts.
nlohmann::json complaint(int n) {
  nlohmann::json body = {{"workflow_id", "complaint"}, {"team", "after_sales"}};
  body["customer"] = {{"id", "cust-" + std::to_string(n)}};
  body["order"] = {{"id", "TB-" + std::to_string(n)},
                   {"paid", {{"amount", 29900}, {"currency", "CNY"}}}};
  body["fields"] = {{"summary", "cuff seam split"}, {"category", "quality"}};
  body["assignee"] = "agent.li";
  return body;
}

void require_status(const HttpResult& result, int status) {
  BOOST_REQUIRE_MESSAGE(result.status == status, result.status << " " << result.body);
}

// Moves every outbox row into deliveries now (the sender would do it on its next pass).
void dispatch_everything(api::ApiServer& server, Instant now) {
  auto& webhooks = server.webhooks();
  while (webhooks.has_undispatched().value()) {
    const auto dispatched = storage::await_result<storage::DispatchResult>(
        [&](auto done) { webhooks.dispatch(now, 10000, std::move(done)); });
    BOOST_REQUIRE(dispatched.ok());
  }
}

// A webhook subscription to every event at a port nobody listens on: its deliveries stay
// pending, retried on the fake clock that the tests never advance.
void subscribe(TestServer& server, const std::string& id) {
  require_status(server.http().post("/v1/webhooks",
                                    {{"id", id},
                                     {"url", "http://127.0.0.1:9/" + id},
                                     {"event_types", nlohmann::json::array({"*"})}},
                                    server.admin_token()),
                 201);
}

api::ServerConfig many_requests() {
  api::ServerConfig config;
  config.rate_limit_per_second = 0;  // many requests on a clock that stands still
  config.synchronous_full = false;   // durability is not what these tests are about
  return config;
}

// Three rows or more in every listing: with pages of one or two rows, each takes several pages.
std::vector<Listing> three_rows_in_every_listing(TestServer& server) {
  auto& http = server.http();
  const auto& admin = server.admin_token();
  const auto agent = server.token_for("agent.li", "agent");
  const auto lead = server.token_for("lead.wang", "team_lead");
  server.token_for("agent.zhao", "agent");  // a third member of after_sales
  for (const auto* id : {"crm", "erp", "ops"}) subscribe(server, id);
  for (const auto* id : {"billing", "logistics", "returns"}) {
    require_status(http.post("/v1/teams", {{"id", id}, {"name", id}}, admin), 201);
  }
  for (int i = 0; i < 3; ++i) {
    require_status(
        http.post("/v1/tokens", {{"role", "integration"}, {"scopes", all_token_scopes()}}, admin),
        201);
  }
  // Cases waiting for a team lead's approval: three approvals in the team leads' queue.
  for (int i = 0; i < 3; ++i) {
    const auto created = http.post("/v1/cases", complaint(i), agent);
    require_status(created, 201);
    const auto id = created.json().at("case").at("id").get<std::string>();
    for (const auto& [name, data] : std::vector<std::pair<std::string, nlohmann::json>>{
             {"confirm_problem", {{"desired_outcome", "refund"}, {"customer_confirmed", true}}},
             {"complete_analysis", {{"cause", "seam"}, {"fault_party", "supplier"}}}}) {
      require_status(http.post("/v1/cases/" + id + "/transitions",
                               {{"transition", name}, {"data", data}}, agent),
                     200);
    }
    require_status(
        http.post("/v1/cases/" + id + "/compensations",
                  {{"type", "partial_refund"}, {"value", {{"amount", 8000}, {"currency", "CNY"}}}},
                  agent),
        201);
    server.clock().advance(std::chrono::minutes(1));
  }
  dispatch_everything(server.server(), server.clock().now());
  return {{"/v1/cases?open=false", "cases", "id", agent},
          {"/v1/approvals", "approvals", "approval_id", lead},
          {"/v1/users", "users", "id", admin},
          {"/v1/users?team=after_sales", "users", "id", admin},
          {"/v1/teams", "teams", "id", admin},
          {"/v1/tokens", "tokens", "id", admin},
          {"/v1/webhooks", "webhooks", "id", admin},
          {"/v1/webhooks/crm/deliveries", "deliveries", "id", admin},
          {"/v1/webhooks/erp/deliveries", "deliveries", "id", admin}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(paging_api)

BOOST_AUTO_TEST_CASE(small_pages_give_every_row_of_every_listing_exactly_once) {
  TestServer server(many_requests());
  for (const auto& listing : three_rows_in_every_listing(server)) {
    BOOST_TEST_CONTEXT(listing.path) {
      // One page holds them all, in the listing's order; the last page's token is null.
      const auto all = page_through(server.http(), listing, 1000);
      BOOST_TEST(all.size() >= 3u);
      for (const int page_size : {1, 2}) {
        BOOST_TEST(page_through(server.http(), listing, page_size) == all,
                   boost::test_tools::per_element());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_listing_refuses_the_page_tokens_of_every_other_listing) {
  TestServer server(many_requests());
  const auto listings = three_rows_in_every_listing(server);
  std::vector<std::string> tokens;
  for (const auto& listing : listings) {
    const auto first = server.http().get(with_query(listing.path, "page_size=1"), listing.token);
    require_status(first, 200);
    tokens.push_back(first.json().at("next_page_token").get<std::string>());
  }
  for (size_t reader = 0; reader < listings.size(); ++reader) {
    for (size_t maker = 0; maker < listings.size(); ++maker) {
      const auto& listing = listings[reader];
      const auto answer =
          server.http().get(with_query(listing.path, "page_token=" + tokens[maker]), listing.token);
      // A listing with its own parameters (a team's users) is the same listing: the parameters
      // filter, the token says where to resume.
      const bool same = listing.items == listings[maker].items &&
                        (listing.items != "deliveries" || reader == maker);
      BOOST_TEST_CONTEXT(listings[maker].path << "'s token on " << listing.path) {
        if (same) {
          BOOST_TEST(answer.status == 200, answer.body);
          continue;
        }
        BOOST_TEST(answer.status == 400, answer.body);
        const auto problem = answer.json();
        BOOST_TEST(problem.value("code", "") == "INVALID_QUERY");
        BOOST_TEST(problem.at("errors").at(0).at("pointer") == "/query/page_token");
        BOOST_TEST(problem.at("errors").at(0).at("message").get<std::string>().find(
                       "another listing") != std::string::npos);
      }
    }
  }
  // Damaged and re-spelled tokens: 400 naming the parameter, never a 500 or another page.
  const auto& cases = listings.front();
  for (const auto& bad : {tokens.front() + "A", tokens.front().substr(1), tokens.front() + "%3D",
                          std::string("not-a-token"), std::string(2000, 'A')}) {
    const auto answer = server.http().get(with_query(cases.path, "page_token=" + bad), cases.token);
    BOOST_TEST(answer.status == 400, bad << ": " << answer.body);
    BOOST_TEST(answer.json().at("errors").at(0).at("pointer") == "/query/page_token");
  }
}

// The maximum page_size (1000) over 1001 rows and more, on one listing of each store: a full
// page and a next_page_token. /v1/webhooks and a webhook's deliveries answered no token there,
// because their store clamped the route's page + 1 rows to 1000.
BOOST_AUTO_TEST_CASE(the_largest_page_of_every_store_has_a_next_page_token) {
  TestServer server(many_requests());
  auto& api = server.server();
  const auto now = server.clock().now();
  const auto& admin = server.admin_token();
  const auto agent = server.token_for("agent.li", "agent");
  subscribe(server, "crm");
  constexpr int kRows = 1001;
  // Rows in bulk through the stores (one group commit takes many), not one request each.
  std::vector<std::future<Result<storage::Team>>> teams;
  std::vector<std::future<Result<storage::Subscription>>> subscriptions;
  std::vector<std::future<Result<storage::CommandOutcome>>> cases;
  for (int i = 0; i < kRows; ++i) {
    const auto id = "bulk-" + std::to_string(10000 + i);
    auto team = std::make_shared<std::promise<Result<storage::Team>>>();
    teams.push_back(team->get_future());
    api.context().directory.create_team(
        storage::Team{id, id, now, ""},
        [team](Result<storage::Team> created) { team->set_value(std::move(created)); });
    auto subscription = std::make_shared<std::promise<Result<storage::Subscription>>>();
    subscriptions.push_back(subscription->get_future());
    storage::NewSubscription hook;
    hook.id = id;
    hook.url = "http://127.0.0.1:9/" + id;
    hook.event_types = {"case.escalated"};  // none here: only crm receives deliveries
    hook.secret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    api.webhooks().create(std::move(hook), now, [subscription](Result<storage::Subscription> s) {
      subscription->set_value(std::move(s));
    });
    CreateCase create;
    create.workflow_id = "complaint";
    create.customer = {"cust-" + std::to_string(i), "regular", "silver"};
    create.order = {"TB-1", Money{29900, "CNY"}, Money{0, "CNY"}};
    create.team = "after_sales";
    create.fields = {{"summary", "cuff seam split"}, {"category", "quality"}};
    cases.push_back(api.store().submit(
        {"", Command{create, std::nullopt}, Actor{"agent.li", Role::kAgent, "after_sales"}, now}));
  }
  for (auto& team : teams) BOOST_REQUIRE(team.get().ok());
  for (auto& subscription : subscriptions) {
    const auto created = subscription.get();
    BOOST_REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
  }
  for (auto& created : cases) {
    const auto outcome = created.get();
    BOOST_REQUIRE(outcome.ok());
    BOOST_REQUIRE(outcome.value().accepted());
  }
  dispatch_everything(api, now);  // each new case is at least one delivery to crm

  for (const Listing& listing :
       std::vector<Listing>{{"/v1/cases", "cases", "id", agent},
                            {"/v1/teams", "teams", "id", admin},
                            {"/v1/webhooks", "webhooks", "id", admin},
                            {"/v1/webhooks/crm/deliveries", "deliveries", "id", admin}}) {
    BOOST_TEST_CONTEXT(listing.path) {
      const auto first =
          server.http().get(with_query(listing.path, "page_size=1000"), listing.token);
      require_status(first, 200);
      BOOST_TEST(first.json().at(listing.items).size() == 1000u);
      const auto token = first.json().at("next_page_token");
      BOOST_REQUIRE(token.is_string());
      const auto rest = page_through(server.http(), listing, 1000);
      BOOST_TEST(rest.size() > 1000u);
      BOOST_TEST(std::set<std::string>(rest.begin(), rest.end()).size() == rest.size());
    }
  }
  BOOST_TEST(server.http().get("/v1/teams?page_size=1001", admin).status == 400);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
