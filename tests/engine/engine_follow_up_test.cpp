// Engine tests: follow-up visits (回访) under complaint version 3's follow-up policy
// (workflows/follow_up.json): the follow-up falls in the next call window (across lunch, a
// weekend, a holiday, onto a make-up day), attempts not reached are retried at the next window
// until the last one closes the case as not reached, a reached customer's satisfaction (CSAT)
// closes it or sends it back to negotiation, and a phone attempt outside the windows is flagged
// or refused by policy. All on the fake clock.
#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

using namespace redress::testing::engine_cases;
using redress::RecordFollowUp;
using redress::testing::has_problem;

namespace {

// A complaint opened at `opened` and carried to resolving.
void to_resolving(CaseRun& r) {
  r.run(kAgent, complaint("C-FU"));
  to_negotiating(r);
  r.fire(kAgent, "agree_remedy",
         {{"remedy_summary", "CNY 30 partial refund"}, {"customer_accepted", true}});
  BOOST_REQUIRE(r.snap().state == "resolving");
}

// The follow-up due after the remedy is confirmed at `resolved_at`.
Instant follow_up_due_after(const char* opened, const char* resolved_at) {
  CaseRun r(shipped(), at(opened));
  to_resolving(r);
  r.now = at(resolved_at);
  r.fire(kAgent, "confirm_resolved", {{"resolution_note", "refund issued"}});
  BOOST_REQUIRE(r.snap().state == "following_up");
  BOOST_REQUIRE(r.snap().follow_up_due.has_value());
  BOOST_TEST(r.snap().workflow_version == 3);
  BOOST_TEST(iso(r.snap().timer("follow_up")->due) == iso(*r.snap().follow_up_due));
  BOOST_TEST(r.replay_matches());
  return *r.snap().follow_up_due;
}

RecordFollowUp attempt(const char* channel, const char* outcome,
                       std::optional<std::int64_t> csat = std::nullopt, std::string comment = {}) {
  return RecordFollowUp{channel, outcome, csat, std::move(comment)};
}

// A case in following_up whose first follow-up is due Wednesday 2026-11-25 14:00.
void to_following_up(CaseRun& r) {
  to_resolving(r);
  r.now = at("2026-11-23T11:40:00+08:00");
  r.fire(kAgent, "confirm_resolved", {{"resolution_note", "refund issued"}});
  BOOST_REQUIRE(r.snap().state == "following_up");
}

const redress::Event* last_event(const CaseRun& r, const std::string& type) {
  for (auto it = r.journal.rbegin(); it != r.journal.rend(); ++it) {
    if (it->type == type) return &*it;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(engine_follow_up)

// Two days after Monday 11:40 is Wednesday 11:40, in the lunch break of the call windows
// (11:30-14:00): the call is due when the afternoon window opens.
BOOST_AUTO_TEST_CASE(follow_up_scheduled_across_lunch) {
  BOOST_TEST(iso(follow_up_due_after("2026-11-23T09:05:00+08:00", "2026-11-23T11:40:00+08:00")) ==
             "2026-11-25T06:00:00Z");  // Wednesday 14:00 in Shanghai
}

// Thursday 16:30 + 2 days is Saturday: no calls at weekends, so Monday 09:00.
BOOST_AUTO_TEST_CASE(follow_up_scheduled_over_a_weekend) {
  BOOST_TEST(iso(follow_up_due_after("2026-11-26T09:05:00+08:00", "2026-11-26T16:30:00+08:00")) ==
             "2026-11-30T01:00:00Z");  // Monday 09:00
}

// Tuesday 29 September + 2 days is 1 October, National Day (1-7 October): the first window
// after it is Thursday 8 October 09:00. Thursday 8 October + 2 days is Saturday 10 October, a
// make-up working day (调休) with Monday's windows: 10:00 is inside one.
BOOST_AUTO_TEST_CASE(follow_up_scheduled_over_a_holiday_and_onto_a_makeup_day) {
  BOOST_TEST(iso(follow_up_due_after("2026-09-29T09:05:00+08:00", "2026-09-29T10:00:00+08:00")) ==
             "2026-10-08T01:00:00Z");
  BOOST_TEST(iso(follow_up_due_after("2026-10-08T09:05:00+08:00", "2026-10-08T10:00:00+08:00")) ==
             "2026-10-10T02:00:00Z");
}

// Not reached: the next attempt is due the policy's retry delay (2 h) later, at the next window
// of the channel tried; the third unreached attempt closes the case as not reached, apart from
// a completed follow-up (closed) and an expiry (follow_up_expired).
BOOST_AUTO_TEST_CASE(not_reached_is_retried_then_closed_as_not_reached) {
  CaseRun r;
  to_following_up(r);
  r.advance_to(at("2026-11-25T14:00:00+08:00"));
  BOOST_TEST(r.webhook_seen("case.follow_up_due"));

  r.run(kAgent, attempt("phone", "not_reached", std::nullopt, "no answer"));
  BOOST_TEST(r.snap().state == "following_up");
  BOOST_TEST(r.snap().follow_up_unreached == 1);
  BOOST_TEST(iso(*r.snap().follow_up_due) == "2026-11-25T08:00:00Z");  // 16:00, same window
  BOOST_TEST(iso(r.snap().timer("follow_up")->due) == iso(*r.snap().follow_up_due));
  BOOST_TEST(r.webhook_seen("case.follow_up_attempted"));

  r.advance_to(at("2026-11-25T16:00:00+08:00"));
  r.run(kAgent, attempt("phone", "not_reached"));
  // 18:00 is after the last window: Thursday 09:00.
  BOOST_TEST(iso(*r.snap().follow_up_due) == "2026-11-26T01:00:00Z");
  BOOST_TEST(last_event(r, "follow_up.scheduled")->data.at("attempt") == 3);

  r.advance_to(at("2026-11-26T09:00:00+08:00"));
  r.run(kAgent, attempt("chat", "not_reached", std::nullopt, "no reply in chat either"));
  BOOST_TEST(r.snap().state == "closed_not_reached");
  BOOST_TEST(r.snap().is_closed());
  BOOST_TEST(r.transitions_fired.count("follow_up_not_reached") == 1u);
  BOOST_TEST(r.transitions_fired.count("follow_up_expired") == 0u);
  BOOST_TEST(r.webhook_seen("case.follow_up_not_reached"));
  BOOST_TEST(r.snap().timers.empty());
  BOOST_TEST(r.snap().follow_up_attempts.size() == 3u);
  BOOST_TEST(r.snap().follow_up_attempts[2].channel == "chat");
  BOOST_TEST(r.snap().fields.at("follow_up_note") == "no reply in chat either");
  BOOST_TEST(r.replay_matches());
}

// A chat attempt not reached is retried at the next working hour of the chat calendar
// (cn_office: 09:00-12:00, 13:30-18:00), not the call windows.
BOOST_AUTO_TEST_CASE(chat_retry_falls_in_working_hours) {
  CaseRun r;
  to_following_up(r);
  r.now = at("2026-11-25T11:00:00+08:00");
  r.run(kAgent, attempt("chat", "not_reached"));
  // 13:00 is lunch; the chat hours open again at 13:30 (a call would wait for 14:00).
  BOOST_TEST(iso(*r.snap().follow_up_due) == "2026-11-25T05:30:00Z");
  BOOST_TEST(r.replay_matches());
}

// The outcomes are the policy's, from the attempt's CSAT: none of them can be fired by name, not
// even by a team lead (a case closed "satisfied" with no CSAT on record, or "not reached" before
// the last attempt), and none is offered among the transitions a person may fire.
BOOST_AUTO_TEST_CASE(outcomes_are_not_fired_by_hand) {
  CaseRun r;
  to_following_up(r);
  const auto satisfied = r.attempt(
      kAgent,
      FireTransition{"follow_up_satisfied", {{"follow_up_channel", "phone"}, {"satisfied", true}}});
  BOOST_TEST(outcome(satisfied) == "FOLLOW_UP_ATTEMPT_REQUIRED");
  BOOST_TEST(satisfied.rejection().message.find("/follow-ups") != std::string::npos);
  BOOST_TEST((pointers_of(satisfied) == std::vector<std::string>{"/transition"}));
  BOOST_TEST(satisfied.rejection().problems.at(0).params.at("policy") == "default");
  BOOST_TEST(outcome(r.attempt(kLead, FireTransition{"follow_up_unsatisfied",
                                                     {{"follow_up_channel", "chat"},
                                                      {"satisfied", false},
                                                      {"follow_up_note", "still broken"}}})) ==
             "FOLLOW_UP_ATTEMPT_REQUIRED");
  BOOST_TEST(outcome(r.attempt(kLead, FireTransition{"follow_up_not_reached",
                                                     {{"follow_up_channel", "phone"}}})) ==
             "FOLLOW_UP_ATTEMPT_REQUIRED");
  BOOST_TEST(r.snap().state == "following_up");
  for (const auto& who : {kAgent, kLead}) {
    for (const auto* t : r.engine().available_transitions(r.snap(), who, r.now)) {
      BOOST_TEST(!redress::is_follow_up_outcome("default", t->name), t->name);
    }
  }
  // What is offered there still is: a team lead's closure without a follow-up contact.
  const auto lead_offers = r.engine().available_transitions(r.snap(), kLead, r.now);
  BOOST_TEST(std::any_of(lead_offers.begin(), lead_offers.end(),
                         [](const auto* t) { return t->name == "close_without_follow_up"; }));
}

BOOST_AUTO_TEST_CASE(reached_and_satisfied_closes_with_the_csat) {
  CaseRun r;
  to_following_up(r);
  r.now = at("2026-11-25T14:10:00+08:00");
  r.run(kAgent, attempt("chat", "reached", 5, "all good now"));
  BOOST_TEST(r.snap().state == "closed");
  BOOST_TEST(r.snap().fields.at("satisfied") == true);
  BOOST_TEST(r.snap().fields.at("follow_up_channel") == "chat");
  BOOST_TEST(r.snap().follow_up_attempts.size() == 1u);
  BOOST_TEST(r.snap().follow_up_attempts[0].csat.value_or(0) == 5);
  BOOST_TEST(r.webhook_seen("case.csat_recorded"));
  BOOST_TEST(r.transitions_fired.count("follow_up_satisfied") == 1u);
  BOOST_TEST(r.replay_matches());
}

// Below the policy's satisfied_min_csat (4) the customer is not satisfied: back to negotiation,
// as follow_up_unsatisfied always did, with what they said required.
BOOST_AUTO_TEST_CASE(reached_and_unsatisfied_goes_back_to_negotiation) {
  CaseRun r;
  to_following_up(r);
  r.now = at("2026-11-25T14:10:00+08:00");
  const auto silent = r.attempt(kAgent, attempt("phone", "reached", 3));
  BOOST_TEST(outcome(silent) == "MISSING_FIELD");
  BOOST_TEST((pointers_of(silent) == std::vector<std::string>{"/comment"}));
  r.run(kAgent, attempt("phone", "reached", 3, "the seam split again"));
  BOOST_TEST(r.snap().state == "negotiating");
  BOOST_TEST(r.snap().fields.at("satisfied") == false);
  BOOST_TEST(r.snap().fields.at("follow_up_note") == "the seam split again");
  BOOST_TEST(r.snap().timer("follow_up") == nullptr);
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(attempt_inputs_are_checked) {
  CaseRun r;
  to_following_up(r);
  r.now = at("2026-11-25T14:10:00+08:00");
  const auto no_csat = r.attempt(kAgent, attempt("phone", "reached"));
  BOOST_TEST(outcome(no_csat) == "MISSING_FIELD");
  BOOST_TEST((pointers_of(no_csat) == std::vector<std::string>{"/csat"}));
  const auto bad = r.attempt(kAgent, attempt("email", "maybe", 9));
  BOOST_TEST(outcome(bad) == "INVALID_FIELD");
  BOOST_TEST((pointers_of(bad) == std::vector<std::string>{"/channel", "/outcome"}));
  const auto high = r.attempt(kAgent, attempt("chat", "reached", 6));
  BOOST_TEST((pointers_of(high) == std::vector<std::string>{"/csat"}));
  BOOST_TEST(high.rejection().problems.at(0).params.at("reason") == "out_of_range");
  const auto csat_unreached = r.attempt(kAgent, attempt("chat", "not_reached", 4));
  BOOST_TEST(csat_unreached.rejection().problems.at(0).params.at("reason") ==
             "not_reached_has_no_csat");
  BOOST_TEST(outcome(r.attempt(kIntegration, attempt("chat", "reached", 5))) ==
             "ROLE_NOT_PERMITTED");
}

// Only in the follow_up stage, and only under a workflow with a follow-up policy.
BOOST_AUTO_TEST_CASE(attempts_need_the_follow_up_stage_and_a_policy) {
  CaseRun r;
  to_resolving(r);
  BOOST_TEST(outcome(r.attempt(kAgent, attempt("chat", "reached", 5))) == "NOT_ALLOWED_FROM_STATE");
  CaseRun v2;
  auto create = complaint("C-V2");
  create.workflow_version = 2;
  v2.run(kAgent, create);
  BOOST_TEST(outcome(v2.attempt(kAgent, attempt("chat", "reached", 5))) == "INVALID_STATE");
}

// The shipped policy flags a phone attempt outside the call windows; a policy saying "refuse"
// refuses it and names the next window.
BOOST_AUTO_TEST_CASE(phone_attempt_outside_the_windows_is_flagged_or_refused) {
  {
    CaseRun r;
    to_following_up(r);
    r.now = at("2026-11-25T12:15:00+08:00");  // lunch: outside the call windows
    r.run(kAgent, attempt("phone", "not_reached"));
    const auto* e = last_event(r, "follow_up.attempted");
    BOOST_REQUIRE(e);
    BOOST_TEST(e->data.value("outside_window", false));
    BOOST_TEST(r.snap().follow_up_attempts.back().outside_window);
    // Only calls have windows: a chat at the same time is not flagged.
    r.run(kAgent, attempt("chat", "not_reached"));
    BOOST_TEST(!last_event(r, "follow_up.attempted")->data.value("outside_window", false));
    BOOST_TEST(r.replay_matches());
  }
  {
    auto texts = shipped_texts();
    auto policy = json::parse(texts.at("follow_up.json"));
    policy["phone_outside_window"] = "refuse";
    texts["follow_up.json"] = policy.dump();
    const auto load = WorkflowCatalog::load(sources_of(texts));
    BOOST_REQUIRE_MESSAGE(load.catalog, describe(load.problems));
    CaseRun r(load.catalog);
    to_following_up(r);
    r.now = at("2026-11-25T17:30:00+08:00");
    const auto refused = r.attempt(kAgent, attempt("phone", "reached", 5));
    BOOST_TEST(outcome(refused) == "OUTSIDE_CALL_WINDOW");
    BOOST_TEST((pointers_of(refused) == std::vector<std::string>{"/channel"}));
    BOOST_TEST(refused.rejection().problems.at(0).params.at("next_window") ==
               "2026-11-26T01:00:00Z");
    r.run(kAgent, attempt("chat", "reached", 5));  // chat is fine
    BOOST_TEST(r.snap().state == "closed");
  }
}

// A reopened case that comes back to follow-up starts its attempts anew.
BOOST_AUTO_TEST_CASE(a_reopened_case_counts_attempts_anew) {
  CaseRun r;
  to_following_up(r);
  r.now = at("2026-11-25T14:10:00+08:00");
  r.run(kAgent, attempt("phone", "not_reached"));
  r.run(kAgent, attempt("phone", "not_reached"));
  BOOST_TEST(r.snap().follow_up_unreached == 2);
  r.run(kAgent, attempt("chat", "reached", 1, "still broken"));
  BOOST_TEST(r.snap().follow_up_unreached == 0);
  r.fire(kAgent, "agree_remedy", {{"remedy_summary", "replacement"}, {"customer_accepted", true}});
  r.fire(kAgent, "confirm_resolved", {{"resolution_note", "replacement shipped"}});
  BOOST_TEST(r.snap().follow_up_unreached == 0);
  const auto first_started = r.snap().follow_up_started_at;
  BOOST_TEST(first_started.has_value());
  r.run(kAgent, attempt("phone", "not_reached"));
  BOOST_TEST(r.snap().state == "following_up");
  BOOST_TEST(iso(*r.snap().follow_up_started_at) == iso(*first_started));
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(policy_problems_are_precise) {
  auto texts = shipped_texts();
  auto policy = json::parse(texts.at("follow_up.json"));
  policy["max_attempts"] = 0;
  policy["retry_after"] = "soon";
  policy["phone_outside_window"] = "ignore";
  policy["call_windows"] = "phone_hourz";
  policy["satisfied_min_csat"] = 6;
  policy["colour"] = "blue";
  texts["follow_up.json"] = policy.dump();
  const auto load = WorkflowCatalog::load(sources_of(texts));
  BOOST_TEST(!load.catalog);
  BOOST_TEST(has_problem(load.problems, "BAD_VALUE", "/max_attempts"), describe(load.problems));
  BOOST_TEST(has_problem(load.problems, "BAD_DURATION", "/retry_after"));
  BOOST_TEST(has_problem(load.problems, "BAD_VALUE", "/phone_outside_window"));
  BOOST_TEST(has_problem(load.problems, "BAD_VALUE", "/satisfied_min_csat"));
  BOOST_TEST(has_problem(load.problems, "UNKNOWN_KEY", "/colour"));

  auto calendar_typo = shipped_texts();
  auto p2 = json::parse(calendar_typo.at("follow_up.json"));
  p2["call_windows"] = "phone_hourz";
  calendar_typo["follow_up.json"] = p2.dump();
  const auto load2 = WorkflowCatalog::load(sources_of(calendar_typo));
  BOOST_TEST(!load2.catalog);
  BOOST_TEST(has_problem(load2.problems, "UNKNOWN_CALENDAR", "/call_windows"),
             describe(load2.problems));

  // A workflow naming a follow-up policy needs the transitions an attempt fires.
  auto no_transition = shipped_texts();
  auto v3 = json::parse(no_transition.at("complaint.v3.json"));
  auto& transitions = v3["transitions"];
  transitions.erase(
      std::remove_if(transitions.begin(), transitions.end(),
                     [](const json& t) { return t["name"] == "follow_up_not_reached"; }),
      transitions.end());
  no_transition["complaint.v3.json"] = v3.dump();
  const auto load3 = WorkflowCatalog::load(sources_of(no_transition));
  BOOST_TEST(!load3.catalog);
  BOOST_TEST(has_problem(load3.problems, "MISSING_TRANSITION", "/policies/follow_up"),
             describe(load3.problems));
  // And an unknown policy name is refused.
  auto unknown = shipped_texts();
  auto v3b = json::parse(unknown.at("complaint.v3.json"));
  v3b["policies"]["follow_up"] = "weekly";
  unknown["complaint.v3.json"] = v3b.dump();
  const auto load4 = WorkflowCatalog::load(sources_of(unknown));
  BOOST_TEST(has_problem(load4.problems, "UNKNOWN_POLICY", "/policies/follow_up"),
             describe(load4.problems));
}

BOOST_AUTO_TEST_SUITE_END()
