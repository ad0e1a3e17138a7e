#include "storage/snapshot_cache.h"

namespace redress::storage {

SnapshotCache::Entry SnapshotCache::find(const std::string& case_id, std::int64_t version) {
  Entry found;
  // The newest layer that knows the case decides: an older layer's entry is stale by then.
  if (auto it = savepoint_.find(case_id); it != savepoint_.end()) {
    found = matching(it->second, version);
  } else if (auto t = transaction_.find(case_id); t != transaction_.end()) {
    found = matching(t->second, version);
  } else if (auto c = committed_.find(case_id); c != committed_.end()) {
    found = matching(*c->second, version);
    if (found) lru_.splice(lru_.begin(), lru_, c->second);
  }
  ++(found ? hits_ : misses_);
  return found;
}

void SnapshotCache::stage(CaseSnapshot snapshot) {
  if (capacity_ == 0) return;
  auto id = snapshot.id;
  savepoint_[std::move(id)] = std::make_shared<const CaseSnapshot>(std::move(snapshot));
}

void SnapshotCache::release_savepoint() {
  for (auto& [id, entry] : savepoint_) transaction_[id] = std::move(entry);
  savepoint_.clear();
}

void SnapshotCache::rollback_savepoint() {
  savepoint_.clear();
}

void SnapshotCache::commit() {
  release_savepoint();  // nothing is staged outside a savepoint, but never lose a write
  for (auto& [id, entry] : transaction_) remember(std::move(entry));
  transaction_.clear();
}

void SnapshotCache::rollback() {
  savepoint_.clear();
  transaction_.clear();
}

void SnapshotCache::clear() {
  rollback();
  committed_.clear();
  lru_.clear();
}

void SnapshotCache::remember(Entry entry) {
  if (auto it = committed_.find(entry->id); it != committed_.end()) {
    *it->second = std::move(entry);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  const std::string id = entry->id;
  lru_.push_front(std::move(entry));
  committed_.emplace(id, lru_.begin());
  if (committed_.size() > capacity_) {
    committed_.erase(lru_.back()->id);
    lru_.pop_back();
  }
}

}  // namespace redress::storage
