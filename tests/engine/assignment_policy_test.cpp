// Tests for the assignment policy (engine/assignment_policy.h): the shipped file, every parse
// problem with its pointer, the choice among candidates (availability, working hours, skills,
// the tie-break, the team-lead fallback), the catalog's checks, and the journal: a case assigned
// by the policy at creation, and a reassignment's reason, replay exactly.
#include "engine/assignment_policy.h"

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "engine/workflow_catalog.h"
#include "tests/engine/test_support.h"

// Named rather than anonymous: the suites may be compiled in unity batches.
namespace assignment_policy_tests {

using nlohmann::json;
using redress::AssignCase;
using redress::AssignmentCandidate;
using redress::AssignmentPolicy;
using redress::AssignmentReasonCode;
using redress::AssignmentRule;
using redress::AssignmentStrategy;
using redress::Availability;
using redress::choose_assignee;
using redress::NoAgentFallback;
using redress::Problems;
using redress::WorkflowCatalog;
using redress::testing::describe;
using redress::testing::has_problem;
using redress::testing::engine_cases::CaseRun;
using redress::testing::engine_cases::complaint;
using redress::testing::engine_cases::kAgent;
using redress::testing::engine_cases::kAgent2;
using redress::testing::engine_cases::kLead;

json small_assignment_policy() {
  return json::parse(R"({
    "kind": "assignment_policy",
    "id": "default",
    "default_team": "after_sales",
    "default": {"strategy": "fewest_open_cases"},
    "teams": {
      "returns": {
        "strategy": "fewest_open_cases",
        "category_skills": {"quality": "quality_inspection"},
        "when_none_available": "team_lead"
      },
      "night": {"strategy": "claim"}
    }
  })");
}

void expect_assignment_problem(const json& definition, const std::string& code,
                               const std::string& pointer) {
  Problems problems;
  const auto policy = AssignmentPolicy::parse(definition, "", problems);
  BOOST_TEST(!policy.has_value());
  BOOST_CHECK_MESSAGE(has_problem(problems, code, pointer),
                      "expected " << code << " at " << pointer << "; got " << describe(problems));
}

AssignmentCandidate agent_with(std::string id, std::int64_t open_cases) {
  AssignmentCandidate c;
  c.user_id = std::move(id);
  c.open_cases = open_cases;
  return c;
}

}  // namespace assignment_policy_tests

BOOST_AUTO_TEST_SUITE(assignment_policy)

using namespace assignment_policy_tests;

BOOST_AUTO_TEST_CASE(the_shipped_policy_loads_with_the_catalog) {
  const auto load = WorkflowCatalog::load_directory(REDRESS_SOURCE_DIR "/workflows");
  BOOST_REQUIRE_MESSAGE(load.catalog, describe(load.problems));
  const auto* policy = load.catalog->assignment_policy();
  BOOST_REQUIRE(policy);
  BOOST_TEST((policy->default_rule().strategy == AssignmentStrategy::kClaim));
  const auto& returns = policy->rule_for("returns");
  BOOST_TEST((returns.strategy == AssignmentStrategy::kFewestOpenCases));
  BOOST_TEST(returns.category_skills.at("quality") == "quality_inspection");
  BOOST_TEST((returns.when_none_available == NoAgentFallback::kTeamLead));
}

BOOST_AUTO_TEST_CASE(a_small_policy_parses_and_rules_fall_back_to_the_default) {
  Problems problems;
  const auto policy = AssignmentPolicy::parse(small_assignment_policy(), "", problems);
  BOOST_REQUIRE_MESSAGE(policy, describe(problems));
  BOOST_TEST(policy->default_team() == "after_sales");
  BOOST_TEST((policy->rule_for("someone_else").strategy == AssignmentStrategy::kFewestOpenCases));
  BOOST_TEST(policy->rule_for("someone_else").category_skills.empty());
  BOOST_TEST((policy->rule_for("night").strategy == AssignmentStrategy::kClaim));
  BOOST_TEST(policy->rule_for("returns").category_skills.size() == 1U);
}

BOOST_AUTO_TEST_CASE(every_parse_problem_is_reported_with_its_pointer) {
  auto d = small_assignment_policy();
  d["colour"] = "red";
  expect_assignment_problem(d, "UNKNOWN_KEY", "/colour");

  d = small_assignment_policy();
  d.erase("default");
  expect_assignment_problem(d, "MISSING_KEY", "/default");

  d = small_assignment_policy();
  d["default"]["strategy"] = "round_robin";
  expect_assignment_problem(d, "BAD_VALUE", "/default/strategy");

  d = small_assignment_policy();
  d["teams"]["returns"]["when_none_available"] = "supervisor";
  expect_assignment_problem(d, "BAD_VALUE", "/teams/returns/when_none_available");

  d = small_assignment_policy();
  d["teams"]["night"]["when_none_available"] = "team_lead";
  expect_assignment_problem(d, "BAD_VALUE", "/teams/night/when_none_available");

  d = small_assignment_policy();
  d["teams"]["returns"]["category_skills"]["Quality"] = "x";
  expect_assignment_problem(d, "BAD_NAME", "/teams/returns/category_skills/Quality");

  d = small_assignment_policy();
  d["teams"]["returns"]["category_skills"]["quality"] = 7;
  expect_assignment_problem(d, "BAD_TYPE", "/teams/returns/category_skills/quality");

  d = small_assignment_policy();
  d["teams"]["bad team!"] = {{"strategy", "claim"}};
  expect_assignment_problem(d, "BAD_NAME", "/teams/bad team!");

  d = small_assignment_policy();
  d["teams"]["returns"]["stratgey"] = "claim";
  expect_assignment_problem(d, "UNKNOWN_KEY", "/teams/returns/stratgey");

  d = small_assignment_policy();
  d["default_team"] = "";
  expect_assignment_problem(d, "BAD_NAME", "/default_team");
}

