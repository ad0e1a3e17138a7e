// Golden journal fixtures: replay-equals-snapshot cannot see a change made alike in the engine
// and in apply_event (both sides would move together), so the journals the engine emits for a few
// realistic cases, and the snapshots they replay to, are checked into tests/engine/golden/ and
// read by a person against the domain (docs in tests/engine/golden/README.md).
//
// Each scenario has two files: <name>.journal.json (the events, as event_to_json writes them, in
// journal order) and <name>.snapshot.json (snapshot_to_json of the case at the end).
//   - replay_reproduces_the_stored_snapshot: the stored journal, replayed with redress::replay,
//     gives exactly the stored snapshot.
//   - the_engine_emits_the_stored_journal: the scenario's commands, driven through the Engine on
//     a fake clock, emit exactly the stored journal and end in the stored snapshot.
//
// To rewrite the fixtures after an intended change of the journal or the snapshot format:
//   REDRESS_UPDATE_GOLDEN=1 build/tests/redress_engine_tests --run_test=engine_golden
// then read the diff (git diff tests/engine/golden/) and commit it with the change that caused it.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

using namespace redress::testing::engine_cases;

namespace {

struct GoldenScenario {
  const char* name;
  std::function<void(CaseRun&)> drive;
};

// A complaint through all five stages: confirm, analyse, negotiate (a coupon above the agent's
// authority, approved by a team lead), resolve (the coupon sent, the remedy carried out) and
// follow-up, done when its timer comes due; the satisfied customer closes the case.
void five_stage_case(CaseRun& r) {
  r.run(kAgent, complaint("C-G1"));
  r.now += minutes(20);
  r.run(kAgent, RecordReply{"sorry about the seam, we are looking into it now"});
  r.now += minutes(30);
  r.fire(kAgent, "confirm_problem", kConfirm);
  r.now += hours(2);
  r.fire(kAgent, "complete_analysis", kAnalysis);
  r.now += minutes(15);
  r.run(kAgent, ProposeCompensation{"coupon", cny(5001), "coupon for the trouble"});
  const std::string approval_id = r.snap().approvals.back().id;
  r.now += hours(1);
  r.run(kLead, DecideApproval{approval_id, true, "supplier fault, regular gold customer"});
  r.now += minutes(10);
  r.fire(kAgent, "agree_remedy",
         {{"remedy_summary", "CNY 50.01 coupon and a free repair"}, {"customer_accepted", true}});
  r.now += minutes(5);
  r.run(kAgent, MarkCompensationExecuted{r.snap().compensations.back().id, "CPN-20261123-7"});
  r.now += hours(20);
  r.fire(kAgent, "confirm_resolved", {{"resolution_note", "coupon sent, jacket repaired"}});
  // The follow-up comes due on its timer (the timer loop fires it), then the agent calls.
  r.advance_to(*r.snap().follow_up_due);
  r.now += hours(1);
  r.run(kAgent, redress::RecordFollowUp{"phone", "reached", 5, "the jacket is fine now"});
}

// A customer threatens to complain to the regulator (12315): the case escalates to a supervisor
// at once and goes urgent; the supervisor raises it to a manager by hand, then brings it back
// down once the customer is calm.
void escalated_case(CaseRun& r) {
  r.run(kAgent, complaint("C-G2", "high"));
  r.now += minutes(10);
  r.run(kIntegration, AddCustomerMessage{"the seam split again after one wash"});
  r.now += minutes(5);
  r.run(kIntegration, AddCustomerMessage{"if this is not fixed today I will call 12315"});
  r.now += minutes(10);
  r.run(kSupervisor, EscalateCase{"customer also posted on social media", "manager"});
  r.now += hours(2);
  r.run(kManager, AddComment{"called the customer, offered an exchange; calm now"});
  r.run(kManager, DeescalateCase{"customer calmed down after the call", "supervisor"});
}

// Nobody answers: the first-response clock warns (one level up), then breaches (one more level,
// priority high) through its timers on the business calendar; the late reply meets it, late.
void sla_breach_case(CaseRun& r) {
  r.run(kAgent, complaint("C-G3"));
  r.advance_to(r.snap().sla("first_response")->due);
  r.now += minutes(30);
  r.run(kAgent, RecordReply{"very sorry for the wait, we are on it"});
}

const std::vector<GoldenScenario>& scenarios() {
  static const std::vector<GoldenScenario> all = {
      {"five_stage_case", five_stage_case},
      {"escalated_case", escalated_case},
      {"sla_breach_case", sla_breach_case},
  };
  return all;
}

std::filesystem::path golden_dir() {
  return std::filesystem::path(REDRESS_SOURCE_DIR) / "tests" / "engine" / "golden";
}

bool updating_golden() {
  const char* flag = std::getenv("REDRESS_UPDATE_GOLDEN");
  return flag != nullptr && std::string(flag) == "1";
}

json read_fixture(const std::string& file) {
  const auto path = golden_dir() / file;
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(
      in, "cannot open " << path << "; write the fixtures with REDRESS_UPDATE_GOLDEN=1");
  return json::parse(in);
}

void write_fixture(const std::string& file, const json& value) {
  std::filesystem::create_directories(golden_dir());
  std::ofstream out(golden_dir() / file);
  out << value.dump(2) << "\n";
  BOOST_REQUIRE_MESSAGE(out, "cannot write " << (golden_dir() / file));
}

json journal_json(const std::vector<Event>& journal) {
  json out = json::array();
  for (const auto& event : journal) out.push_back(redress::event_to_json(event));
  return out;
}

// Where two JSON values first differ, as an RFC 6902 patch (short enough for a failure message).
std::string difference(const json& expected, const json& actual) {
  const std::string patch = json::diff(expected, actual).dump();
  return patch.size() > 2000 ? patch.substr(0, 2000) + "..." : patch;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(engine_golden)

BOOST_AUTO_TEST_CASE(the_engine_emits_the_stored_journal) {
  for (const auto& scenario : scenarios()) {
    BOOST_TEST_CONTEXT(scenario.name) {
      CaseRun r;
      scenario.drive(r);
      BOOST_TEST_REQUIRE(r.replay_matches());
      const json journal = journal_json(r.journal);
      const json snapshot = redress::snapshot_to_json(r.snap());
      const std::string name = scenario.name;
      if (updating_golden()) {
        write_fixture(name + ".journal.json", journal);
        write_fixture(name + ".snapshot.json", snapshot);
        BOOST_TEST_MESSAGE("rewrote the fixtures of " << name);
        continue;
      }
      const json stored_journal = read_fixture(name + ".journal.json");
      BOOST_TEST(journal == stored_journal, "the journal differs from the stored one: "
                                                << difference(stored_journal, journal));
      const json stored_snapshot = read_fixture(name + ".snapshot.json");
      BOOST_TEST(snapshot == stored_snapshot, "the snapshot differs from the stored one: "
                                                  << difference(stored_snapshot, snapshot));
    }
  }
}

// Journals written before the escalation limits (warnings raised a level, breaches snowballed)
// and before complaint version 2: the engine no longer emits them, but they must still replay to
// the snapshots they had, since escalations are events carrying their levels.
const std::vector<std::string> kRetiredJournals{"sla_breach_case.before_limits",
                                                "escalated_case.before_limits"};

BOOST_AUTO_TEST_CASE(replay_reproduces_the_stored_snapshot) {
  std::vector<std::string> names;
  for (const auto& scenario : scenarios()) names.push_back(scenario.name);
  names.insert(names.end(), kRetiredJournals.begin(), kRetiredJournals.end());
  for (const auto& name : names) {
    BOOST_TEST_CONTEXT(name) {
      const json stored_journal = read_fixture(name + ".journal.json");
      BOOST_TEST_REQUIRE(stored_journal.is_array());
      std::vector<Event> events;
      for (const auto& entry : stored_journal) {
        auto event = redress::event_from_json(entry);
        // The message's operands are evaluated even on success: error() only when there is one.
        BOOST_REQUIRE_MESSAGE(event.ok(), "unreadable event "
                                              << entry.dump() << ": "
                                              << (event.ok() ? "" : event.error().message));
        events.push_back(event.value());
      }
      // The stored form round-trips: reading and writing an event changes nothing.
      BOOST_TEST(journal_json(events) == stored_journal);
      const auto replayed = redress::replay(events);
      BOOST_REQUIRE_MESSAGE(replayed.ok(),
                            "replay failed: " << (replayed.ok() ? "" : replayed.error().message));
      const json snapshot = redress::snapshot_to_json(replayed.value());
      const json stored_snapshot = read_fixture(name + ".snapshot.json");
      BOOST_TEST(snapshot == stored_snapshot, "the replayed snapshot differs from the stored one: "
                                                  << difference(stored_snapshot, snapshot));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
