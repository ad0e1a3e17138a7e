// ServerQueries: the named queries the server runs over the case database for its own
// machinery rather than for one resource — the head of the journal (where the live-update tail
// and the metrics counters start), the case teams and approval roles the stream hub routes
// journal entries by, the gauge counts of /metrics, and the durable write of the readiness
// probe. With these, api/ holds no SQL of its own (docs/architecture.md).
//
// Reads run on the CaseStore's read-only connections and never wait for the writer; the probe
// is a write through the CaseStore's single writer and answers through `done` like every other
// write (called exactly once: on the writer thread after the commit, or at once on the calling
// thread when the store refuses the write). Errors are the storage errors of case_store.h.
//
// read_stored_workflow_definitions runs before any CaseStore exists (its engine needs the
// catalog the stored versions are merged into), on a connection of its own.
//
// Thread-safety: every method may be called from any thread. ServerQueries holds only a
// reference to the CaseStore, which must outlive it and every probe it queued.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/result.h"
#include "storage/case_store.h"

namespace redress::storage {

// One count of a grouped gauge: the group's value (a state, a role) and how many rows have it.
struct GroupCount {
  std::string group;
  std::int64_t count = 0;
};

// A workflow version as the database keeps it: cases pinned to it keep its rules.
struct StoredWorkflowDefinition {
  std::string workflow_id;
  int version = 0;
  std::string definition;  // the JSON text recorded when the version was first loaded
};

class ServerQueries {
 public:
  explicit ServerQueries(CaseStore& store) : store_(store) {}

  // The sequence number of the newest journal entry; 0 for an empty journal.
  Result<std::int64_t> journal_head() const;

  // The team of each case in `case_ids` that has one (cases without a team, or unknown, are
  // left out).
  Result<std::map<std::string, std::string>> case_teams(
      const std::set<std::string>& case_ids) const;
  // The team and holder (assignee) of each case in `case_ids` that exists; "" for none.
  struct CaseHolder {
    std::string team;
    std::string assignee;
  };
  Result<std::map<std::string, CaseHolder>> case_holders(
      const std::set<std::string>& case_ids) const;
  // The role each approval in `approvals` ((case id, approval id) pairs) requires; unknown
  // approvals are left out.
  using ApprovalKey = std::pair<std::string, std::string>;
  Result<std::map<ApprovalKey, std::string>> approval_roles(
      const std::set<ApprovalKey>& approvals) const;

  // Open (not closed) cases counted by state, and pending approvals by the role they require,
  // each ordered by group.
  Result<std::vector<GroupCount>> open_cases_by_state() const;
  Result<std::vector<GroupCount>> pending_approvals_by_role() const;

  // The readiness probe: a real write through the writer (proving the database is writable
  // right now: disk not full, not read-only) that answers the schema version the database
  // holds. Each probe that commits adds one to readiness_probes_written.
  void probe_writable(std::function<void(Result<int>)> done);
  // How many probes have committed on this database, ever.
  Result<std::int64_t> readiness_probes_written() const;

 private:
  CaseStore& store_;
};

// Every workflow version stored in the database of `options` (created and migrated if needed),
// ordered by workflow id and version.
Result<std::vector<StoredWorkflowDefinition>> read_stored_workflow_definitions(
    const StoreOptions& options);

}  // namespace redress::storage
