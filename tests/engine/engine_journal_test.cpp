// Engine tests: Journal truth: replay reproduces the snapshot, timer changes ride on their events,
// old journals with standalone timer events still replay, malformed timer changes are refused. The
// shared drivers (CaseRun, actors, cases) are in tests/engine/test_support.h.
#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

using namespace redress::testing::engine_cases;

BOOST_AUTO_TEST_SUITE(engine_journal)

BOOST_AUTO_TEST_CASE(replay_reproduces_a_busy_case) {
  CaseRun r;
  auto c = complaint("C-60", "high");
  c.customer.segment = "vip";
  r.run(kAgent, c);
  r.run(kIntegration, AddCustomerMessage{"I will post this on weibo, 媒体 will hear"});
  r.run(kAgent, AddComment{"customer angry"});
  r.run(kAgent, RecordPromise{r.now + hours(2), "call back"});
  r.fire(kAgent, "request_customer_info", {{"waiting_reason", "photos"}});
  r.advance(hours(50));  // customer_silent fires (2d calendar)
  r.fire(kIntegration, "customer_provided_info");
  r.fire(kAgent, "confirm_problem", kConfirm);
  r.fire(kAgent, "complete_analysis", kAnalysis);
  r.run(kAgent, ProposeCompensation{"partial_refund", cny(8000), "seam"});
  r.run(kLead, DecideApproval{r.snap().compensations.back().approval_id, true, ""});
  r.run(kAgent, redress::AssignCase{kAgent.id, "", ""});
  r.advance(hours(24 * 5));  // SLA timers fire and escalate
  r.fire(kAgent, "agree_remedy", {{"remedy_summary", "refund"}, {"customer_accepted", true}});
  r.run(kIntegration, MarkCompensationExecuted{r.snap().compensations.back().id, "RF-1"});
  r.fire(kAgent, "confirm_resolved", {{"resolution_note", "refunded"}});
  r.advance(hours(24 * 8));
  BOOST_TEST(r.snap().state == "closed");
  BOOST_TEST(r.snap().escalation_level == "manager");
  BOOST_TEST(r.replay_matches());
  // Versions advance by one per accepted command, and the journal carries them in order.
  std::int64_t last = 0;
  bool ordered = true;
  for (const auto& e : r.journal) {
    if (e.case_version < last || e.case_version > last + 1) ordered = false;
    last = e.case_version;
  }
  BOOST_TEST(ordered);
  BOOST_TEST(last == r.snap().version);
  // A prefix of the journal replays to an earlier, valid state.
  std::vector<Event> prefix;
  for (const auto& e : r.journal) {
    if (e.case_version <= 3) prefix.push_back(e);
  }
  const auto early = redress::replay(prefix);
  BOOST_REQUIRE(early.ok());
  BOOST_TEST(early.value().version == 3);
}

BOOST_AUTO_TEST_CASE(timer_changes_ride_on_the_event_that_caused_them) {
  CaseRun r;
  r.run(kAgent, complaint("C-61"));
  r.fire(kAgent, "request_customer_info", {{"waiting_reason", "photos"}});
  // Each paused clock's event cancels that clock's two timers; nothing else is journalled for
  // them (before: a timer.cancelled event per timer, 12 events for this transition).
  std::vector<std::string> types;
  for (const auto& e : last_decision_events(r)) {
    types.push_back(e.type);
    if (e.type != "sla.paused" && e.type != "sla.met") continue;
    const auto clock = e.data.at("clock").get<std::string>();
    const json expected = json::array(
        {{{"cancel", "sla:" + clock + ":warning"}}, {{"cancel", "sla:" + clock + ":breach"}}});
    if (clock == "stage") {
      // The last event of the decision also carries the entered state's timer.
      BOOST_REQUIRE(e.data.at("timer_changes").size() == 3u);
      BOOST_TEST(e.data.at("timer_changes").at(2).at("set") == "timer:customer_silent");
      BOOST_TEST(e.data.at("timer_changes").at(0) == expected.at(0));
      BOOST_TEST(e.data.at("timer_changes").at(1) == expected.at(1));
    } else {
      BOOST_TEST(e.data.at("timer_changes") == expected);
    }
  }
  const std::vector<std::string> expected_types{"case.fields_set", "case.transitioned", "sla.met",
                                                "sla.paused", "sla.paused"};
  BOOST_TEST(types == expected_types, boost::test_tools::per_element());

  r.now += hours(3);
  r.fire(kIntegration, "customer_provided_info");
  types.clear();
  for (const auto& e : last_decision_events(r)) {
    types.push_back(e.type);
    if (e.type == "case.transitioned") {
      BOOST_TEST(e.data.at("timer_changes") ==
                 json::array({{{"cancel", "timer:customer_silent"}}}));
    }
    if (e.type != "sla.resumed") continue;
    const auto clock = e.data.at("clock").get<std::string>();
    const auto& changes = e.data.at("timer_changes");
    BOOST_REQUIRE(changes.size() == 2u);
    BOOST_TEST(changes.at(0).at("set") == "sla:" + clock + ":warning");
    BOOST_TEST(changes.at(0).at("due") == e.data.at("warn_at"));
    BOOST_TEST(changes.at(1).at("set") == "sla:" + clock + ":breach");
    BOOST_TEST(changes.at(1).at("due") == e.data.at("due"));
  }
  const std::vector<std::string> resumed_types{"case.transitioned", "sla.resumed", "sla.resumed"};
  BOOST_TEST(types == resumed_types, boost::test_tools::per_element());
  BOOST_TEST(r.replay_matches());
}

