// AssignmentPolicy: who gets a new case nobody named an assignee for. A shop-wide data file in
// workflows/ ("kind": "assignment_policy") with a rule per team and a default rule, and the pure
// function that applies a rule to the team's people as the directory sees them at creation.
//
// A rule:
//   "strategy": "fewest_open_cases"     among the team's available agents, the one holding the
//                                       fewest open cases;
//               "claim"                 nobody is chosen: new cases wait in the team queue and
//                                       agents claim them (how a shop works without the policy)
//   "category_skills": {"quality": "quality_inspection", ...}   optional: a case of this
//                                       category prefers agents with this skill (an agent's
//                                       `skills` in the directory); when no available agent has
//                                       it, every available agent is considered (and the reason
//                                       says so) rather than leaving the case waiting
//   "when_none_available": "leave_unassigned" | "team_lead"   no available agent: the case waits
//                                       in the team queue, or goes to the team's lead
// The file: `id`, `title`, `description`, optional `default_team` (the team of a case opened
// without one), `default` (the rule of every team without its own) and `teams` (team id -> rule).
//
// Availability: an agent is available when active, on shift (not away) and inside their team's
// working hours (the team's business calendar; a team without a calendar is always working).
// Only role agent is a candidate; team leads are the fallback.
//
// Tie-break, deterministic: fewest open cases, then the user id in byte order. The fallback
// lead: an available lead before one who is not, then fewest open cases, then user id.
//
// The choice is computed once, by the API at creation, and recorded in the case's journal
// (case.assigned with a `reason`): replay reads it and never recomputes it.
//
// Thread-safety: immutable after parsing and safe to share; choose_assignee is pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/localized_text.h"
#include "engine/validation_problem.h"

namespace redress {

// Whether an agent takes new cases: on shift, or away (break, leave, off duty).
enum class Availability { kOnShift, kAway };

const char* availability_name(Availability availability);
std::optional<Availability> parse_availability(std::string_view name);

enum class NoAgentFallback { kLeaveUnassigned, kTeamLead };
enum class AssignmentStrategy { kFewestOpenCases, kClaim };

struct AssignmentRule {
  AssignmentStrategy strategy = AssignmentStrategy::kFewestOpenCases;
  // category -> skill; empty: skills are not considered.
  std::map<std::string, std::string> category_skills;
  NoAgentFallback when_none_available = NoAgentFallback::kLeaveUnassigned;
};

class AssignmentPolicy {
 public:
  // Reports every problem into `problems` under `pointer`; nullopt when any error was reported.
  // Codes: MISSING_KEY, BAD_TYPE, UNKNOWN_KEY, BAD_NAME (policy id, a category or skill name not
  // [a-z][a-z0-9_]*, a team id not 1-128 of [A-Za-z0-9._@-]), BAD_VALUE (an unknown strategy or
  // when_none_available, or either of the other members with strategy "claim").
  static std::optional<AssignmentPolicy> parse(const nlohmann::json& definition,
                                               const std::string& pointer, Problems& problems);

  const std::string& id() const { return id_; }
  const std::string& default_team() const { return default_team_; }  // "" when none
  // The rule of `team`: its own, else the default.
  const AssignmentRule& rule_for(std::string_view team) const;
  const std::map<std::string, AssignmentRule, std::less<>>& team_rules() const { return teams_; }
  const AssignmentRule& default_rule() const { return default_; }

 private:
  AssignmentPolicy() = default;

  std::string id_;
  std::string default_team_;
  AssignmentRule default_;
  std::map<std::string, AssignmentRule, std::less<>> teams_;
};

// One person of the team as the directory sees them at the moment of the choice.
struct AssignmentCandidate {
  std::string user_id;
  bool team_lead = false;  // role team_lead (a fallback); otherwise an agent (a candidate)
  Availability availability = Availability::kOnShift;
  std::vector<std::string> skills;
  std::int64_t open_cases = 0;   // open cases the person holds
  bool in_working_hours = true;  // the team's calendar says the team works now
};

// Why the case went where it went; what the journal records (to_json) so that the console can
// say it in each language.
enum class AssignmentReasonCode {
  kFewestOpenCases,  // the available agent with the fewest open cases (with the skill, if any)
  kFewestOpenCasesWithoutSkill,  // no available agent has the category's skill: among all
  kTeamLead,                     // no agent available: the team's lead
  kNoAgentAvailable,             // no agent available (and no lead): left in the team queue
};

const char* assignment_reason_name(AssignmentReasonCode code);

struct AssignmentChoice {
  std::string assignee;  // "" = left unassigned in the team queue
  AssignmentReasonCode reason = AssignmentReasonCode::kNoAgentAvailable;
  std::string team;
  std::string skill;            // the category's skill; "" when the rule names none
  std::int64_t open_cases = 0;  // the chosen person's open cases before this one
  int available_agents = 0;     // available agents considered (with the skill, when it applied)
  int team_agents = 0;          // the team's agents
  int away_agents = 0;          // of those, away
  int off_hours_agents = 0;     // of those on shift, outside the team's working hours

  // "fewest open cases: 2, among team t1's 3 available agents" and the like.
  std::string text() const;
  // {"code", "text", "team", "skill", "open_cases", "available_agents", "team_agents",
  //  "away_agents", "off_hours_agents"}: the journal's `reason` of an automatic assignment.
  nlohmann::json to_json() const;
};

// Applies `rule` to `candidates` (the team's active agents and leads) for a case of `category`.
AssignmentChoice choose_assignee(const AssignmentRule& rule, const std::string& team,
                                 const std::string& category,
                                 std::span<const AssignmentCandidate> candidates);

}  // namespace redress
