// WalCheckpointer: copies the write-ahead log back into the database file on its own thread and
// connection, so that the writer does not stop for checkpoints.
//
// With SQLite's automatic checkpoints, the connection whose commit takes the WAL past the limit
// runs the checkpoint inside that commit: the writer copied thousands of pages and synced the
// database file while every command of the batch (and the ones queued behind it) waited. That
// was the largest part of the writer's latency tail.
//
// Instead, the writer's WAL hook reports the WAL's size after each commit, and past
// `threshold_frames` this thread runs PASSIVE checkpoints (they never block the writer or the
// readers) until little is left. Only then does the writer, between two transactions, copy the
// last few frames itself: the WAL can start over from its beginning only when a write
// transaction begins with every frame copied, and under steady load only the writer can see
// that moment. If the WAL ever grows past `kHardLimitFactor` times the threshold (the thread
// cannot keep up, or a reader held it back), the writer checkpoints everything itself.
//
// Thread-safety: `before_transaction` and the hook run on the writer's thread; the rest is
// internal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/mutex.h"
#include "storage/sqlite.h"

namespace redress::storage {

struct CheckpointStats {
  std::uint64_t background = 0;  // checkpoints run by the checkpoint thread
  std::uint64_t by_writer = 0;   // checkpoints the writer ran (tail or hard limit)
  std::uint64_t failures = 0;    // checkpoints SQLite refused (I/O errors)
  std::int64_t wal_frames = 0;   // the WAL's size after the last commit
  std::int64_t largest_wal_frames = 0;
};

class WalCheckpointer {
 public:
  static constexpr int kHardLimitFactor = 8;

  // Opens its own connection to `path` (with `synchronous`: a checkpoint syncs like a commit).
  // Throws SqliteError when it cannot.
  WalCheckpointer(const std::string& path, const OpenOptions& open, Synchronous synchronous,
                  int threshold_frames);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Takes over `writer`'s checkpoints (replacing SQLite's automatic ones) until `detach`.
  void attach(SqliteDb& writer);
  void detach(SqliteDb& writer);

  // On the writer's thread, outside any transaction: runs the writer's share, if due.
  void before_transaction(SqliteDb& writer);

  CheckpointStats stats() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int frames);
  void loop();
  // Returns the frames left to copy, or -1 when SQLite refused (busy or failed).
  std::int64_t checkpoint(SqliteDb& db);
  std::int64_t tail() const;

  const std::int64_t threshold_;
  const std::int64_t tail_;  // few enough frames for the writer to copy between transactions
  std::unique_ptr<SqliteDb> db_;

  Mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ GUARDED_BY(mutex_) = false;
  bool running_ GUARDED_BY(mutex_) = false;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;

  std::atomic<bool> tail_ready_{false};
  std::atomic<bool> over_hard_limit_{false};
  std::atomic<std::int64_t> last_commit_frames_{0};
  mutable Mutex stats_mutex_;
  CheckpointStats stats_ GUARDED_BY(stats_mutex_);
};

}  // namespace redress::storage
