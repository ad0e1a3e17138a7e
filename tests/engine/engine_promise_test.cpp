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

namespace {

const redress::Promise& promise_of(const CaseRun& r, const std::string& id) {
  for (const auto& p : r.snap().promises) {
    if (p.id == id) return p;
  }
  BOOST_FAIL("no promise " << id);
  throw std::logic_error("unreachable");
}

// The ids of the promises the last decision's promise.kept events name.
std::vector<std::string> kept_by_last(const CaseRun& r) {
  std::vector<std::string> ids;
  for (const auto& e : last_decision_events(r)) {
    if (e.type == "promise.kept") ids.push_back(e.data.at("id").get<std::string>());
  }
  return ids;
}

}  // namespace

// Two promises, two replies: each reply keeps one promise, the earliest due first, and cancels
// that promise's breach timer only.
BOOST_AUTO_TEST_CASE(each_reply_keeps_one_promise_earliest_due_first) {
  CaseRun r;
  r.run(kAgent, complaint("C-51"));
  const auto made_at = r.now;
  // Recorded later-due first, so "earliest due" is not "recorded first".
  r.run(kAgent, RecordPromise{r.now + hours(3), "the warehouse will call back"});
  const auto later = r.snap().promises.back().id;
  r.run(kAgent, RecordPromise{r.now + hours(1), "we will reply within the hour"});
  const auto earlier = r.snap().promises.back().id;
  BOOST_TEST(iso(promise_of(r, later).made_at) == iso(made_at));

  r.now += minutes(20);
  const auto first_reply_at = r.now;
  r.run(kAgent, RecordReply{"the refund is on its way"});
  BOOST_TEST(kept_by_last(r) == std::vector<std::string>{earlier},
             boost::test_tools::per_element());
  BOOST_TEST(promise_of(r, earlier).status == "kept");
  BOOST_REQUIRE(promise_of(r, earlier).kept_at.has_value());
  BOOST_TEST(iso(*promise_of(r, earlier).kept_at) == iso(first_reply_at));
  BOOST_TEST(promise_of(r, later).status == "open");
  BOOST_TEST(!promise_of(r, later).kept_at.has_value());
  BOOST_TEST(cancels(r.last_effects, "promise:" + earlier));
  BOOST_TEST(!cancels(r.last_effects, "promise:" + later));
  BOOST_TEST(!r.snap().timer("promise:" + earlier));
  BOOST_TEST(r.snap().timer("promise:" + later) != nullptr);

  r.now += minutes(20);
  r.run(kAgent, RecordReply{"the warehouse has your parcel"});
  BOOST_TEST(kept_by_last(r) == std::vector<std::string>{later}, boost::test_tools::per_element());
  BOOST_TEST(promise_of(r, later).status == "kept");
  BOOST_TEST(!r.snap().timer("promise:" + later));

  // A third reply has nothing left to keep: it is a reply and nothing more.
  r.now += minutes(5);
  r.run(kAgent, RecordReply{"anything else?"});
  BOOST_TEST(kept_by_last(r).empty());
  r.advance(hours(5));
  BOOST_TEST(promise_of(r, earlier).status == "kept");
  BOOST_TEST(promise_of(r, later).status == "kept");
  BOOST_TEST(!r.webhook_seen("case.promise_breached"));
  BOOST_TEST(r.replay_matches());
}

// A reply that names the later promise keeps that one; the earlier one, still open, breaches on
// its own when its time passes, and escalates as a promise breach.
BOOST_AUTO_TEST_CASE(a_reply_naming_the_later_promise_leaves_the_earlier_to_breach) {
  CaseRun r;
  r.run(kAgent, complaint("C-52"));
  const auto earlier_due = r.now + hours(1);
  r.run(kAgent, RecordPromise{earlier_due, "we will reply within the hour"});
  const auto earlier = r.snap().promises.back().id;
  r.run(kAgent, RecordPromise{r.now + hours(4), "the courier will collect the parcel"});
  const auto later = r.snap().promises.back().id;

  r.now += minutes(10);
  r.run(kAgent, RecordReply{"the courier comes tomorrow at ten", later});
  BOOST_TEST(kept_by_last(r) == std::vector<std::string>{later}, boost::test_tools::per_element());
  BOOST_TEST(promise_of(r, later).status == "kept");
  BOOST_TEST(promise_of(r, earlier).status == "open");
  BOOST_TEST(r.snap().timer("promise:" + earlier) != nullptr);

  r.advance_to(earlier_due - Millis(1));
  BOOST_TEST(promise_of(r, earlier).status == "open");
  r.advance_to(earlier_due + minutes(1));
  BOOST_TEST(promise_of(r, earlier).status == "breached");
  BOOST_REQUIRE(promise_of(r, earlier).breached_at.has_value());
  BOOST_TEST(iso(*promise_of(r, earlier).breached_at) == iso(earlier_due));
  BOOST_TEST(promise_of(r, later).status == "kept");
  const auto* hook = find_webhook(r.last_effects, "case.promise_breached");
  BOOST_REQUIRE(hook);
  BOOST_TEST(hook->data.at("promise_id") == earlier);
  BOOST_TEST(r.snap().escalations.back().rule_id == "promise_breach");

  // A breached promise cannot be kept any more, nor an unknown one.
  r.now += minutes(1);
  const auto breached = r.attempt(kAgent, RecordReply{"sorry for the wait", earlier});
  BOOST_TEST(outcome(breached) == "INVALID_STATE");
  BOOST_TEST(breached.rejection().message == "promise " + earlier + " is already breached");
  BOOST_REQUIRE(breached.rejection().problems.size() == 1u);
  BOOST_TEST(breached.rejection().problems.front().pointer == "/promise_id");
  const auto unknown = r.attempt(kAgent, RecordReply{"sorry", "prm-999"});
  BOOST_TEST(outcome(unknown) == "NOT_FOUND");
  BOOST_TEST(unknown.rejection().message == "case C-52 has no promise 'prm-999'");
  const auto kept_again = r.attempt(kAgent, RecordReply{"again", later});
  BOOST_TEST(outcome(kept_again) == "INVALID_STATE");
  BOOST_TEST(r.replay_matches());
}