BOOST_AUTO_TEST_CASE(the_available_agent_with_the_fewest_open_cases_is_chosen) {
  const AssignmentRule rule;
  const std::vector<AssignmentCandidate> team = {agent_with("li", 4), agent_with("zhao", 2),
                                                 agent_with("wu", 3)};
  const auto choice = choose_assignee(rule, "t1", "quality", team);
  BOOST_TEST(choice.assignee == "zhao");
  BOOST_TEST((choice.reason == AssignmentReasonCode::kFewestOpenCases));
  BOOST_TEST(choice.open_cases == 2);
  BOOST_TEST(choice.available_agents == 3);
  BOOST_TEST(choice.text() == "fewest open cases: 2, among team t1's 3 available agents");
  BOOST_TEST(choice.to_json().at("code") == "fewest_open_cases");
}

BOOST_AUTO_TEST_CASE(ties_go_to_the_smaller_user_id_whatever_the_order_given) {
  const AssignmentRule rule;
  const std::vector<AssignmentCandidate> team = {agent_with("zhao", 1), agent_with("li", 1)};
  BOOST_TEST(choose_assignee(rule, "t1", "", team).assignee == "li");
  const std::vector<AssignmentCandidate> reversed = {team[1], team[0]};
  BOOST_TEST(choose_assignee(rule, "t1", "", reversed).assignee == "li");
}

BOOST_AUTO_TEST_CASE(away_agents_and_agents_outside_working_hours_are_skipped) {
  const AssignmentRule rule;
  auto away = agent_with("a_away", 0);
  away.availability = Availability::kAway;
  auto off_hours = agent_with("b_off", 0);
  off_hours.in_working_hours = false;
  const std::vector<AssignmentCandidate> team = {away, off_hours, agent_with("c_busy", 9)};
  const auto choice = choose_assignee(rule, "t1", "", team);
  BOOST_TEST(choice.assignee == "c_busy");
  BOOST_TEST(choice.available_agents == 1);
  BOOST_TEST(choice.away_agents == 1);
  BOOST_TEST(choice.off_hours_agents == 1);
}

BOOST_AUTO_TEST_CASE(skills_are_preferred_and_without_a_skilled_agent_everyone_is_considered) {
  AssignmentRule rule;
  rule.category_skills = {{"quality", "quality_inspection"}};
  auto skilled = agent_with("skilled", 5);
  skilled.skills = {"quality_inspection"};
  const std::vector<AssignmentCandidate> team = {agent_with("idle", 0), skilled};
  const auto choice = choose_assignee(rule, "t1", "quality", team);
  BOOST_TEST(choice.assignee == "skilled");
  BOOST_TEST(choice.skill == "quality_inspection");
  BOOST_TEST(choice.available_agents == 1);
  // Another category has no skill: everyone is considered.
  BOOST_TEST(choose_assignee(rule, "t1", "late_delivery", team).assignee == "idle");
  // The skilled agent away: the case is not left waiting for the skill.
  auto away_team = team;
  away_team[1].availability = Availability::kAway;
  const auto without = choose_assignee(rule, "t1", "quality", away_team);
  BOOST_TEST(without.assignee == "idle");
  BOOST_TEST((without.reason == AssignmentReasonCode::kFewestOpenCasesWithoutSkill));
}

BOOST_AUTO_TEST_CASE(with_nobody_available_the_case_waits_or_goes_to_the_lead) {
  AssignmentRule rule;
  auto away = agent_with("agent", 0);
  away.availability = Availability::kAway;
  auto lead = agent_with("lead", 7);
  lead.team_lead = true;
  const std::vector<AssignmentCandidate> team = {away, lead};
  const auto waits = choose_assignee(rule, "t1", "", team);
  BOOST_TEST(waits.assignee.empty());
  BOOST_TEST((waits.reason == AssignmentReasonCode::kNoAgentAvailable));
  BOOST_TEST(waits.team_agents == 1);
  BOOST_TEST(waits.text() ==
             "no agent available in team t1 (1 agent: 1 away, 0 outside working "
             "hours); left in the team queue");
  rule.when_none_available = NoAgentFallback::kTeamLead;
  const auto to_lead = choose_assignee(rule, "t1", "", team);
  BOOST_TEST(to_lead.assignee == "lead");
  BOOST_TEST((to_lead.reason == AssignmentReasonCode::kTeamLead));
  // A lead is never chosen while an agent is available, however idle the lead.
  lead.open_cases = 0;
  const std::vector<AssignmentCandidate> with_agent = {agent_with("agent", 9), lead};
  BOOST_TEST(choose_assignee(rule, "t1", "", with_agent).assignee == "agent");
  // An empty team with no lead waits too.
  BOOST_TEST(choose_assignee(rule, "t1", "", {}).assignee.empty());
}

