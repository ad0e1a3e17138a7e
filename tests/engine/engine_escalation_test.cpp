// Engine tests: Escalation: at creation by severity and VIP tier, by a threat in a message, and by
// hand. The shared drivers (CaseRun, actors, cases) are in tests/engine/test_support.h.
#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

using namespace redress::testing::engine_cases;

BOOST_AUTO_TEST_SUITE(engine_escalation)

BOOST_AUTO_TEST_CASE(escalation_at_creation) {
  {
    CaseRun r;
    r.run(kAgent, complaint("C-30", "critical"));
    BOOST_TEST(r.snap().escalation_level == "supervisor");
    BOOST_TEST(r.snap().priority == "urgent");
    BOOST_REQUIRE(!r.snap().escalations.empty());
    BOOST_TEST(r.snap().escalations.front().rule_id == "critical_at_creation");
    // Critical first response: 30m business.
    BOOST_TEST(iso(r.snap().sla("first_response")->due) == "2026-11-23T01:35:00Z");
    BOOST_TEST(r.replay_matches());
  }
  {
    CaseRun r;
    r.run(kAgent, complaint("C-31"));
    BOOST_TEST(r.snap().escalation_level == "agent");
    BOOST_TEST(r.snap().escalations.empty());
  }
  {
    CaseRun r;
    auto c = complaint("C-32");
    c.customer.segment = "vip";
    r.run(kAgent, c);
    BOOST_TEST(r.snap().escalation_level == "team_lead");
    BOOST_TEST(r.snap().escalations.back().rule_id == "valued_customer");
  }
  {  // Third case within 30 days.
    CaseRun r;
    r.history.other_cases_opened_at = {monday() - hours(24 * 20), monday() - hours(24 * 3)};
    r.run(kAgent, complaint("C-33"));
    BOOST_TEST(r.snap().escalation_level == "team_lead");
    BOOST_TEST(r.snap().priority == "high");
    BOOST_TEST(r.snap().escalations.back().rule_id == "repeat_complainant");
  }
  {  // An old case does not count.
    CaseRun r;
    r.history.other_cases_opened_at = {monday() - hours(24 * 40), monday() - hours(24 * 3)};
    r.run(kAgent, complaint("C-34"));
    BOOST_TEST(r.snap().escalation_level == "agent");
  }
}

BOOST_AUTO_TEST_CASE(escalation_by_threat_and_by_hand) {
  CaseRun r;
  r.run(kAgent, complaint("C-35"));
  r.run(kIntegration, AddCustomerMessage{"the seam split again"});
  BOOST_TEST(r.snap().escalation_level == "agent");
  const auto d = r.run(kIntegration, AddCustomerMessage{"if this is not fixed I will call 12315"});
  BOOST_TEST(r.snap().escalation_level == "supervisor");
  BOOST_TEST(r.snap().priority == "urgent");
  BOOST_TEST(r.snap().queue_role == "supervisor");
  BOOST_REQUIRE(!r.snap().escalations.empty());
  BOOST_TEST(r.snap().escalations.back().rule_id == "threat");
  BOOST_TEST(r.snap().escalations.back().reason.find("12315") != std::string::npos);
  BOOST_TEST(find_webhook(d.result().effects, "case.escalated") != nullptr);

  // By hand: a reason is required; the level only goes up.
  CaseRun m;
  m.run(kAgent, complaint("C-36"));
  const auto no_reason = m.attempt(kAgent, EscalateCase{"", ""});
  BOOST_TEST(outcome(no_reason) == "MISSING_FIELD");
  BOOST_TEST(pointer_of(no_reason) == "/reason");
  BOOST_TEST(outcome(m.attempt(kIntegration, EscalateCase{"upset", ""})) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(m.attempt(kAgent, EscalateCase{"upset", "agent"})) == "INVALID_FIELD");
  m.run(kAgent, EscalateCase{"customer very upset", ""});
  BOOST_TEST(m.snap().escalation_level == "team_lead");
  BOOST_TEST(m.snap().queue_role == "team_lead");
  BOOST_TEST(m.snap().escalations.back().reason == "customer very upset");
  BOOST_TEST(m.snap().escalations.back().by == kAgent.id);
  m.run(kLead, EscalateCase{"needs a refund above my limit", "supervisor"});
  BOOST_TEST(m.snap().escalation_level == "supervisor");

  // De-escalation: not by an agent nor a lead; a supervisor with a reason.
  BOOST_TEST(outcome(m.attempt(kAgent, DeescalateCase{"calm now", ""})) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(m.attempt(kLead, DeescalateCase{"calm now", ""})) == "ROLE_NOT_PERMITTED");
  BOOST_TEST(outcome(m.attempt(kSupervisor, DeescalateCase{"", ""})) == "MISSING_FIELD");
  const auto de = m.run(kSupervisor, DeescalateCase{"customer calmed down", ""});
  BOOST_TEST(m.snap().escalation_level == "team_lead");
  BOOST_TEST(has_event(de, "case.deescalated"));
  BOOST_TEST(find_webhook(de.result().effects, "case.deescalated") != nullptr);
  BOOST_TEST(m.snap().escalations.back().reason == "customer calmed down");
  BOOST_TEST(m.snap().escalations.back().to_level == "team_lead");
  BOOST_TEST(m.snap().escalations.back().by == kSupervisor.id);
  BOOST_TEST(r.replay_matches());
  BOOST_TEST(m.replay_matches());
}

BOOST_AUTO_TEST_SUITE_END()
