#include "engine/assignment_policy.h"

#include <algorithm>
#include <tuple>

#include "engine/policy_parsing.h"

namespace redress {

namespace {

using nlohmann::json;
using policy_parsing::expect_type;

constexpr const char* kFewestOpenCases = "fewest_open_cases";

// Directory ids (teams, users): 1..128 of [A-Za-z0-9._@-], as storage/directory_store.h checks.
bool is_directory_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '@' || c == '-';
  });
}

std::optional<AssignmentRule> read_rule(const json& value, const std::string& pointer,
                                        JsonReader& log) {
  if (!log.expect_object(value, pointer, "an assignment rule")) return std::nullopt;
  const auto errors_before = log.error_count();
  log.check_keys(value, pointer, {"strategy", "category_skills", "when_none_available"},
                 "an assignment rule");
  AssignmentRule rule;
  const auto strategy = log.optional_string(value, pointer, "strategy").value_or(kFewestOpenCases);
  if (strategy == "claim") {
    rule.strategy = AssignmentStrategy::kClaim;
    for (const char* key : {"category_skills", "when_none_available"}) {
      if (value.contains(key)) {
        log.error("BAD_VALUE", pointer + "/" + key,
                  quote_name(key) +
                      " has no effect with strategy 'claim' (nobody is chosen); "
                      "remove it or use strategy 'fewest_open_cases'");
      }
    }
  } else if (strategy != kFewestOpenCases) {
    log.error("BAD_VALUE", pointer + "/strategy",
              "unknown strategy " + quote_name(strategy) + "; use " + quote_name(kFewestOpenCases) +
                  " or 'claim'");
  }
  if (value.contains("category_skills")) {
    const auto& skills = value["category_skills"];
    const auto at = pointer + "/category_skills";
    if (expect_type(skills.is_object(), skills, at, "'category_skills'",
                    "an object of category -> skill name", log)) {
      for (const auto& [category, skill] : skills.items()) {
        const auto entry = at + "/" + category;
        if (!is_valid_name(category)) {
          log.error("BAD_NAME", entry,
                    "category " + quote_name(category) +
                        " must be [a-z][a-z0-9_]*, as the "
                        "workflows' category values are");
          continue;
        }
        if (!expect_type(skill.is_string(), skill, entry, "a skill", "a string", log)) continue;
        if (!log.check_name(skill.get<std::string>(), entry, "skill name")) continue;
        rule.category_skills.emplace(category, skill.get<std::string>());
      }
    }
  }
  const auto fallback =
      log.optional_string(value, pointer, "when_none_available").value_or("leave_unassigned");
  if (fallback == "team_lead") {
    rule.when_none_available = NoAgentFallback::kTeamLead;
  } else if (fallback != "leave_unassigned") {
    log.error("BAD_VALUE", pointer + "/when_none_available",
              "unknown fallback " + quote_name(fallback) +
                  "; use 'leave_unassigned' (the case waits in the team queue) or 'team_lead'");
  }
  if (log.error_count() != errors_before) return std::nullopt;
  return rule;
}

// An agent who may take a case now.
bool is_available(const AssignmentCandidate& c) {
  return c.availability == Availability::kOnShift && c.in_working_hours;
}

bool has_skill(const AssignmentCandidate& c, const std::string& skill) {
  return std::find(c.skills.begin(), c.skills.end(), skill) != c.skills.end();
}

}  // namespace

const char* availability_name(Availability availability) {
  return availability == Availability::kAway ? "away" : "on_shift";
}

std::optional<Availability> parse_availability(std::string_view name) {
  if (name == "on_shift") return Availability::kOnShift;
  if (name == "away") return Availability::kAway;
  return std::nullopt;
}

const char* assignment_reason_name(AssignmentReasonCode code) {
  switch (code) {
    case AssignmentReasonCode::kFewestOpenCases:
      return "fewest_open_cases";
    case AssignmentReasonCode::kFewestOpenCasesWithoutSkill:
      return "fewest_open_cases_without_skill";
    case AssignmentReasonCode::kTeamLead:
      return "team_lead";
    case AssignmentReasonCode::kNoAgentAvailable:
      return "no_agent_available";
  }
  return "no_agent_available";
}

std::optional<AssignmentPolicy> AssignmentPolicy::parse(const json& definition,
                                                        const std::string& pointer,
                                                        Problems& problems) {
  JsonReader log(problems);
  if (!log.expect_object(definition, pointer, "an assignment policy")) return std::nullopt;
  log.check_keys(definition, pointer,
                 {"kind", "id", "title", "description", "default_team", "default", "teams"});
  AssignmentPolicy policy;
  if (const auto id = log.required_string(definition, pointer, "id")) {
    if (log.check_name(*id, pointer + "/id", "policy id")) policy.id_ = *id;
  }
  read_label(log, definition, pointer, "title", "the title of the assignment policy");
  log.optional_string(definition, pointer, "description");
  if (const auto team = log.optional_string(definition, pointer, "default_team")) {
    if (is_directory_id(*team)) {
      policy.default_team_ = *team;
    } else {
      log.error("BAD_NAME", pointer + "/default_team",
                "team id " + quote_name(*team) + " must be 1-128 characters of [A-Za-z0-9._@-]");
    }
  }
  if (!definition.contains("default")) {
    log.error("MISSING_KEY", pointer + "/default",
              "missing required key 'default' (the rule of every team without its own)");
  } else if (auto rule = read_rule(definition["default"], pointer + "/default", log)) {
    policy.default_ = std::move(*rule);
  }
  if (definition.contains("teams")) {
    const auto& teams = definition["teams"];
    const auto at = pointer + "/teams";
    if (expect_type(teams.is_object(), teams, at, "'teams'", "an object of team id -> rule", log)) {
      for (const auto& [team, value] : teams.items()) {
        const auto entry = at + "/" + team;
        if (!is_directory_id(team)) {
          log.error("BAD_NAME", entry,
                    "team id " + quote_name(team) + " must be 1-128 characters of [A-Za-z0-9._@-]");
          continue;
        }
        if (auto rule = read_rule(value, entry, log)) policy.teams_.emplace(team, std::move(*rule));
      }
    }
  }
  if (log.has_new_errors()) return std::nullopt;
  return policy;
}