// A promise whose time has passed but whose timer has not fired yet cannot be kept by naming it,
// and a reply naming none passes over it to the next one due.
BOOST_AUTO_TEST_CASE(an_overdue_promise_is_not_kept_by_a_late_reply) {
  CaseRun r;
  r.run(kAgent, complaint("C-53"));
  r.run(kAgent, RecordPromise{r.now + hours(1), "within the hour"});
  const auto overdue = r.snap().promises.back().id;
  r.run(kAgent, RecordPromise{r.now + hours(2), "within two hours"});
  const auto next = r.snap().promises.back().id;
  r.now += minutes(61);  // the timer has not fired: no advance_to
  const auto late = r.attempt(kAgent, RecordReply{"late", overdue});
  BOOST_TEST(outcome(late) == "INVALID_STATE");
  BOOST_TEST(late.rejection().problems.front().params.at("status") == "overdue");
  r.run(kAgent, RecordReply{"here it is"});
  BOOST_TEST(kept_by_last(r) == std::vector<std::string>{next}, boost::test_tools::per_element());
  BOOST_TEST(promise_of(r, overdue).status == "open");
  r.advance(minutes(1));
  BOOST_TEST(promise_of(r, overdue).status == "breached");
  BOOST_TEST(r.replay_matches());
}

// Journals written when one reply kept every open promise hold, after the reply, one
// promise.kept per promise (each cancelling its own timer). They replay to that case: every
// promise kept at the reply's time.
BOOST_AUTO_TEST_CASE(an_old_journal_where_one_reply_kept_every_promise_still_replays) {
  CaseRun r;
  r.run(kAgent, complaint("C-54"));
  r.run(kAgent, RecordPromise{r.now + hours(1), "within the hour"});
  const auto first = r.snap().promises.back().id;
  r.run(kAgent, RecordPromise{r.now + hours(2), "within two hours"});
  const auto second = r.snap().promises.back().id;
  r.now += minutes(30);
  r.run(kAgent, RecordReply{"both answered"});
  BOOST_TEST(kept_by_last(r) == std::vector<std::string>{first}, boost::test_tools::per_element());

  // The old engine's journal: the same reply, then promise.kept for the second promise too.
  auto old_journal = r.journal;
  const Event& kept_first = old_journal.back();
  BOOST_REQUIRE(kept_first.type == "promise.kept");
  Event kept_second = kept_first;
  kept_second.data = {
      {"id", second},
      {"timer_changes", json::array({redress::timer_cancel_change("promise:" + second)})}};
  old_journal.push_back(kept_second);

  const auto replayed = redress::replay(old_journal);
  BOOST_REQUIRE_MESSAGE(replayed.ok(), (replayed.ok() ? "" : replayed.error().message));
  const auto& snap = replayed.value();
  BOOST_REQUIRE(snap.promises.size() == 2u);
  for (const auto& p : snap.promises) {
    BOOST_TEST(p.status == "kept");
    BOOST_REQUIRE(p.kept_at.has_value());
    BOOST_TEST(iso(*p.kept_at) == iso(r.now));
    BOOST_TEST(!snap.timer("promise:" + p.id));
  }
  BOOST_TEST(snap.version == r.snap().version);
  // Replaying it twice gives the same snapshot (nothing depends on when it is replayed).
  BOOST_TEST(redress::snapshot_to_json(redress::replay(old_journal).value()) ==
             redress::snapshot_to_json(snap));
}

BOOST_AUTO_TEST_SUITE_END()
