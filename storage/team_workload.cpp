#include "storage/team_workload.h"

#include <map>
#include <utility>

namespace redress::storage {

// One row per assignee (NULL: unassigned), from cases_open_workload alone: the partial index's
// condition is spelled exactly as it is declared so that SQLite can use it.
const char* const kTeamWorkloadSql =
    "SELECT assignee, count(*), "
    "count(*) FILTER (WHERE sla_warned = 1 AND sla_breached = 0), "
    "count(*) FILTER (WHERE sla_breached = 1) "
    "FROM cases WHERE team = ?1 AND closed_at IS NULL GROUP BY assignee";

Result<std::optional<TeamWorkload>> read_team_workload(const CaseStore& store,
                                                       const std::string& team_id) {
  return store.read<std::optional<TeamWorkload>>(
      [&](ReadContext& context) -> std::optional<TeamWorkload> {
        Transaction tx(context.db(), Transaction::Kind::kDeferred);  // one consistent view
        {
          auto team = context.statement("SELECT 1 FROM teams WHERE id = ?");
          team->bind(1, team_id);
          if (!team->step()) return std::nullopt;
        }
        TeamWorkload workload;
        workload.team_id = team_id;
        std::map<std::string, WorkloadCounts> held;  // assignee -> counts
        {
          auto s = context.statement(kTeamWorkloadSql);
          s->bind(1, team_id);
          while (s->step()) {
            const WorkloadCounts counts{s->column_int(1), s->column_int(2), s->column_int(3)};
            workload.total.open += counts.open;
            workload.total.warning += counts.warning;
            workload.total.breached += counts.breached;
            if (s->column_is_null(0)) {
              workload.unassigned = counts;
            } else {
              held[s->column_text(0)] = counts;
            }
          }
        }
        {
          auto s = context.statement(
              "SELECT id, display_name, role FROM users WHERE team_id = ? AND active = 1 "
              "ORDER BY id");
          s->bind(1, team_id);
          while (s->step()) {
            AssigneeWorkload member{
                s->column_text(0), s->column_text(1), parse_role(s->column_text(2)), true, {}};
            if (auto it = held.find(member.user_id); it != held.end()) {
              member.counts = it->second;
              held.erase(it);
            }
            workload.people.push_back(std::move(member));
          }
        }
        // Whoever else holds the team's cases: a few people at most, each looked up by id.
        auto lookup = context.statement("SELECT display_name, role FROM users WHERE id = ?");
        for (const auto& [id, counts] : held) {
          lookup->bind(1, id);
          if (lookup->step()) {
            workload.people.push_back(
                {id, lookup->column_text(0), parse_role(lookup->column_text(1)), false, counts});
          } else {
            workload.people.push_back({id, id, std::nullopt, false, counts});
          }
          lookup->reset();
        }
        tx.commit();
        return workload;
      });
}

}  // namespace redress::storage
