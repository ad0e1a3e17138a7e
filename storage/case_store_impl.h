// Template parts of CaseStore (included at the end of case_store.h; not for direct use).
#pragma once

#include <memory>
#include <string>
#include <utility>

namespace redress::storage {

// What a write sees while it runs inside the writer's transaction: the read-write connection
// (inside a savepoint) and a cache of prepared statements, so hot statements are compiled once.
class WriteContext {
 public:
  explicit WriteContext(SqliteDb& db) : statements_(db) {}
  SqliteDb& db() { return statements_.db(); }
  // A cached statement for `sql` (compared by text), reset when the lease ends.
  StatementCache::Lease statement(const std::string& sql) { return statements_.get(sql); }
  StatementCache& statements() { return statements_; }

  // Keeps the write's result but rolls back what it changed (e.g. an engine rejection after the
  // case id sequence advanced).
  void discard_changes() { discard_ = true; }
  // For the writer: whether the write asked to discard, resetting the flag.
  bool take_discard() { return std::exchange(discard_, false); }

 private:
  StatementCache statements_;
  bool discard_ = false;
};

struct CaseStore::PendingWrite {
  virtual ~PendingWrite() = default;
  // Runs inside a savepoint. Returns false when the work produced an error result, so the
  // savepoint is rolled back. May throw SqliteError.
  virtual bool run(WriteContext& context) = 0;
  virtual void set_error(Error error) = 0;
  virtual void forget_result() = 0;  // before a retry: the tentative result was rolled back
  virtual void deliver() = 0;        // after commit (or final failure): answer the caller
};

// What a read sees: one read-only connection (WAL, never waits for the writer) and its cache of
// prepared statements. Open a `Transaction` (kDeferred) on db() for several consistent reads.
class ReadContext {
 public:
  ReadContext(SqliteDb& db, StatementCache& statements) : db_(db), statements_(statements) {}
  SqliteDb& db() { return db_; }
  StatementCache::Lease statement(const std::string& sql) { return statements_.get(sql); }
  StatementCache& statements() { return statements_; }

 private:
  SqliteDb& db_;
  StatementCache& statements_;
};

template <typename T>
struct CaseStore::TypedWrite final : CaseStore::PendingWrite {
  TypedWrite(std::function<Result<T>(WriteContext&)> w, std::function<void(Result<T>)> d)
      : work(std::move(w)), done(std::move(d)) {}

  bool run(WriteContext& context) override {
    result.emplace(work(context));
    return result->ok();
  }
  void set_error(Error error) override { result.emplace(std::move(error)); }
  void forget_result() override { result.reset(); }
  void deliver() override {
    if (result) {
      done(std::move(*result));
    } else {
      done(Error{"STORAGE_ERROR", "the write was never run", ""});
    }
  }

  std::function<Result<T>(WriteContext&)> work;
  std::function<void(Result<T>)> done;
  std::optional<Result<T>> result;
};

template <typename T>
void CaseStore::write(std::function<Result<T>(WriteContext&)> work,
                      std::function<void(Result<T>)> done) {
  enqueue(std::make_unique<TypedWrite<T>>(std::move(work), std::move(done)));
}

template <typename T>
std::future<Result<T>> CaseStore::write(std::function<Result<T>(WriteContext&)> work) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  write<T>(std::move(work), [promise](Result<T> result) { promise->set_value(std::move(result)); });
  return future;
}

template <typename T>
Result<T> CaseStore::read(const std::function<T(ReadContext&)>& work) const {
  std::optional<T> out;
  const Status status = run_read([&](ReadContext& context) { out.emplace(work(context)); });
  if (!status.ok()) return status.error();
  return std::move(*out);
}

}  // namespace redress::storage
