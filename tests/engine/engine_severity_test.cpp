// Engine tests: escalation in proportion to severity (issue 16). Ignored cases of each severity
// and the levels they reach in a working day; threats and critical-at-creation past the cap;
// threat words in customer-visible fields; revising a case's severity (elapsed SLA time kept,
// roles, a raise to critical); the supervisor contact deadline. All on the fake clock.
#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

namespace engine_severity_tests {

using namespace redress::testing::engine_cases;
using redress::LogCall;
using redress::ReviseSeverity;
using redress::UpdateFields;

// Monday 2026-11-23 09:00 in Shanghai, the start of the cn_office day (09:00-12:00, 13:30-18:00).
Instant monday_nine() {
  return at("2026-11-23T09:00:00+08:00");
}

// "09:30 team_lead first_response_breach", one line per escalation, times in Shanghai.
std::vector<std::string> escalation_trail(const CaseSnapshot& snap) {
  std::vector<std::string> out;
  for (const auto& e : snap.escalations) {
    const auto local = e.at + hours(8);  // Shanghai has no DST
    const auto text = iso(local);        // 2026-11-23T09:30:00Z
    out.push_back(text.substr(11, 5) + " " + e.to_level + " " + e.rule_id);
  }
  return out;
}

// A case of `severity` opened at Monday 09:00 and left untouched until Tuesday 09:00.
CaseRun ignored_for_a_day(const std::string& severity) {
  CaseRun r(shipped(), monday_nine());
  r.run(kAgent, complaint("C-SEV-" + severity, severity));
  r.advance_to(at("2026-11-24T09:00:00+08:00"));
  return r;
}

BOOST_AUTO_TEST_SUITE(engine_severity)

BOOST_AUTO_TEST_CASE(ignored_cases_reach_the_level_their_severity_allows) {
  {
    // Before the limits a normal case reached team lead at 10:36 (warning), supervisor at 11:00
    // and manager at 13:42. Now the warning only raises the priority; the first-response breach
    // at 11:00 raises one level, and the cap holds it at team lead through the stage breach.
    const auto r = ignored_for_a_day("normal");
    const std::vector<std::string> expected{"11:00 team_lead first_response_breach"};
    BOOST_TEST(escalation_trail(r.snap()) == expected, boost::test_tools::per_element());
    BOOST_TEST(r.snap().priority == "high");
    BOOST_TEST(r.snap().sla("stage")->breached);  // 4h stage target: 14:30, breached, no raise
    BOOST_TEST(r.replay_matches());
  }
  {
    // Low: 4h first response = 14:30 (3h before lunch, 1h after).
    const auto r = ignored_for_a_day("low");
    const std::vector<std::string> expected{"14:30 team_lead first_response_breach"};
    BOOST_TEST(escalation_trail(r.snap()) == expected, boost::test_tools::per_element());
    BOOST_TEST(r.snap().sla("first_response")->warned);
    BOOST_TEST(r.replay_matches());
  }
  {
    // High: team lead at creation; the 1h first response breaches at 10:00 (supervisor, which
    // starts the 1h supervisor contact deadline); its breach at 11:00 and the 2h stage breach
    // are held at the high cap, supervisor.
    const auto r = ignored_for_a_day("high");
    const std::vector<std::string> expected{"09:00 team_lead high_at_creation",
                                            "10:00 supervisor first_response_breach"};
    BOOST_TEST(escalation_trail(r.snap()) == expected, boost::test_tools::per_element());
    BOOST_TEST(r.snap().sla("supervisor_contact")->breached);
    BOOST_TEST(iso(r.snap().sla("supervisor_contact")->due) == "2026-11-23T03:00:00Z");
    BOOST_TEST(r.replay_matches());
  }
  {
    // Critical: supervisor at creation; the 30 min first response and supervisor contact both
    // breach at 09:30, which lifts it one level to manager (the critical cap), not two.
    const auto r = ignored_for_a_day("critical");
    const auto trail = escalation_trail(r.snap());
    BOOST_REQUIRE(trail.size() == 2u);
    BOOST_TEST(trail[0] == "09:00 supervisor critical_at_creation");
    BOOST_TEST(trail[1].substr(0, 14) == "09:30 manager ");
    BOOST_TEST(r.snap().escalation_level == "manager");
    BOOST_TEST(r.snap().sla("supervisor_contact")->breached);
    BOOST_TEST(r.snap().sla("first_response")->breached);
    BOOST_TEST(r.replay_matches());
  }
}

BOOST_AUTO_TEST_CASE(threats_and_critical_at_creation_pass_the_cap) {
  {
    CaseRun r(shipped(), monday_nine());
    r.run(kAgent, complaint("C-LOW-THREAT", "low"));
    BOOST_TEST(r.snap().escalation_level == "agent");
    r.run(kIntegration, AddCustomerMessage{"不给退款我就去12315投诉"});
    BOOST_TEST(r.snap().escalation_level == "supervisor");  // low's cap is team lead
    BOOST_TEST(r.snap().escalations.back().rule_id == "threat");
    BOOST_REQUIRE(r.snap().sla("supervisor_contact") != nullptr);
    // 2h for a low case: 11:00; its breach is held at the low cap, so the level stays.
    r.advance_to(at("2026-11-23T12:00:00+08:00"));
    BOOST_TEST(r.snap().sla("supervisor_contact")->breached);
    BOOST_TEST(r.snap().escalation_level == "supervisor");
    BOOST_TEST(r.replay_matches());
  }
  {
    CaseRun r(shipped(), monday_nine());
    r.run(kAgent, complaint("C-CRIT", "critical"));
    BOOST_TEST(r.snap().escalation_level == "supervisor");
    BOOST_TEST(r.snap().escalations.front().rule_id == "critical_at_creation");
    BOOST_TEST(r.snap().priority == "urgent");
  }
}

BOOST_AUTO_TEST_CASE(threat_words_in_the_opening_summary_escalate) {
  for (const auto& [summary, kind] : std::vector<std::pair<std::string, std::string>>{
           {"羽绒服开线了，再不处理我就打12315", "regulator"},
           {"If nobody answers I will talk to a journalist about this", "media"},
           {"我已经联系律师了", "lawyer"}}) {
    CaseRun r(shipped(), monday_nine());
    auto c = complaint("C-SUM", "low");
    c.fields["summary"] = summary;
    const auto d = r.run(kAgent, c);
    BOOST_TEST(has_event(d, "threat.detected"), summary);
    BOOST_TEST(r.snap().escalation_level == "supervisor", summary);
    BOOST_TEST(r.snap().escalations.back().rule_id == "threat");
    const std::vector<std::string> kinds{kind};
    BOOST_TEST(r.snap().threat_signals == kinds, boost::test_tools::per_element());
    BOOST_TEST(r.replay_matches());
  }
  {  // A case on version 1 stays on its rules: its summary is not scanned.
    CaseRun r(shipped(), monday_nine());
    auto c = complaint("C-SUM-V1", "low");
    c.workflow_version = 1;
    c.fields["summary"] = "再不处理我就打12315";
    r.run(kAgent, c);
    BOOST_TEST(r.snap().escalation_level == "agent");
    BOOST_TEST(r.snap().threat_signals.empty());
  }
  {  // A later field update is read too, naming the field it was found in.
    CaseRun r(shipped(), monday_nine());
    r.run(kAgent, complaint("C-UPD", "normal"));
    BOOST_TEST(r.snap().escalation_level == "agent");
    const auto d =
        r.run(kAgent, UpdateFields{{{"desired_outcome", "full refund or I go to the media"}}});
    BOOST_TEST(r.snap().escalation_level == "supervisor");
    const auto events = d.events();
    const auto found = std::find_if(events.begin(), events.end(),
                                    [](const Event& e) { return e.type == "threat.detected"; });
    BOOST_REQUIRE(found != events.end());
    BOOST_TEST(found->data.at("fields").contains("desired_outcome"));
    // An internal field is not customer-visible: no scan.
    r.run(kAgent, UpdateFields{{{"cause", "the supplier said the customer may sue"}}});
    BOOST_TEST(r.snap().threat_signals.size() == 1u);
  }
}

BOOST_AUTO_TEST_CASE(severity_revision_keeps_elapsed_sla_time) {
  CaseRun r(shipped(), monday_nine());
  r.run(kAgent, complaint("C-REV", "normal"));
  r.advance_to(at("2026-11-23T10:00:00+08:00"));  // 1h of the 2h first response used
  // Lowering needs a team lead; the refusal names who may.
  const auto refused = r.attempt(kAgent, ReviseSeverity{"low", "customer only wants a note"});
  BOOST_TEST(outcome(refused) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(refused.rejection().message.find("team_lead or above") != std::string::npos);
  BOOST_TEST(refused.rejection().allowed_roles.size() == 3u);
  const auto same = r.attempt(kLead, ReviseSeverity{"normal", "no change"});
  BOOST_TEST(outcome(same) == "INVALID_FIELD");
  BOOST_TEST(pointer_of(same) == "/severity");
  BOOST_TEST(outcome(r.attempt(kLead, ReviseSeverity{"urgent", "typo"})) == "INVALID_FIELD");
  const auto no_reason = r.attempt(kLead, ReviseSeverity{"low", ""});
  BOOST_TEST(outcome(no_reason) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(no_reason) == "/reason");

  const auto d = r.run(kLead, ReviseSeverity{"low", "cosmetic; the customer is relaxed"});
  BOOST_TEST(has_event(d, "case.severity_revised"));
  BOOST_TEST(r.snap().severity == "low");
  const auto* first = r.snap().sla("first_response");
  // Low: 4h target, 1h used: 3h of working time from 10:00 is 14:30; the warning at 80 %
  // (3h12m) is 2h12m from now: 13:42.
  BOOST_TEST(first->target_ms == 4 * 3600 * 1000);
  BOOST_TEST(iso(first->due) == "2026-11-23T06:30:00Z");
  BOOST_TEST(iso(first->warn_at) == "2026-11-23T05:42:00Z");
  BOOST_TEST(iso(r.snap().timer("sla:first_response:breach")->due) == "2026-11-23T06:30:00Z");
  BOOST_TEST(iso(r.snap().timer("sla:first_response:warning")->due) == "2026-11-23T05:42:00Z");
  // The stage clock kept its 4h default target (low has none of its own): unchanged.
  BOOST_TEST(r.snap().sla("stage")->target_ms == 4 * 3600 * 1000);
  // Resolution: 5d for low instead of 3d.
  BOOST_TEST(r.snap().sla("resolution")->target_ms > 3 * 75 * 360 * 1000);
  r.advance_to(at("2026-11-23T14:29:00+08:00"));
  BOOST_TEST(!r.snap().sla("first_response")->breached);
  r.advance_to(at("2026-11-23T14:30:00+08:00"));
  BOOST_TEST(r.snap().sla("first_response")->breached);
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(severity_revision_of_a_paused_clock_and_to_critical) {
  {  // Paused while waiting on the customer: the pause holds, the new target applies on resume.
    CaseRun r(shipped(), monday_nine());
    r.run(kAgent, complaint("C-PAUSE", "normal"));
    r.advance_to(at("2026-11-23T10:00:00+08:00"));
    r.fire(kAgent, "request_customer_info", {{"waiting_reason", "photo of the seam"}});
    BOOST_TEST(r.snap().sla("resolution")->status == "paused");
    r.run(kAgent, ReviseSeverity{"high", "the seam opened along the whole sleeve"});
    BOOST_TEST(r.snap().sla("resolution")->status == "paused");
    BOOST_TEST(r.snap().sla("resolution")->target_ms == 2 * 75 * 360 * 1000);  // 2d of 7.5h
    BOOST_TEST(r.snap().timer("sla:resolution:breach") == nullptr);
    r.advance_to(at("2026-11-23T11:00:00+08:00"));
    r.fire(kAgent, "customer_provided_info");
    // 1h consumed before the pause, 14h left of 15h from 11:00 Monday: 5.5h on Monday, 7.5h on
    // Tuesday, 1h on Wednesday: 10:00.
    BOOST_TEST(iso(r.snap().sla("resolution")->due) == "2026-11-25T02:00:00Z");
    BOOST_TEST(r.replay_matches());
  }
  {  // Raised to critical after an hour: the 30 min first response and the 1h critical stage
     // target are already over (each breaches at once and raises one level: team lead, then
     // supervisor), and the critical-at-creation rule makes the priority urgent.
    CaseRun r(shipped(), monday_nine());
    r.run(kAgent, complaint("C-CRIT-REV", "normal"));
    r.advance_to(at("2026-11-23T10:00:00+08:00"));
    const auto d = r.run(kAgent, ReviseSeverity{"critical", "the heater caught fire"});
    BOOST_TEST(has_event(d, "sla.breached"));
    BOOST_TEST(r.snap().sla("first_response")->breached);
    BOOST_TEST(r.snap().timer("sla:first_response:breach") == nullptr);
    BOOST_TEST(r.snap().escalation_level == "supervisor");
    BOOST_TEST(r.snap().priority == "urgent");
    BOOST_REQUIRE(r.snap().sla("supervisor_contact") != nullptr);
    BOOST_TEST(r.snap().sla("supervisor_contact")->status == "running");
    BOOST_TEST(r.replay_matches());
  }
}

BOOST_AUTO_TEST_CASE(supervisor_contact_deadline) {
  {  // Met by a supervisor's reply, not by an agent's.
    CaseRun r(shipped(), monday_nine());
    r.run(kAgent, complaint("C-SC1", "critical"));
    BOOST_REQUIRE(r.snap().sla("supervisor_contact") != nullptr);
    BOOST_TEST(iso(r.snap().sla("supervisor_contact")->due) == "2026-11-23T01:30:00Z");
    r.advance(minutes(5));
    r.run(kAgent, RecordReply{"非常抱歉，我们马上为您处理"});
    BOOST_TEST(r.snap().sla("supervisor_contact")->status == "running");
    BOOST_TEST(r.snap().sla("first_response")->status == "met");
    r.advance(minutes(10));
    r.run(kSupervisor, RecordReply{"您好，我是主管陈，您的问题由我跟进"});
    BOOST_TEST(r.snap().sla("supervisor_contact")->status == "met");
    BOOST_TEST(r.snap().timer("sla:supervisor_contact:breach") == nullptr);
    r.advance_to(at("2026-11-23T12:00:00+08:00"));
    for (const auto& e : r.snap().escalations) BOOST_TEST(e.rule_id != "supervisor_contact_breach");
    BOOST_TEST(r.replay_matches());
  }
  {  // Met by a supervisor's logged call; an agent's call does not meet it.
    CaseRun r(shipped(), monday_nine());
    r.run(kAgent, complaint("C-SC2", "critical"));
    r.run(kAgent, LogCall{"told the customer a supervisor will call"});
    BOOST_TEST(r.snap().sla("supervisor_contact")->status == "running");
    const auto empty = r.attempt(kSupervisor, LogCall{""});
    BOOST_TEST(outcome(empty) == "MISSING_FIELD");
    BOOST_TEST(pointer_of(empty) == "/summary");
    const auto d = r.run(kSupervisor, LogCall{"called the customer, agreed a replacement"});
    BOOST_TEST(has_event(d, "call.logged"));
    BOOST_TEST(r.snap().sla("supervisor_contact")->status == "met");
    BOOST_TEST(r.replay_matches());
  }
  {  // Ignored: breaches like any SLA, with its webhook, and raises one level.
    CaseRun r(shipped(), monday_nine());
    r.run(kAgent, complaint("C-SC3", "critical"));
    r.run(kAgent, RecordReply{"我们正在处理"});  // first response met; contact still due
    r.advance_to(at("2026-11-23T09:29:00+08:00"));
    BOOST_TEST(!r.snap().sla("supervisor_contact")->breached);
    r.advance_to(at("2026-11-23T09:30:00+08:00"));
    BOOST_TEST(r.snap().sla("supervisor_contact")->breached);
    BOOST_TEST(r.webhook_seen("case.sla_breached"));
    BOOST_TEST(r.snap().escalation_level == "manager");
    BOOST_TEST(r.snap().escalations.back().rule_id == "supervisor_contact_breach");
    BOOST_TEST(r.replay_matches());
  }
  {  // A case below the supervisor has no such deadline.
    CaseRun r(shipped(), monday_nine());
    r.run(kAgent, complaint("C-SC4", "normal"));
    BOOST_TEST(r.snap().sla("supervisor_contact") == nullptr);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace engine_severity_tests
