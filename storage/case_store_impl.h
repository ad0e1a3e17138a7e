// Template parts of CaseStore (included at the end of case_store.h; not for direct use).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/case_search.h"
#include "storage/snapshot_cache.h"

namespace redress::storage {

// What a write sees while it runs inside the writer's transaction: the read-write connection
// (inside a savepoint), a cache of prepared statements, so hot statements are compiled once, the
// parsed snapshots of recently written cases, and rows deferred to the end of the transaction.
// The writer reports each savepoint's and transaction's end, so that what a rolled-back write
// left here is forgotten with it.
class WriteContext {
 public:
  WriteContext(SqliteDb& db, size_t snapshot_cache_entries)
      : statements_(db), snapshots_(snapshot_cache_entries) {}
  SqliteDb& db() { return statements_.db(); }
  // A cached statement for `sql` (compared by text), reset when the lease ends.
  StatementCache::Lease statement(const std::string& sql) { return statements_.get(sql); }
  StatementCache& statements() { return statements_; }
  SnapshotCache& snapshots() { return snapshots_; }

  // Makes `text` findable by the full-text search of case `case_id` (case_terms, schema v6);
  // `source` says where it came from (a journal entry's type, or another source such as a
  // customer's name). Any text about a case is indexed by this one call. Rows are append-only:
  // text once added stays findable. The row is inserted when the transaction's writes are done:
  // FTS5 writes its pending rows out as a new index segment at every SAVEPOINT and RELEASE once
  // it has been written in a transaction; inserting inside each write's savepoint made every
  // later write of the batch pay for a segment flush.
  void add_search_text(std::string case_id, std::string source, std::string_view text) {
    savepoint_text_.push_back({std::move(case_id), std::move(source), case_search_terms(text)});
  }

  // Keeps the write's result but rolls back what it changed (e.g. an engine rejection after the
  // case id sequence advanced).
  void discard_changes() { discard_ = true; }
  // For the writer: whether the write asked to discard, resetting the flag.
  bool take_discard() { return std::exchange(discard_, false); }

  // For the writer, at the end of each write's savepoint and of each transaction.
  void savepoint_released() {
    snapshots_.release_savepoint();
    for (auto& row : savepoint_text_) transaction_text_.push_back(std::move(row));
    savepoint_text_.clear();
  }
  void savepoint_rolled_back() {
    snapshots_.rollback_savepoint();
    savepoint_text_.clear();
  }
  // Inside the transaction, after its last write and outside any savepoint. May throw
  // SqliteError, which fails the transaction.
  void write_deferred_rows() {
    savepoint_released();  // nothing runs outside a savepoint, but never lose a row
    for (const auto& row : transaction_text_) {
      auto s = statement(kInsertCaseTermsSql);
      s->bind(1, row.case_id).bind(2, row.source).bind(3, row.terms);
      s->run();
    }
    transaction_text_.clear();
  }
  void transaction_committed() { snapshots_.commit(); }
  void transaction_rolled_back() {
    snapshots_.rollback();
    savepoint_text_.clear();
    transaction_text_.clear();
  }

 private:
  struct CaseTextRow {
    std::string case_id;
    std::string source;
    std::string terms;  // case_search_terms of the text
  };

  StatementCache statements_;
  SnapshotCache snapshots_;
  std::vector<CaseTextRow> savepoint_text_;
  std::vector<CaseTextRow> transaction_text_;
  bool discard_ = false;
};

struct CaseStore::PendingWrite {
  virtual ~PendingWrite() = default;
  // A bulk write (an import batch) commits in a transaction of its own, after every other write
  // waiting (see CaseStore::write_bulk).
  bool bulk = false;
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
      done(Error::storage_error("the write was never run"));
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
void CaseStore::write_bulk(std::function<Result<T>(WriteContext&)> work,
                           std::function<void(Result<T>)> done) {
  auto write = std::make_unique<TypedWrite<T>>(std::move(work), std::move(done));
  write->bulk = true;
  enqueue(std::move(write));
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
