// seed_demo (redress seed-demo) on a real server's fresh database: the people and tokens it
// prints authenticate with their roles, the cases are spread over the workflow's stages with the
// promised variety, and a second run is refused without writing anything.
#include <map>
#include <set>
#include <string>

#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "api/server/demo_seed.h"
#include "storage/directory_store.h"
#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

std::int64_t require_count(storage::CaseStore& store) {
  auto count = store.count_cases();
  BOOST_REQUIRE(count.ok());
  return count.value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(demo_seed)

BOOST_AUTO_TEST_CASE(seeds_people_whose_tokens_work_and_a_dozen_varied_cases_once) {
  TestServer server;
  auto& store = server.server().store();
  storage::DirectoryStore directory(store);
  auto seeded = api::seed_demo(store, directory, server.clock().now());
  BOOST_REQUIRE_MESSAGE(seeded.ok(), (seeded.ok() ? "" : seeded.error().message));
  const auto& report = seeded.value();

  // Two agents, one of every other role, an integration token: each authenticates as itself.
  std::multiset<std::string> roles;
  for (const auto& c : report.credentials) {
    roles.insert(role_name(c.role));
    auto me = server.http().get("/v1/me", c.token);
    BOOST_TEST_CONTEXT(c.user_id + " " + role_name(c.role)) {
      BOOST_REQUIRE_MESSAGE(me.status == 200, me.body);
      BOOST_TEST(me.json().at("role") == role_name(c.role));
      BOOST_TEST(me.json().at("token").at("id") == c.token_id);
      if (c.user_id.empty()) {
        BOOST_TEST(me.json().at("user").is_null());
      } else {
        BOOST_TEST(me.json().at("user").at("id") == c.user_id);
      }
    }
  }
  BOOST_TEST((roles == std::multiset<std::string>{"agent", "agent", "team_lead", "supervisor",
                                                  "manager", "admin", "integration"}));
  auto team = server.http().get("/v1/teams/after_sales", server.admin_token());
  BOOST_TEST(team.status == 200);

  // About a dozen cases over all five stages and closed, assigned and in the queue.
  BOOST_TEST(report.cases.size() == 12u);
  BOOST_TEST(require_count(store) == 12);
  std::set<std::string> stages;
  std::map<std::string, int> by_assignee;
  int escalated = 0;
  std::set<std::string> severities;
  for (const auto& c : report.cases) {
    auto snapshot = store.load_case(c.id);
    BOOST_REQUIRE(snapshot.ok());
    BOOST_REQUIRE(snapshot.value().has_value());
    const auto& s = *snapshot.value();
    BOOST_TEST(s.state == c.state);
    stages.insert(s.stage);
    severities.insert(s.severity);
    ++by_assignee[s.assignee];
    if (s.escalation_level != "agent") ++escalated;
    // Escalated by its agent; a critical case is escalated by the policy at creation too.
    if (c.summary.find("one-star review") != std::string::npos) {
      BOOST_TEST(s.escalation_level == "supervisor");
    }
  }
  BOOST_TEST((stages == std::set<std::string>{"confirm", "analyse", "negotiate", "resolve",
                                              "follow_up", "closed"}));
  BOOST_TEST((severities == std::set<std::string>{"low", "normal", "high", "critical"}));
  BOOST_TEST(by_assignee["agent.li"] > 0);
  BOOST_TEST(by_assignee["agent.wang"] > 0);
  BOOST_TEST(by_assignee[""] > 0);
  BOOST_TEST(escalated >= 1);
  // One proposal above an agent's authority waits for a team lead.
  auto pending = store.pending_approvals("team_lead", 100);
  BOOST_REQUIRE(pending.ok());
  BOOST_REQUIRE_EQUAL(pending.value().size(), 1u);
  BOOST_TEST(pending.value().front().required_role == "team_lead");

  // A second run refuses and writes nothing.
  auto again = api::seed_demo(store, directory, server.clock().now());
  BOOST_REQUIRE(!again.ok());
  BOOST_TEST(again.error().code_name() == std::string("INVALID_STATE"));
  BOOST_TEST(again.error().message.find("already holds 12 cases") != std::string::npos);
  BOOST_TEST(require_count(store) == 12);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