const AssignmentRule& AssignmentPolicy::rule_for(std::string_view team) const {
  const auto found = teams_.find(team);
  return found == teams_.end() ? default_ : found->second;
}

std::string AssignmentChoice::text() const {
  const auto team_words = "team " + team + "'s ";
  switch (reason) {
    case AssignmentReasonCode::kFewestOpenCases:
      return "fewest open cases: " + std::to_string(open_cases) + ", among " + team_words +
             std::to_string(available_agents) + " available agent" +
             (available_agents == 1 ? "" : "s") +
             (skill.empty() ? std::string() : " with skill " + skill);
    case AssignmentReasonCode::kFewestOpenCasesWithoutSkill:
      return "no available agent has skill " + skill +
             "; fewest open cases: " + std::to_string(open_cases) + ", among " + team_words +
             std::to_string(available_agents) + " available agent" +
             (available_agents == 1 ? "" : "s");
    case AssignmentReasonCode::kTeamLead:
    case AssignmentReasonCode::kNoAgentAvailable: {
      std::string why = "no agent available in team " + team + " (" + std::to_string(team_agents) +
                        " agent" + (team_agents == 1 ? "" : "s") + ": " +
                        std::to_string(away_agents) + " away, " + std::to_string(off_hours_agents) +
                        " outside working hours)";
      return why + (reason == AssignmentReasonCode::kTeamLead ? "; assigned to the team lead"
                                                              : "; left in the team queue");
    }
  }
  return {};
}

json AssignmentChoice::to_json() const {
  return {{"code", assignment_reason_name(reason)},
          {"text", text()},
          {"team", team},
          {"skill", skill},
          {"open_cases", open_cases},
          {"available_agents", available_agents},
          {"team_agents", team_agents},
          {"away_agents", away_agents},
          {"off_hours_agents", off_hours_agents}};
}

AssignmentChoice choose_assignee(const AssignmentRule& rule, const std::string& team,
                                 const std::string& category,
                                 std::span<const AssignmentCandidate> candidates) {
  AssignmentChoice choice;
  choice.team = team;
  if (const auto found = rule.category_skills.find(category);
      !category.empty() && found != rule.category_skills.end()) {
    choice.skill = found->second;
  }
  std::vector<const AssignmentCandidate*> available, skilled, leads;
  for (const auto& c : candidates) {
    if (c.team_lead) {
      leads.push_back(&c);
      continue;
    }
    ++choice.team_agents;
    if (c.availability == Availability::kAway) {
      ++choice.away_agents;
    } else if (!c.in_working_hours) {
      ++choice.off_hours_agents;
    }
    if (!is_available(c)) continue;
    available.push_back(&c);
    if (!choice.skill.empty() && has_skill(c, choice.skill)) skilled.push_back(&c);
  }
  const auto fewest = [](const AssignmentCandidate* a, const AssignmentCandidate* b) {
    return std::tie(a->open_cases, a->user_id) < std::tie(b->open_cases, b->user_id);
  };
  if (!available.empty()) {
    const bool skill_applies = !choice.skill.empty() && !skilled.empty();
    const auto& pool = skill_applies ? skilled : available;
    choice.reason = !choice.skill.empty() && !skill_applies
                        ? AssignmentReasonCode::kFewestOpenCasesWithoutSkill
                        : AssignmentReasonCode::kFewestOpenCases;
    const auto* chosen = *std::min_element(pool.begin(), pool.end(), fewest);
    choice.assignee = chosen->user_id;
    choice.open_cases = chosen->open_cases;
    choice.available_agents = static_cast<int>(pool.size());
    return choice;
  }
  if (rule.when_none_available == NoAgentFallback::kTeamLead && !leads.empty()) {
    const auto lead_order = [](const AssignmentCandidate* a, const AssignmentCandidate* b) {
      const bool a_away = !is_available(*a), b_away = !is_available(*b);
      return std::tie(a_away, a->open_cases, a->user_id) <
             std::tie(b_away, b->open_cases, b->user_id);
    };
    const auto* lead = *std::min_element(leads.begin(), leads.end(), lead_order);
    choice.reason = AssignmentReasonCode::kTeamLead;
    choice.assignee = lead->user_id;
    choice.open_cases = lead->open_cases;
    return choice;
  }
  choice.reason = AssignmentReasonCode::kNoAgentAvailable;
  return choice;
}

}  // namespace redress
