// The writer thread of CaseStore: one read-write connection, a queue of pending writes, and
// group commit (each batch of queued writes is one transaction, each write one savepoint in it,
// so a refused write rolls back alone and a batch costs one fsync).
//
// Internal to storage/ (case_store.cpp). Thread-safety: enqueue, stats and wait_until_idle are
// safe from any thread; everything else runs on the writer thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/mutex.h"

#include "storage/case_store.h"
#include "storage/wal_checkpointer.h"

namespace redress::storage {

class CaseStore::Writer {
 public:
  Writer(std::unique_ptr<SqliteDb> db, const StoreOptions& options)
      : db_(std::move(db)),
        context_(*db_, options.writer_snapshot_cache),
        max_batch_(options.max_batch),
        max_queue_(options.max_queue) {
    if (options.wal_autocheckpoint_pages > 0) {
      OpenOptions open;
      open.vfs = options.vfs.empty() ? nullptr : options.vfs.c_str();
      open.busy_timeout_ms = options.busy_timeout_ms;
      checkpointer_ = std::make_unique<WalCheckpointer>(options.path, open, options.synchronous,
                                                        options.wal_autocheckpoint_pages);
      checkpointer_->attach(*db_);
    }
    thread_ = std::thread([this] { loop(); });
  }

  ~Writer() {
    {
      MutexLock lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    if (checkpointer_) {
      checkpointer_->detach(*db_);
      checkpointer_.reset();
    }
    // The connection closes with db_; with WAL the last connection checkpoints on close.
  }

  void enqueue(std::unique_ptr<PendingWrite> write) {
    {
      MutexLock lock(mutex_);
      if (stopping_) {
        write->set_error(
            Error(ErrorCode::kStorageClosed, "the store is shutting down; nothing was written"));
      } else if (queue_.size() >= max_queue_) {
        write->set_error(Error(ErrorCode::kStorageOverloaded,
                               "too many writes are waiting (" + std::to_string(max_queue_) +
                                   "); nothing was written, retry shortly"));
      } else {
        queue_.push_back(std::move(write));
        wake_.notify_one();
        return;
      }
    }
    write->deliver();
  }

  StoreStats stats() const {
    MutexLock lock(stats_mutex_);
    StoreStats stats = stats_;
    if (checkpointer_) stats.checkpoints = checkpointer_->stats();
    return stats;
  }

  void wait_until_idle() {
    MutexLock lock(mutex_);
    while (!queue_.empty() || in_batch_) lock.wait(idle_);
  }

 private:
  using Batch = std::vector<std::unique_ptr<PendingWrite>>;

  void loop() {
    for (;;) {
      Batch batch;
      {
        MutexLock lock(mutex_);
        if (queue_.empty()) {
          in_batch_ = false;
          idle_.notify_all();
        }
        while (!stopping_ && queue_.empty()) lock.wait(wake_);
        if (queue_.empty()) return;  // stopping and drained
        in_batch_ = true;
        // Every write waiting but the bulk ones (in their order); a bulk write alone, and only
        // when nothing else waits (CaseStore::write_bulk).
        for (auto it = queue_.begin(); it != queue_.end() && batch.size() < max_batch_;) {
          if ((*it)->bulk) {
            ++it;
            continue;
          }
          batch.push_back(std::move(*it));
          it = queue_.erase(it);
        }
        if (batch.empty()) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      run_and_answer(batch);
    }
  }

  // Commits the batch and answers every write of it (retrying them one by one when SQLite gave
  // up on the transaction as a whole).
  void run_and_answer(Batch& batch) {
    if (run_batch(batch)) return;
    if (batch.size() == 1) {
      batch.front()->deliver();  // its own error is already set
      return;
    }
    // SQLite gave up on the whole transaction: run each write alone, so the fault reaches only
    // the write it belongs to.
    {
      MutexLock lock(stats_mutex_);
      ++stats_.batch_retries;
    }
    for (auto& write : batch) {
      Batch single;
      single.push_back(std::move(write));
      if (!run_batch(single)) single.front()->deliver();
    }
  }

  // Runs the writes in one transaction, one savepoint each, and answers them after COMMIT.
  // Returns false — nothing committed, nobody answered — when the transaction as a whole failed
  // after work had started; the caller then retries the writes one by one. A failure to BEGIN
  // (another process holds the lock for longer than busy_timeout) answers the whole batch at
  // once: retrying each write would make every one of them wait out the timeout again.
  bool run_batch(Batch& batch) {
    for (auto& w : batch) w->forget_result();
    std::optional<Transaction> tx;
    context_.transaction_rolled_back();  // nothing from a failed batch may linger
    if (checkpointer_) checkpointer_->before_transaction(*db_);
    try {
      tx.emplace(*db_, Transaction::Kind::kImmediate);
    } catch (const SqliteError& e) {
      for (auto& w : batch) {
        w->set_error(to_error(e));
        w->deliver();
      }
      return true;
    }
    try {
      forget_snapshots_changed_elsewhere();
      for (auto& w : batch) run_one(*w);
      context_.write_deferred_rows();
      tx->commit();
      context_.transaction_committed();
    } catch (const SqliteError& e) {
      tx.reset();  // rolls back whatever SQLite did not
      context_.transaction_rolled_back();
      if (batch.size() == 1) {
        batch.front()->set_error(to_error(e));
        return false;
      }
      for (auto& w : batch) w->forget_result();
      return false;
    }
    {
      MutexLock lock(stats_mutex_);
      ++stats_.transactions;
      stats_.writes += batch.size();
      stats_.largest_batch = std::max<std::uint64_t>(stats_.largest_batch, batch.size());
      stats_.snapshot_cache_hits = context_.snapshots().hits();
      stats_.snapshot_cache_misses = context_.snapshots().misses();
    }
    for (auto& w : batch) w->deliver();
    return true;
  }

  void run_one(PendingWrite& write) {
    // Prepared once: parsing these on every write cost the writer as much as its fsyncs.
    context_.statement("SAVEPOINT write")->run();
    try {
      const bool ok = write.run(context_);
      if (ok && !context_.take_discard()) {
        context_.statement("RELEASE write")->run();
        context_.savepoint_released();
      } else {
        context_.take_discard();
        rollback_savepoint();
      }
    } catch (const SqliteError& e) {
      if (!db_->in_transaction()) throw;  // SQLite rolled back the whole transaction
      rollback_savepoint();
      write.set_error(to_error(e));
    } catch (const std::exception& e) {
      // A broken invariant inside one write (a corrupt snapshot, an engine bug) must not take
      // down the writer or the other writes of the batch.
      if (!db_->in_transaction()) throw SqliteError(SQLITE_ERROR, e.what());
      rollback_savepoint();
      write.set_error(
          Error::storage_error(std::string("internal error; nothing was written: ") + e.what()));
    }
  }

  // Inside the transaction, so nobody else can commit until it ends.
  void forget_snapshots_changed_elsewhere() {
    auto s = context_.statement("PRAGMA data_version");
    s->step();
    const std::int64_t version = s->column_int(0);
    if (version != data_version_) context_.snapshots().clear();
    data_version_ = version;
  }

  void rollback_savepoint() {
    context_.savepoint_rolled_back();
    context_.statement("ROLLBACK TO write")->run();
    context_.statement("RELEASE write")->run();
  }

  std::unique_ptr<SqliteDb> db_;
  WriteContext context_;
  // PRAGMA data_version as of this connection's last transaction: it changes when another
  // connection commits.
  std::int64_t data_version_ = -1;
  std::unique_ptr<WalCheckpointer> checkpointer_;
  const size_t max_batch_;
  const size_t max_queue_;
  Mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;  // the queue is empty and no batch is running
  // The writer took a batch and has not answered all of it.
  bool in_batch_ GUARDED_BY(mutex_) = false;
  std::deque<std::unique_ptr<PendingWrite>> queue_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  mutable Mutex stats_mutex_;
  StoreStats stats_ GUARDED_BY(stats_mutex_);
  std::thread thread_;
};

}  // namespace redress::storage
