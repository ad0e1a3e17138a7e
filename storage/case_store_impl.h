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

template <typename T>
struct CaseStore::TypedWrite final : CaseStore::PendingWrite {
  explicit TypedWrite(std::function<Result<T>(WriteContext&)> w) : work(std::move(w)) {}

  bool run(WriteContext& context) override {
    result.emplace(work(context));
    return result->ok();
  }
  void set_error(Error error) override { result.emplace(std::move(error)); }
  void forget_result() override { result.reset(); }
  void deliver() override {
    if (result) {
      promise.set_value(std::move(*result));
    } else {
      promise.set_value(Error{"STORAGE_ERROR", "the write was never run", ""});
    }
  }

  std::function<Result<T>(WriteContext&)> work;
  std::promise<Result<T>> promise;
  std::optional<Result<T>> result;
};

template <typename T>
std::future<Result<T>> CaseStore::write(std::function<Result<T>(WriteContext&)> work) {
  auto typed = std::make_unique<TypedWrite<T>>(std::move(work));
  auto future = typed->promise.get_future();
  enqueue(std::move(typed));
  return future;
}

}  // namespace redress::storage
