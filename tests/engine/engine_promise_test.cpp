// Engine tests: Promises to the customer: kept, and breached when their timer fires.
// The shared drivers (CaseRun, actors, cases) are in tests/engine/test_support.h.
#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

using namespace redress::testing::engine_cases;

BOOST_AUTO_TEST_SUITE(engine_promise)

BOOST_AUTO_TEST_CASE(promises_kept_and_breached) {
  CaseRun r;
  r.run(kAgent, complaint("C-50"));
  BOOST_TEST(outcome(r.attempt(kAgent, RecordPromise{r.now - minutes(1), "yesterday"})) ==
             "INVALID_FIELD");
  BOOST_TEST(outcome(r.attempt(kAgent, RecordPromise{r.now + hours(1), ""})) == "MISSING_FIELD");
  BOOST_TEST(outcome(r.attempt(kIntegration, RecordPromise{r.now + hours(1), "x"})) ==
             "ROLE_NOT_PERMITTED");

  const auto first_due = r.now + hours(1);
  const auto d = r.run(kAgent, RecordPromise{first_due, "we will reply within the hour"});
  BOOST_REQUIRE(r.snap().promises.size() == 1u);
  const auto first = r.snap().promises.front();
  BOOST_TEST(first.status == "open");
  BOOST_TEST(first.made_by == kAgent.id);
  BOOST_REQUIRE(r.snap().timer("promise:" + first.id));
  BOOST_TEST(iso(r.snap().timer("promise:" + first.id)->due) == iso(first_due));
  BOOST_REQUIRE(find_timer_set(d.result().effects, "promise:" + first.id));

  r.now += minutes(30);
  r.run(kAgent, RecordReply{"here is the answer"});
  BOOST_TEST(r.snap().promises.front().status == "kept");
  BOOST_TEST(!r.snap().timer("promise:" + first.id));
  BOOST_TEST(cancels(r.last_effects, "promise:" + first.id));
  BOOST_TEST(r.snap().sla("first_response")->status == "met");

  const auto second_due = r.now + hours(1);
  r.run(kAgent, RecordPromise{second_due, "the warehouse will call back"});
  const auto second = r.snap().promises.back();
  r.advance_to(second_due - Millis(1));
  BOOST_TEST(r.snap().promises.back().status == "open");
  r.advance_to(second_due + minutes(1));
  BOOST_TEST(r.snap().promises.back().status == "breached");
  BOOST_TEST(r.journal.back().type != "");
  const auto* hook = find_webhook(r.last_effects, "case.promise_breached");
  BOOST_REQUIRE(hook);
  BOOST_TEST(hook->data.at("promise_id") == second.id);
  BOOST_TEST(hook->data.at("due") == iso(second_due));
  // promise_breach policy: one level up, priority high.
  BOOST_TEST(r.snap().escalation_level == "team_lead");
  BOOST_TEST(r.snap().priority == "high");
  BOOST_TEST(r.snap().escalations.back().rule_id == "promise_breach");
  BOOST_TEST(r.snap().promises.front().status == "kept");
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_SUITE_END()
