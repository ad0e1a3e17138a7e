#include "storage/sqlite.h"

#include <sqlite3.h>

namespace redress::storage {

Error to_error(int sqlite_code, const std::string& message) {
  const int primary = sqlite_code & 0xff;
  switch (primary) {
    case SQLITE_FULL:
      return Error(ErrorCode::kStorageFull,
                   "the disk holding the database is full; nothing was written (" + message + ")");
    case SQLITE_IOERR:
      if (sqlite_code == SQLITE_IOERR_FSYNC || sqlite_code == SQLITE_IOERR_DIR_FSYNC) {
        // After a failed fsync the data may or may not be on disk; say so instead of guessing.
        return Error(
            ErrorCode::kStorageIo,
            "the disk failed to confirm a write (fsync); the write was not acknowledged and "
            "may not have been stored — check the disk (" +
                message + ")");
      }
      return Error(ErrorCode::kStorageIo, "disk I/O error; nothing was written (" + message + ")");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(ErrorCode::kStorageBusy,
                   "the database is locked by another process; nothing was written, retry later (" +
                       message + ")");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error(
          ErrorCode::kStorageCorrupt,
          "the database file or one of its rows is damaged; run `redress verify` to see what "
          "is affected (" +
              message + ")");
    case SQLITE_READONLY:
      return Error(ErrorCode::kStorageReadonly, "the database is read-only (" + message + ")");
    case SQLITE_CANTOPEN:
      return Error(ErrorCode::kStorageCantOpen, "cannot open the database file (" + message + ")");
    case SQLITE_NOMEM:
      return Error(ErrorCode::kStorageNoMemory, "out of memory in the database (" + message + ")");
    case SQLITE_CONSTRAINT:
      return Error(ErrorCode::kStorageConstraint, "a database constraint failed (" + message + ")");
    default:
      return Error::storage_error("database error (" + message + ")");
  }
}

Error to_error(const SqliteError& e) {
  return to_error(e.code(), e.what());
}

SqliteDb::SqliteDb(const std::string& path, const OpenOptions& options) : path_(path) {
  int flags = SQLITE_OPEN_NOMUTEX;  // each connection is owned by one thread at a time
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  }
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, options.vfs);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw SqliteError(rc, "open " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
}

SqliteDb::~SqliteDb() {
  // close_v2 defers the close until every statement is finalized; statements are RAII-owned by
  // their users and always die first, so this closes at once.
  sqlite3_close_v2(db_);
}

void SqliteDb::fail(int code, std::string_view what) const {
  throw SqliteError(code, std::string(what) + ": " + sqlite3_errmsg(db_));
}

void SqliteDb::exec(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw SqliteError(sqlite3_extended_errcode(db_), text);
  }
}

std::int64_t SqliteDb::query_int(const std::string& sql) {
  Statement s(*this, sql);
  if (!s.step()) return 0;
  return s.column_int(0);
}

std::string SqliteDb::query_text(const std::string& sql) {
  Statement s(*this, sql);
  if (!s.step()) return {};
  return s.column_text(0);
}

bool SqliteDb::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

std::int64_t SqliteDb::changes() const {
  return sqlite3_changes64(db_);
}

Statement::Statement(SqliteDb& db, std::string_view sql) : db_(db) {
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, "prepare '" + std::string(sql.substr(0, 60)) + "'");
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) db_.fail(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) db_.fail(rc, "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, const void* data, int size) {
  const int rc = sqlite3_bind_blob(stmt_, index, data, size, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_.fail(rc, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) db_.fail(rc, "bind");
  return *this;
}

Statement& Statement::bind_or_null(int index, std::string_view text) {
  return text.empty() ? bind_null(index) : bind(index, text);
}

Statement& Statement::bind_or_null(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const int code = sqlite3_extended_errcode(db_.handle());
  const std::string message = sqlite3_errmsg(db_.handle());
  sqlite3_reset(stmt_);
  throw SqliteError(code, message + " (in: " + std::string(sqlite3_sql(stmt_)).substr(0, 80) + ")");
}

void Statement::run() {
  step();
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::optional<std::int64_t> Statement::column_optional_int(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_int(index);
}

StatementCache::Lease StatementCache::get(const std::string& sql) {
  if (auto found = by_sql_.find(sql); found != by_sql_.end()) {
    recent_.splice(recent_.begin(), recent_, found->second);
    return Lease(*found->second);
  }
  auto statement = std::make_unique<Statement>(db_, sql);  // throws before anything changes
  recent_.push_front(Entry{sql, std::move(statement), 0});
  by_sql_.emplace(recent_.front().sql, recent_.begin());
  // Over capacity: drop the least recently used statements no lease holds (a caller may be
  // stepping through an older statement while it runs this one).
  for (auto it = recent_.end(); by_sql_.size() > capacity_ && it != recent_.begin();) {
    --it;
    if (it->leases > 0 || it == recent_.begin()) continue;
    by_sql_.erase(it->sql);
    it = recent_.erase(it);
  }
  return Lease(recent_.front());
}

Transaction::Transaction(SqliteDb& db, Kind kind) : db_(db) {
  db_.exec(kind == Kind::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
  if (open_ && db_.in_transaction()) {
    try {
      db_.exec("ROLLBACK");
    } catch (const SqliteError&) {
      // Nothing more can be done: SQLite rolls back an unfinished transaction on close or on
      // the next BEGIN's hot-journal recovery.
    }
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

std::optional<Instant> column_optional_instant(const Statement& row, int index) {
  if (auto ms = row.column_optional_int(index)) return from_millis(*ms);
  return std::nullopt;
}

std::optional<std::int64_t> optional_millis(const std::optional<Instant>& at) {
  if (at) return to_millis(*at);
  return std::nullopt;
}

}  // namespace redress::storage
