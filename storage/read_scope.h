// ReadScope: which cases a reader may see. Agents and team leads see the cases of their own
// team and the cases they hold themselves (a case moved to another team stays visible to the
// agent still holding it); supervisors, managers, admins, integrations and Redress itself see
// every case. Every read of case data — listings and search, a case and its journal, its
// compensations, links and attachments, the ledger and its export, the approval queue, the live
// stream — applies the reader's scope; a case outside it reads as not found, so its existence
// does not leak.
//
// Thread-safety: a plain value.
#pragma once

#include <string>
#include <string_view>

#include "engine/role.h"

namespace redress::storage {

struct ReadScope {
  bool everything = true;
  std::string team;     // the reader's team; "" = none (then only the cases they hold)
  std::string user_id;  // the reader; their own cases are always in scope

  // The scope of `actor`: limited for agents and team leads, everything for the others.
  static ReadScope of(const Actor& actor) {
    if (actor.role != Role::kAgent && actor.role != Role::kTeamLead) return {};
    return {false, actor.team, actor.id};
  }

  // Whether a case in `case_team` held by `case_assignee` is in scope.
  bool sees(std::string_view case_team, std::string_view case_assignee) const {
    if (everything) return true;
    return (!team.empty() && case_team == team) || (!user_id.empty() && case_assignee == user_id);
  }
};

// Appends to `sql` the condition that limits rows to `scope` (" AND (team = ? OR assignee = ?)"
// on the given columns; nothing for a scope of everything) and its values to `values`.
template <typename Values>
void append_scope_condition(const ReadScope& scope, std::string_view team_column,
                            std::string_view assignee_column, std::string& sql, Values& values) {
  if (scope.everything) return;
  const auto equals = [&](std::string_view column) { return std::string(column) + " = ?"; };
  if (!scope.team.empty() && !scope.user_id.empty()) {
    sql += " AND (" + equals(team_column) + " OR " + equals(assignee_column) + ")";
    values.emplace_back(scope.team);
    values.emplace_back(scope.user_id);
  } else if (!scope.team.empty()) {
    sql += " AND " + equals(team_column);
    values.emplace_back(scope.team);
  } else if (!scope.user_id.empty()) {
    sql += " AND " + equals(assignee_column);
    values.emplace_back(scope.user_id);
  } else {
    sql += " AND 0";
  }
}

}  // namespace redress::storage