BOOST_AUTO_TEST_CASE(the_catalog_holds_one_policy_and_warns_of_unknown_categories) {
  auto files = WorkflowCatalog::read_directory(REDRESS_SOURCE_DIR "/workflows");
  BOOST_REQUIRE(files.problems.empty());
  auto policy = small_assignment_policy();
  policy["teams"]["returns"]["category_skills"]["qualty"] = "quality_inspection";
  auto with_second = files.sources;
  with_second.push_back({"second.json", policy.dump()});
  const auto twice = WorkflowCatalog::load(with_second);
  BOOST_TEST(!twice.catalog);
  BOOST_TEST(has_problem(twice.problems, "DUPLICATE_POLICY", "/kind"), describe(twice.problems));
  for (auto& source : files.sources) {
    if (source.name.ends_with("assignment.json")) source.text = policy.dump();
  }
  const auto load = WorkflowCatalog::load(files.sources);
  BOOST_TEST(load.catalog != nullptr, describe(load.problems));
  BOOST_TEST(
      has_problem(load.problems, "UNKNOWN_CATEGORY", "/teams/returns/category_skills/qualty"),
      describe(load.problems));
}

BOOST_AUTO_TEST_CASE(a_policy_assignment_at_creation_is_journaled_and_replays) {
  CaseRun r;
  auto create = complaint("C-assign-1");
  create.assignee = kAgent2.id;
  AssignmentCandidate zhao = agent_with(kAgent2.id, 1);
  const auto choice = choose_assignee(AssignmentRule{}, "after_sales", "quality",
                                      std::vector<AssignmentCandidate>{zhao});
  create.assignment_reason = choice.to_json();
  r.run(kAgent, create);
  BOOST_TEST(r.snap().assignee == kAgent2.id);
  BOOST_REQUIRE(r.journal.size() >= 2U);
  const auto assigned =
      std::find_if(r.journal.begin(), r.journal.end(),
                   [](const redress::Event& e) { return e.type == "case.assigned"; });
  BOOST_REQUIRE((assigned != r.journal.end()));
  BOOST_TEST(assigned->data.at("assignee") == kAgent2.id);
  BOOST_TEST(assigned->data.at("reason").at("code") == "fewest_open_cases");
  BOOST_TEST(r.journal.front().data.at("assignee") == "");
  BOOST_TEST(r.replay_matches());
  BOOST_TEST(r.webhook_seen("case.assigned"));
}

BOOST_AUTO_TEST_CASE(no_agent_available_at_creation_is_journaled_too) {
  CaseRun r;
  auto create = complaint("C-assign-2");
  create.assignee.clear();
  create.assignment_reason =
      choose_assignee(AssignmentRule{}, "after_sales", "", std::vector<AssignmentCandidate>{})
          .to_json();
  r.run(kAgent, create);
  BOOST_TEST(r.snap().assignee.empty());
  const auto assigned =
      std::find_if(r.journal.begin(), r.journal.end(),
                   [](const redress::Event& e) { return e.type == "case.assigned"; });
  BOOST_REQUIRE((assigned != r.journal.end()));
  BOOST_TEST(assigned->data.at("reason").at("code") == "no_agent_available");
  BOOST_TEST(!r.webhook_seen("case.assigned"));
  BOOST_TEST(r.replay_matches());
}

BOOST_AUTO_TEST_CASE(a_reassignment_needs_a_reason_which_the_journal_keeps) {
  CaseRun r;
  r.run(kAgent, complaint("C-assign-3"));  // assigned to kAgent by the caller
  const auto refused = r.attempt(kLead, AssignCase{kAgent2.id, "", ""});
  BOOST_REQUIRE(!refused.accepted());
  BOOST_TEST(refused.rejection().problems.front().pointer == "/reason");
  r.run(kLead, AssignCase{kAgent2.id, "", "agent.li is on leave"});
  BOOST_TEST(r.snap().assignee == kAgent2.id);
  BOOST_TEST(r.journal.back().type == "case.assigned");
  BOOST_TEST(r.journal.back().actor_id == kLead.id);
  BOOST_TEST(r.journal.back().data.at("reason") == "agent.li is on leave");
  BOOST_TEST(r.replay_matches());
  // Releasing one's own case is a change of holder too.
  BOOST_TEST(!r.attempt(kAgent2, AssignCase{"", "", ""}).accepted());
  // Claiming an unassigned case needs none.
  r.run(kAgent2, AssignCase{"", "", "back to the queue"});
  r.run(kAgent, AssignCase{kAgent.id, "", ""});
  BOOST_TEST(r.snap().assignee == kAgent.id);
}

BOOST_AUTO_TEST_SUITE_END()