// Journals written before timer changes were folded into events hold standalone timer.set and
// timer.cancelled events after the event that caused them. They must replay to the same case.
BOOST_AUTO_TEST_CASE(journals_with_standalone_timer_events_still_replay) {
  CaseRun r;
  r.run(kAgent, complaint("C-62", "high"));
  r.run(kAgent, RecordPromise{r.now + hours(2), "call back"});
  r.fire(kAgent, "request_customer_info", {{"waiting_reason", "photos"}});
  r.advance(hours(50));
  r.fire(kIntegration, "customer_provided_info");
  r.fire(kAgent, "confirm_problem", kConfirm);
  r.advance(hours(24 * 5));
  r.fire(kAgent, "complete_analysis", kAnalysis);

  std::vector<Event> unfolded;
  for (const auto& e : r.journal) {
    Event plain = e;
    plain.data.erase("timer_changes");
    unfolded.push_back(plain);
    if (!e.data.contains("timer_changes")) continue;
    for (const auto& change : e.data.at("timer_changes")) {
      Event standalone = e;
      if (change.contains("set")) {
        standalone.type = "timer.set";
        standalone.data = {
            {"key", change.at("set")}, {"name", change.at("name")}, {"due", change.at("due")}};
      } else {
        standalone.type = "timer.cancelled";
        standalone.data = {{"key", change.at("cancel")}};
      }
      unfolded.push_back(standalone);
    }
  }
  BOOST_TEST(unfolded.size() > r.journal.size() + 10);
  const auto replayed = redress::replay(unfolded);
  BOOST_REQUIRE_MESSAGE(replayed.ok(), (replayed.ok() ? "" : replayed.error().message));
  BOOST_TEST(redress::snapshot_to_json(replayed.value()) == redress::snapshot_to_json(r.snap()));
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(a_malformed_timer_change_is_a_bad_event) {
  CaseRun r;
  r.run(kAgent, complaint("C-63"));
  const Event base{"comment.added", r.now, kAgent.id, "agent", 2, {{"text", "x"}}};
  const std::vector<std::pair<json, std::string>> bad{
      {json::array({{{"cancel", "timer:nope"}}}), "no pending timer timer:nope"},
      {json::object(), "not an array"},
      {json::array({{{"postpone", "sla:stage:breach"}}}), "neither a set nor a cancel"},
      {json::array({{{"set", "timer:x"}, {"name", "x"}}}), "malformed timer change"},
  };
  for (const auto& [changes, why] : bad) {
    auto snapshot = r.snap();
    Event e = base;
    e.data["timer_changes"] = changes;
    const auto status = redress::apply_event(snapshot, e);
    BOOST_REQUIRE(!status.ok());
    BOOST_TEST(status.error().code == redress::ErrorCode::kBadEvent);
    BOOST_TEST(status.error().message.find(why) != std::string::npos, status.error().message);
  }
  // The same event with a valid change applies it after its own effect.
  auto snapshot = r.snap();
  Event ok = base;
  ok.data["timer_changes"] = json::array({{{"cancel", "sla:stage:warning"}}});
  BOOST_REQUIRE(redress::apply_event(snapshot, ok).ok());
  BOOST_TEST(!snapshot.timer("sla:stage:warning"));
  BOOST_TEST(snapshot.timer("sla:stage:breach") != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
