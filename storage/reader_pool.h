// The read connections of CaseStore: a fixed pool of read-only WAL connections, each with its
// own prepared-statement cache; a read borrows one and gives it back whatever happens.
//
// Internal to storage/ (case_store.cpp, case_reads.cpp). Thread-safety: `with` is safe from any
// thread; it waits while every connection is lent out.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/mutex.h"

#include "storage/case_store.h"

namespace redress::storage {

class CaseStore::ReaderPool {
 public:
  struct Reader {
    explicit Reader(std::unique_ptr<SqliteDb> connection)
        : db(std::move(connection)), statements(*db) {}
    std::unique_ptr<SqliteDb> db;
    StatementCache statements;
  };

  explicit ReaderPool(const StoreOptions& options) {
    OpenOptions open;
    open.read_only = true;
    open.vfs = options.vfs.empty() ? nullptr : options.vfs.c_str();
    open.busy_timeout_ms = options.busy_timeout_ms;
    for (int i = 0; i < std::max(1, options.reader_connections); ++i) {
      auto db = std::make_unique<SqliteDb>(options.path, open);
      db->exec("PRAGMA cache_size = -" + std::to_string(options.reader_cache_mib * 1024));
      idle_.push_back(std::make_unique<Reader>(std::move(db)));
    }
  }

  // Runs `read` on an idle connection. SqliteError becomes a storage error; any other exception
  // (a broken invariant) an internal error. The connection always goes back to the pool.
  template <typename T, typename F>
  Result<T> with(F&& read) {
    Lease lease(*this);
    try {
      return Result<T>(read(*lease.reader));
    } catch (const SqliteError& e) {
      lease.end_transaction();
      return to_error(e);
    } catch (const std::exception& e) {
      lease.end_transaction();
      return Error::storage_error(std::string("internal error while reading: ") + e.what());
    }
  }

 private:
  // Borrows an idle connection for one read and returns it, whatever happens.
  struct Lease {
    explicit Lease(ReaderPool& p) : pool(p) {
      MutexLock lock(pool.mutex_);
      while (pool.idle_.empty()) lock.wait(pool.available_);
      reader = std::move(pool.idle_.back());
      pool.idle_.pop_back();
    }
    ~Lease() {
      {
        MutexLock lock(pool.mutex_);
        pool.idle_.push_back(std::move(reader));
      }
      pool.available_.notify_one();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    void end_transaction() {
      if (!reader->db->in_transaction()) return;
      try {
        reader->db->exec("ROLLBACK");
      } catch (const SqliteError&) {
        // The read transaction ends when the connection is next used or closed.
      }
    }
    ReaderPool& pool;
    std::unique_ptr<Reader> reader;
  };

  Mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Reader>> idle_ GUARDED_BY(mutex_);
};

}  // namespace redress::storage
