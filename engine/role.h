// Roles of the people and systems that act on cases.
//
// The escalation ladder is agent < team_lead < supervisor < manager. `admin` manages the system
// (users, tokens, definitions) but is not on the ladder; `integration` is another system acting
// through a token; `system` is Redress itself (timers).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redress {

enum class Role { kAgent, kTeamLead, kSupervisor, kManager, kAdmin, kIntegration, kSystem };

std::optional<Role> parse_role(std::string_view name);
const char* role_name(Role role);

// Position on the escalation / authority ladder: agent 0, team_lead 1, supervisor 2, manager 3.
// Other roles are off the ladder (nullopt).
std::optional<int> ladder_rank(Role role);

// The ladder role at a rank (0..3), or nullopt.
std::optional<Role> ladder_role(int rank);

inline constexpr int kLadderTop = 3;

// The names of the ladder roles, lowest first: the escalation levels a case can be at and the
// approval queues there are.
std::vector<std::string> ladder_role_names();

// Someone who acts: a person, another system or Redress itself.
struct Actor {
  std::string id;  // user id, token id, or "system"
  Role role = Role::kAgent;
  std::string team;  // may be empty
};

}  // namespace redress
