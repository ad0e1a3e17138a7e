#include "storage/wal_checkpointer.h"

#include <algorithm>

#include <sqlite3.h>

namespace redress::storage {

WalCheckpointer::WalCheckpointer(const std::string& path, const OpenOptions& open,
                                 Synchronous synchronous, int threshold_frames)
    : threshold_(std::max(threshold_frames, 1)),
      tail_(std::max<std::int64_t>(threshold_ / 16, 64)),
      db_(std::make_unique<SqliteDb>(path, open)) {
  db_->exec(synchronous == Synchronous::kFull ? "PRAGMA synchronous = FULL"
                                              : "PRAGMA synchronous = NORMAL");
  db_->exec("PRAGMA wal_autocheckpoint = 0");  // it checkpoints only when asked to
  thread_ = std::thread([this] { loop(); });
}

WalCheckpointer::~WalCheckpointer() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void WalCheckpointer::attach(SqliteDb& writer) {
  sqlite3_wal_hook(writer.handle(), &WalCheckpointer::on_commit, this);
}

void WalCheckpointer::detach(SqliteDb& writer) {
  sqlite3_wal_hook(writer.handle(), nullptr, nullptr);
}

int WalCheckpointer::on_commit(void* self_pointer, sqlite3*, const char*, int frames) {
  auto* self = static_cast<WalCheckpointer*>(self_pointer);
  {
    MutexLock lock(self->stats_mutex_);
    // After a restart the count starts again from this commit's own frames.
    const std::int64_t added =
        frames > self->stats_.wal_frames ? frames - self->stats_.wal_frames : frames;
    self->last_commit_frames_ = added;
    self->stats_.wal_frames = frames;
    self->stats_.largest_wal_frames =
        std::max<std::int64_t>(self->stats_.largest_wal_frames, frames);
  }
  if (frames >= self->threshold_ * kHardLimitFactor) self->over_hard_limit_ = true;
  // While the writer's turn is pending, another pass would only collide with it.
  if (frames >= self->threshold_ && !self->tail_ready_) {
    MutexLock lock(self->mutex_);
    if (!self->running_ && !self->wanted_) {
      self->wanted_ = true;
      self->wake_.notify_one();
    }
  }
  return SQLITE_OK;  // the commit itself is done and durable; nothing here can undo it
}

void WalCheckpointer::before_transaction(SqliteDb& writer) {
  const bool hard = over_hard_limit_.exchange(false);
  if (!hard && !tail_ready_) return;
  if (checkpoint(writer) < 0) return;  // busy: the thread is in a pass; try again next time
  tail_ready_ = false;
  MutexLock lock(stats_mutex_);
  ++stats_.by_writer;
}

std::int64_t WalCheckpointer::checkpoint(SqliteDb& db) {
  int log_frames = 0;
  int copied_frames = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           &log_frames, &copied_frames);
  if (rc == SQLITE_OK) return std::max(log_frames - copied_frames, 0);
  if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {  // busy: another checkpoint is running
    MutexLock lock(stats_mutex_);
    ++stats_.failures;
  }
  return -1;
}

void WalCheckpointer::loop() {
  for (;;) {
    {
      MutexLock lock(mutex_);
      while (!stopping_ && !wanted_) lock.wait(wake_);
      if (stopping_) return;
      wanted_ = false;
      running_ = true;
    }
    // The writer keeps appending meanwhile; each pass copies what was there when it began, so
    // a few passes bring what is left down to the tail.
    std::int64_t left = -1;
    for (int pass = 0; pass < 8; ++pass) {
      left = checkpoint(*db_);
      if (left >= 0) {
        MutexLock lock(stats_mutex_);
        ++stats_.background;
      }
      if (left < 0 || left <= tail()) break;
    }
    if (left >= 0 && left <= tail()) tail_ready_ = true;
    MutexLock lock(mutex_);
    running_ = false;
  }
}

std::int64_t WalCheckpointer::tail() const {
  // What was committed while a pass ran is always left over: the writer copies about two
  // commits' worth, never much more.
  return std::max(tail_, 2 * last_commit_frames_.load());
}

CheckpointStats WalCheckpointer::stats() const {
  MutexLock lock(stats_mutex_);
  return stats_;
}

}  // namespace redress::storage
