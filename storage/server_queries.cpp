#include "storage/server_queries.h"

namespace redress::storage {

namespace {

// The row of id_sequences the readiness probe rewrites; its next_value counts the probes.
constexpr const char* kReadinessProbeRow = "readiness_probe";

Result<std::vector<GroupCount>> grouped_counts(const CaseStore& store, const char* sql) {
  return store.read<std::vector<GroupCount>>([sql](ReadContext& context) {
    std::vector<GroupCount> out;
    auto s = context.statement(sql);
    while (s->step()) out.push_back({s->column_text(0), s->column_int(1)});
    return out;
  });
}

}  // namespace

Result<std::int64_t> ServerQueries::journal_head() const {
  return store_.read<std::int64_t>([](ReadContext& context) {
    auto s = context.statement("SELECT coalesce(max(seq), 0) FROM case_events");
    s->step();
    return s->column_int(0);
  });
}

Result<std::map<std::string, std::string>> ServerQueries::case_teams(
    const std::set<std::string>& case_ids) const {
  if (case_ids.empty()) return std::map<std::string, std::string>{};
  return store_.read<std::map<std::string, std::string>>([&case_ids](ReadContext& context) {
    std::map<std::string, std::string> teams;
    auto s = context.statement("SELECT team FROM cases WHERE id = ?");
    for (const auto& id : case_ids) {
      s->bind(1, id);
      if (s->step() && !s->column_is_null(0)) teams[id] = s->column_text(0);
      s->reset();
    }
    return teams;
  });
}

Result<std::map<std::string, ServerQueries::CaseHolder>> ServerQueries::case_holders(
    const std::set<std::string>& case_ids) const {
  if (case_ids.empty()) return std::map<std::string, CaseHolder>{};
  return store_.read<std::map<std::string, CaseHolder>>([&case_ids](ReadContext& context) {
    std::map<std::string, CaseHolder> holders;
    auto s = context.statement("SELECT team, assignee FROM cases WHERE id = ?");
    for (const auto& id : case_ids) {
      s->bind(1, id);
      if (s->step()) holders[id] = CaseHolder{s->column_text(0), s->column_text(1)};
      s->reset();
    }
    return holders;
  });
}

Result<std::map<ServerQueries::ApprovalKey, std::string>> ServerQueries::approval_roles(
    const std::set<ApprovalKey>& approvals) const {
  if (approvals.empty()) return std::map<ApprovalKey, std::string>{};
  return store_.read<std::map<ApprovalKey, std::string>>([&approvals](ReadContext& context) {
    std::map<ApprovalKey, std::string> roles;
    auto s = context.statement(
        "SELECT required_role FROM approvals WHERE case_id = ? AND approval_id = ?");
    for (const auto& key : approvals) {
      s->bind(1, key.first).bind(2, key.second);
      if (s->step()) roles[key] = s->column_text(0);
      s->reset();
    }
    return roles;
  });
}

Result<std::vector<GroupCount>> ServerQueries::open_cases_by_state() const {
  return grouped_counts(store_,
                        "SELECT state, count(*) FROM cases WHERE closed_at IS NULL "
                        "GROUP BY state ORDER BY state");
}

Result<std::vector<GroupCount>> ServerQueries::pending_approvals_by_role() const {
  return grouped_counts(store_,
                        "SELECT required_role, count(*) FROM approvals WHERE status = 'pending' "
                        "GROUP BY required_role ORDER BY required_role");
}

void ServerQueries::probe_writable(std::function<void(Result<int>)> done) {
  store_.write<int>(
      [](WriteContext& context) -> Result<int> {
        auto version = context.statement("PRAGMA user_version");
        version->step();
        const auto schema_version = static_cast<int>(version->column_int(0));
        auto touch = context.statement(
            "INSERT INTO id_sequences (name, next_value) VALUES (?, 1) "
            "ON CONFLICT (name) DO UPDATE SET next_value = next_value + 1");
        touch->bind(1, kReadinessProbeRow);
        touch->run();
        return schema_version;
      },
      std::move(done));
}

Result<std::int64_t> ServerQueries::readiness_probes_written() const {
  return store_.read<std::int64_t>([](ReadContext& context) -> std::int64_t {
    auto s = context.statement("SELECT next_value FROM id_sequences WHERE name = ?");
    s->bind(1, kReadinessProbeRow);
    return s->step() ? s->column_int(0) : 0;
  });
}

Result<std::vector<StoredWorkflowDefinition>> read_stored_workflow_definitions(
    const StoreOptions& options) {
  auto db = open_writer_connection(options);
  if (!db.ok()) return db.error();
  try {
    Statement s(*db.value(),
                "SELECT workflow_id, version, definition FROM workflow_definitions "
                "ORDER BY workflow_id, version");
    std::vector<StoredWorkflowDefinition> out;
    while (s.step()) {
      out.push_back({s.column_text(0), static_cast<int>(s.column_int(1)), s.column_text(2)});
    }
    return out;
  } catch (const SqliteError& e) {
    return to_error(e);
  }
}

}  // namespace redress::storage
