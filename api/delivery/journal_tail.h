// JournalTail: what the stream hub reads of the journal — its end, the entries after a sequence
// number, and the topics each entry is published on (which needs the case's current team and an
// approval's required role, read from storage). JournalSource is the small interface the hub
// depends on, so the hub's fan-out and replay can run over another source.
//
// Reads are blocking read-only queries on the store's read connections; nothing here writes.
//
// Thread-safety: JournalTail holds no mutable state; its const methods may be called from any
// thread (CaseStore's reads are thread-safe). The store must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/result.h"
#include "storage/case_store.h"
#include "storage/server_queries.h"

namespace redress::api {

// Which case facts the topics of a read need: the case teams (for team:<t> topics and all) and
// the approval roles of approval.decided entries (for approvals:<role> and all). Facts nobody
// subscribed to are not read; the topics then simply leave them out.
struct TopicFacts {
  bool teams = false;
  bool approvals = false;
  bool holders = false;  // the holder markers of each entry's case (holder_team_topic, ...)
};

class JournalSource {
 public:
  virtual ~JournalSource() = default;

  // The sequence of the journal's last entry (0 when it is empty).
  virtual Result<std::int64_t> end() const = 0;
  // The entries with seq > `after`, in journal order, at most `limit`.
  virtual Result<std::vector<storage::StoredEvent>> read_after(std::int64_t after,
                                                               std::size_t limit) const = 0;
  // The topics each of `entries` is published on (event_topics), one list per entry, in order.
  virtual Result<std::vector<std::vector<std::string>>> topics_of(
      const std::vector<storage::StoredEvent>& entries, TopicFacts needed) const = 0;
};

class JournalTail final : public JournalSource {
 public:
  explicit JournalTail(storage::CaseStore& store);

  Result<std::int64_t> end() const override;
  Result<std::vector<storage::StoredEvent>> read_after(std::int64_t after,
                                                       std::size_t limit) const override;
  Result<std::vector<std::vector<std::string>>> topics_of(
      const std::vector<storage::StoredEvent>& entries, TopicFacts needed) const override;

 private:
  storage::CaseStore& store_;
  const storage::ServerQueries queries_;  // the journal head and the facts topics need
};

}  // namespace redress::api
