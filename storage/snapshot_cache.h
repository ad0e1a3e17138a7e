// SnapshotCache: the parsed snapshots of the cases the writer wrote last.
//
// Parsing a case's stored snapshot (2-3 KB of JSON) was the largest single cost of a command on
// the writer thread, whose time bounds the write rate of the whole server. A case being worked
// on receives several commands in a row, so the writer keeps the snapshot it just wrote and
// uses it for the case's next command instead of parsing the row again.
//
// The cache must never hand out a snapshot the database does not hold. Two rules keep it so:
//   - An entry is used only when its version equals the version column of the case row read in
//     the same transaction; anything else is a miss (and the row is parsed as before).
//   - A snapshot written by a write becomes visible to later writes only as far as that write
//     itself is durable: `stage` puts it in the current savepoint; `release_savepoint` moves it
//     to the transaction; `commit` makes it visible. `rollback_savepoint` and `rollback` forget
//     what they undo, so a version number freed by a rollback cannot be matched by a different
//     snapshot later.
//   - Another connection (another process: an operator's tool, a repair) may change rows
//     without going through this writer. The writer asks SQLite at the start of every
//     transaction whether anyone else committed since (PRAGMA data_version) and `clear`s the
//     cache if so.
//
// Thread-safety: none; the writer thread alone owns it (through WriteContext).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/case_snapshot.h"

namespace redress::storage {

class SnapshotCache {
 public:
  using Entry = std::shared_ptr<const CaseSnapshot>;

  // `capacity`: committed snapshots kept (least recently used goes first); 0 disables caching.
  explicit SnapshotCache(size_t capacity) : capacity_(capacity) {}

  // The snapshot of `case_id` at `version` as this transaction sees it, or null.
  Entry find(const std::string& case_id, std::int64_t version);

  // The snapshot the current write just stored for its case.
  void stage(CaseSnapshot snapshot);
  void release_savepoint();
  void rollback_savepoint();
  void commit();
  void rollback();
  void clear();

  size_t size() const { return committed_.size(); }
  std::uint64_t hits() const { return hits_; }
  std::uint64_t misses() const { return misses_; }

 private:
  using Lru = std::list<Entry>;  // most recently used first

  static Entry matching(const Entry& entry, std::int64_t version) {
    return entry && entry->version == version ? entry : nullptr;
  }
  void remember(Entry entry);

  const size_t capacity_;
  Lru lru_;
  std::unordered_map<std::string, Lru::iterator> committed_;
  // Later stages of the same case replace earlier ones; both maps are small (one batch).
  std::unordered_map<std::string, Entry> savepoint_;
  std::unordered_map<std::string, Entry> transaction_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace redress::storage
