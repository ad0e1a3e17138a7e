#include "engine/role.h"

namespace redress {

std::optional<Role> parse_role(std::string_view name) {
  if (name == "agent") return Role::kAgent;
  if (name == "team_lead") return Role::kTeamLead;
  if (name == "supervisor") return Role::kSupervisor;
  if (name == "manager") return Role::kManager;
  if (name == "admin") return Role::kAdmin;
  if (name == "integration") return Role::kIntegration;
  if (name == "system") return Role::kSystem;
  return std::nullopt;
}

const char* role_name(Role role) {
  switch (role) {
    case Role::kAgent:
      return "agent";
    case Role::kTeamLead:
      return "team_lead";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kManager:
      return "manager";
    case Role::kAdmin:
      return "admin";
    case Role::kIntegration:
      return "integration";
    case Role::kSystem:
      return "system";
  }
  return "unknown";
}

std::optional<int> ladder_rank(Role role) {
  switch (role) {
    case Role::kAgent:
      return 0;
    case Role::kTeamLead:
      return 1;
    case Role::kSupervisor:
      return 2;
    case Role::kManager:
      return 3;
    default:
      return std::nullopt;
  }
}

std::vector<std::string> ladder_role_names() {
  std::vector<std::string> names;
  for (int rank = 0; rank <= kLadderTop; ++rank) names.emplace_back(role_name(*ladder_role(rank)));
  return names;
}

std::optional<Role> ladder_role(int rank) {
  switch (rank) {
    case 0:
      return Role::kAgent;
    case 1:
      return Role::kTeamLead;
    case 2:
      return Role::kSupervisor;
    case 3:
      return Role::kManager;
    default:
      return std::nullopt;
  }
}

}  // namespace redress
