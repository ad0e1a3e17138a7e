// Engine tests: reopening a closed complaint within its window (complaint v3 "reopen", declared
// with "reopen": {"within": "15d calendar"}), and the refusal after it. Fake clock, no sleeps.
// The shared drivers (CaseRun, actors, cases) are in tests/engine/test_support.h.
#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

using namespace redress::testing::engine_cases;

namespace {

// A complaint taken through to closed with a satisfied follow-up.
void to_closed(CaseRun& r) {
  to_negotiating(r);
  r.fire(kAgent, "agree_remedy",
         {{"remedy_summary", "CNY 30 refund"}, {"customer_accepted", true}});
  r.fire(kAgent, "confirm_resolved", {{"resolution_note", "refund issued"}});
  r.run(kAgent, redress::RecordFollowUp{"chat", "reached", 5, ""});
  BOOST_REQUIRE(r.snap().state == "closed");
  BOOST_REQUIRE(r.snap().closed_at.has_value());
}

const json kReopen{{"reopen_reason", "the refund never arrived"}};

}  // namespace

BOOST_AUTO_TEST_SUITE(engine_reopen)

BOOST_AUTO_TEST_CASE(reopen_inside_the_window_returns_the_case_to_negotiate) {
  CaseRun r;
  r.run(kAgent, complaint("C-R1"));
  to_closed(r);
  const auto closed_at = *r.snap().closed_at;
  const auto old_resolution_due = r.snap().sla("resolution")->due;
  BOOST_TEST(r.snap().sla("resolution")->status == "met");
  BOOST_TEST(r.snap().reopen_count == 0);

  // The offer: the reopen transition, its window 15 calendar days from closing.
  const auto offer = r.engine().reopen_offer(r.snap());
  BOOST_REQUIRE(offer.has_value());
  BOOST_TEST(offer->transition->name == "reopen");
  BOOST_TEST(iso(offer->window_ends) == iso(closed_at + hours(24 * 15)));
  // Listed to an agent while the window is open; nothing else is, and not without a time.
  const auto listed = r.engine().available_transitions(r.snap(), kAgent, r.now);
  BOOST_REQUIRE(listed.size() == 1u);
  BOOST_TEST(listed.front()->name == "reopen");
  BOOST_TEST(r.engine().available_transitions(r.snap(), kAgent).empty());

  // Other transitions stay refused on the closed case; the reopen needs its reason.
  BOOST_TEST(outcome(r.attempt(kAgent, FireTransition{"cancel", {{"cancel_reason", "x"}}})) ==
             "CASE_CLOSED");
  const auto no_reason = r.attempt(kAgent, FireTransition{"reopen", json::object()});
  BOOST_TEST(outcome(no_reason) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(no_reason) == "/data/reopen_reason");
  // Integrations do not reopen: it is an agent's conversation with the customer.
  BOOST_TEST(outcome(r.attempt(kIntegration, FireTransition{"reopen", kReopen})) ==
             "ROLE_NOT_PERMITTED");

  r.advance_to(closed_at + hours(24 * 15));  // the last instant of the window
  r.fire(kAgent, "reopen", kReopen);
  BOOST_TEST(r.snap().state == "negotiating");
  BOOST_TEST(r.snap().stage == "negotiate");
  BOOST_TEST(!r.snap().closed_at.has_value());
  BOOST_TEST(!r.snap().is_closed());
  BOOST_TEST(r.snap().reopen_count == 1);
  BOOST_TEST(r.snap().fields.at("reopen_reason") == "the refund never arrived");
  // The resolution clock runs again with a fresh target from now.
  const auto* resolution = r.snap().sla("resolution");
  BOOST_REQUIRE(resolution);
  BOOST_TEST(resolution->status == "running");
  BOOST_TEST(resolution->consumed_ms == 0);
  BOOST_TEST(iso(*resolution->running_since) == iso(r.now));
  BOOST_TEST((resolution->due > old_resolution_due));
  BOOST_TEST(r.snap().timer("sla:resolution:breach") != nullptr);
  BOOST_TEST(r.snap().sla("stage")->stage == "negotiate");
  BOOST_TEST(r.snap().sla("stage")->status == "running");

  // Journaled with the reason and who reopened it; a webhook tells subscribers.
  const auto reopened = std::find_if(r.journal.begin(), r.journal.end(),
                                     [](const Event& e) { return e.type == "case.reopened"; });
  BOOST_REQUIRE(reopened != r.journal.end());
  BOOST_TEST(reopened->data.at("reason") == "the refund never arrived");
  BOOST_TEST(reopened->data.at("by") == kAgent.id);
  BOOST_TEST(reopened->data.at("from") == "closed");
  BOOST_TEST(reopened->actor_id == kAgent.id);
  BOOST_TEST(r.webhook_seen("case.reopened"));
  BOOST_TEST(r.replay_matches());

  // The case goes on as any other, closes again, and a second reopen counts two.
  r.fire(kAgent, "agree_remedy",
         {{"remedy_summary", "refund resent"}, {"customer_accepted", true}});
  r.fire(kAgent, "confirm_resolved", {{"resolution_note", "refund arrived"}});
  r.run(kAgent, redress::RecordFollowUp{"chat", "reached", 5, ""});
  BOOST_TEST(r.snap().is_closed());
  r.advance(hours(1));
  r.fire(kLead, "reopen", {{"reopen_reason", "the wrong colour came back"}});
  BOOST_TEST(r.snap().reopen_count == 2);
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(reopen_after_the_window_is_refused_and_points_to_a_linked_case) {
  CaseRun r;
  r.run(kAgent, complaint("C-R2"));
  to_closed(r);
  const auto closed_at = *r.snap().closed_at;
  r.advance_to(closed_at + hours(24 * 15) + std::chrono::minutes(1));
  const auto refused = r.attempt(kAgent, FireTransition{"reopen", kReopen});
  BOOST_TEST(outcome(refused) == "CASE_CLOSED");
  BOOST_TEST(pointer_of(refused) == "/transition");
  BOOST_REQUIRE(!refused.accepted());
  const auto& problem = refused.rejection().problems.front();
  BOOST_TEST(problem.params.at("reason") == "reopen_window_passed");
  BOOST_TEST(problem.params.at("link_kind") == "reopen_of");
  BOOST_TEST(problem.params.at("window_ends") == iso(closed_at + hours(24 * 15)));
  BOOST_TEST(refused.rejection().message.find("open a new case linked to it") != std::string::npos);
  BOOST_TEST(r.engine().available_transitions(r.snap(), kAgent, r.now).empty());
  BOOST_TEST(r.snap().reopen_count == 0);
}

BOOST_AUTO_TEST_CASE(a_cancelled_case_is_not_reopened) {
  CaseRun r;
  r.run(kAgent, complaint("C-R3"));
  r.fire(kAgent, "withdraw", {{"cancel_reason", "solved by the shop"}});
  BOOST_TEST(r.snap().state == "cancelled");
  BOOST_TEST(!r.engine().reopen_offer(r.snap()).has_value());
  BOOST_TEST(outcome(r.attempt(kAgent, FireTransition{"reopen", kReopen})) == "CASE_CLOSED");
}

BOOST_AUTO_TEST_CASE(an_open_case_cannot_fire_the_reopen) {
  CaseRun r;
  r.run(kAgent, complaint("C-R4"));
  to_negotiating(r);
  BOOST_TEST(!r.engine().reopen_offer(r.snap()).has_value());
  BOOST_TEST(outcome(r.attempt(kAgent, FireTransition{"reopen", kReopen})) ==
             "NOT_ALLOWED_FROM_STATE");
}

BOOST_AUTO_TEST_CASE(a_journal_written_before_reopens_replays_with_no_count) {
  CaseRun r;
  r.run(kAgent, complaint("C-R5"));
  to_closed(r);
  // A snapshot stored before reopen_count existed reads as zero reopens.
  auto stored = redress::snapshot_to_json(r.snap());
  stored.erase("reopen_count");
  const auto read = redress::snapshot_from_json(stored);
  BOOST_REQUIRE(read.ok());
  BOOST_TEST(read.value().reopen_count == 0);
  BOOST_TEST(r.replay_matches());
  // A case.reopened on a case that is not closed is a corrupt journal.
  auto journal = r.journal;
  journal.pop_back();  // back to before the closing transition's last events
  while (!journal.empty() && journal.back().type != "case.transitioned") journal.pop_back();
  journal.pop_back();
  redress::Event bogus{"case.reopened",
                       r.now,
                       kAgent.id,
                       "agent",
                       journal.back().case_version + 1,
                       {{"transition", "reopen"}, {"from", "closed"}, {"reason", ""}}};
  journal.push_back(bogus);
  BOOST_TEST(!redress::replay(journal).ok());
}

BOOST_AUTO_TEST_SUITE_END()
