// A thin RAII layer over the SQLite C API, private to storage/.
//
// `SqliteDb` owns a connection, `Statement` a prepared statement. Every failing SQLite call throws
// `SqliteError`, carrying the extended result code and the connection's message. Why exceptions
// here when the rest of Redress returns Result: any of the dozens of statements a command runs
// can hit a full disk or an I/O error, and the only correct reaction is always the same — unwind
// to the savepoint or transaction that owns the work and roll it back. The exception never leaves
// storage/: every public entry point catches it and returns `to_error(...)`, a Result error with
// a stable code (STORAGE_FULL, STORAGE_IO, STORAGE_BUSY, STORAGE_CORRUPT, ...).
//
// Thread-safety: a connection and its statements are used by one thread at a time.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/result.h"
#include "engine/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace redress::storage {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, std::string message)
      : std::runtime_error(std::move(message)), code_(code) {}
  int code() const { return code_; }  // extended result code

 private:
  int code_;
};

// Maps an SQLite failure to a stable storage error code and a message an operator can act on.
Error to_error(const SqliteError& e);
Error to_error(int sqlite_code, const std::string& message);

// How much durability a commit buys. kFull: a commit survives power loss (fsync of the WAL on
// every commit). kNormal: survives a process crash, but the last commits before a power loss or
// OS crash may roll back (the WAL is synced only at checkpoints).
enum class Synchronous { kFull, kNormal };

struct OpenOptions {
  bool read_only = false;
  bool create = true;         // ignored when read_only
  const char* vfs = nullptr;  // null: the default VFS (tests pass a fault-injecting one)
  int busy_timeout_ms = 5000;
};

class SqliteDb {
 public:
  SqliteDb(const std::string& path, const OpenOptions& options);  // throws SqliteError
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without results (DDL, BEGIN/COMMIT, PRAGMAs that set).
  void exec(const std::string& sql);
  // Runs a statement returning one integer (e.g. "PRAGMA user_version").
  std::int64_t query_int(const std::string& sql);
  std::string query_text(const std::string& sql);

  // True while a transaction is open. After some errors (disk full, I/O error) SQLite rolls the
  // whole transaction back on its own; this is how the caller finds out.
  bool in_transaction() const;
  std::int64_t changes() const;
  [[noreturn]] void fail(int code, std::string_view what) const;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement. Parameters are bound by 1-based index; columns read by 0-based index.
// `step()` returns true while there is a row. `reset()` makes it reusable (bindings cleared).
class Statement {
 public:
  Statement(SqliteDb& db, std::string_view sql);  // throws SqliteError
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind_blob(int index, const void* data, int size);
  Statement& bind_null(int index);
  // Binds text, or NULL when empty (optional columns).
  Statement& bind_or_null(int index, std::string_view text);
  Statement& bind_or_null(int index, std::optional<std::int64_t> value);

  bool step();
  // Steps once, expecting no row (INSERT/UPDATE/DELETE), and resets.
  void run();
  void reset();

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;
  std::optional<std::int64_t> column_optional_int(int index) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Prepared statements kept per connection, compiled once. `get` hands out a lease that resets the
// statement when it goes out of scope: a stepped-but-unreset statement would keep its read
// transaction open and stop WAL checkpoints from completing.
//
// The cache holds at most `capacity` statements, dropping the least recently used one that no
// lease holds: statement texts are mostly fixed, but a case update names only the columns that
// changed, and those variants must not grow without bound over a long-running server.
class StatementCache {
  struct Entry {
    std::string sql;
    std::unique_ptr<Statement> statement;
    int leases = 0;
  };

 public:
  static constexpr size_t kDefaultCapacity = 256;

  explicit StatementCache(SqliteDb& db, size_t capacity = kDefaultCapacity)
      : db_(db), capacity_(capacity == 0 ? 1 : capacity) {}

  class Lease {
   public:
    explicit Lease(Entry& entry) : entry_(&entry) { ++entry_->leases; }
    ~Lease() {
      entry_->statement->reset();
      --entry_->leases;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Statement* operator->() const { return entry_->statement.get(); }
    Statement& operator*() const { return *entry_->statement; }

   private:
    Entry* entry_;
  };

  Lease get(const std::string& sql);
  SqliteDb& db() { return db_; }
  size_t size() const { return by_sql_.size(); }

 private:
  SqliteDb& db_;
  const size_t capacity_;
  std::list<Entry> recent_;  // most recently used first; nodes stay put, leases point at them
  std::unordered_map<std::string_view, std::list<Entry>::iterator> by_sql_;  // views of Entry::sql
};

// A transaction that rolls back unless committed. `begin_immediate` takes the write lock at once
// (so a busy database fails at BEGIN, before any work is done).
class Transaction {
 public:
  enum class Kind { kDeferred, kImmediate };
  Transaction(SqliteDb& db, Kind kind);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  SqliteDb& db_;
  bool open_ = true;
};

// Instants are stored as integer milliseconds since the Unix epoch, NULL for one that has not
// happened (a token never used, a delivery not retried).
inline std::int64_t to_millis(Instant t) {
  return t.time_since_epoch().count();
}
inline Instant from_millis(std::int64_t ms) {
  return Instant(Millis(ms));
}
std::optional<Instant> column_optional_instant(const Statement& row, int index);
std::optional<std::int64_t> optional_millis(const std::optional<Instant>& at);

}  // namespace redress::storage
