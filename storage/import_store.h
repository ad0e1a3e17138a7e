// ImportStore: bulk imports of customer and order records from JSON Lines files, as jobs.
//
// The API spools an upload to a file and records a job (queued); a runner reads the file, judges
// each line with the API's own record reader, and hands the lines to apply_batch a batch at a
// time. Each batch is ONE write of the CaseStore's writer (the same group commit as everyone's
// commands, so an agent's command waits for at most one batch) and advances the job's offset in
// the same transaction: after a crash the job resumes right after its last committed batch and
// no line is applied twice. A batch that does not continue from the job's stored offset is
// refused (INVALID_STATE), so a runner that lost track cannot apply a batch twice either.
//
// Per line, in the writer: an id already taken by an earlier line of the same job is rejected
// (duplicate_id, naming that line); a line equal to the stored record writes nothing and counts
// as unchanged (no level change, no history row), which makes re-running a file a no-op; other
// lines are written as WriteSource::kUpsert (customer_records.h: a level only ever goes up), and
// an order's customer is put on the job's list of customers to reassess. When the whole file is
// applied the runner walks that list (reassess_customers): each customer is reassessed once,
// however many of their orders the file holds, and in rowid order, so one write changes
// neighbouring rows instead of a page per customer scattered over the table. What storage refuses
// (an unknown customer, a merged one, another currency) rejects the line with the error's pointer
// and reason. Lines the runner found bad arrive with their problems and are only recorded. The
// problems of a job's first 10,000 rejected lines are recorded; later rejected lines are only
// counted.
//
// Thread-safety: every method may be called from any thread. ImportStore holds a reference to
// the CaseStore, which must outlive it and every write it queued.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "storage/case_store.h"
#include "storage/customer_records.h"

namespace redress::storage {

enum class ImportKind { kCustomers, kOrders };
const char* import_kind_name(ImportKind kind);  // "customers", "orders"

struct ImportCounts {
  std::int64_t lines = 0;  // lines applied so far (blank lines included)
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
  std::int64_t rejected = 0;
};

struct ImportJob {
  std::string id;
  ImportKind kind = ImportKind::kCustomers;
  std::string state;  // queued, running, done, failed
  std::string spool_path;
  std::string sha256;
  std::int64_t bytes = 0;
  std::string created_by;
  Instant created_at{};
  std::optional<Instant> started_at;
  std::optional<Instant> finished_at;
  std::int64_t applied_bytes = 0;  // where the next batch starts in the spool file
  ImportCounts counts;
  std::string failure;
};

// One problem of a rejected line. `reason` is a stable code (malformed_json, invalid_utf8,
// wrong_type, unknown_field, duplicate_id, no_such_customer, line_too_long, ...).
struct ImportLineError {
  std::int64_t id = 0;  // order of recording; the errors listing's cursor
  std::int64_t line = 0;
  std::string record_id;
  std::string pointer;
  std::string reason;
  std::string detail;
};

// A line as the runner judged it: a record to write, or the problems that reject it.
struct ImportLine {
  std::int64_t number = 0;  // 1-based line number in the file
  std::optional<CustomerInput> customer;
  std::optional<OrderInput> order;
  std::vector<ImportLineError> problems;  // non-empty: rejected before storage
};

struct ImportBatch {
  std::string job_id;
  std::int64_t from_bytes = 0;  // the job's applied_bytes this batch continues from
  std::int64_t to_bytes = 0;    // applied_bytes after it
  std::int64_t last_line = 0;   // the line number reached (blank lines count)
  std::vector<ImportLine> lines;
};

// What applying a batch answers: the job with its new counts, and how long the batch held the
// writer (the lines' work, before the commit), by which the runner sizes its next batch.
struct ImportBatchOutcome {
  ImportJob job;
  std::chrono::microseconds write_time{0};
};

// What one write of the walk that reassesses a job's customers did: how many of the customers
// left it took (0: none were left), and how long it held the writer.
struct ImportReassessment {
  size_t customers = 0;
  std::chrono::microseconds write_time{0};
};

struct NewImportJob {
  std::string id;
  ImportKind kind = ImportKind::kCustomers;
  std::string spool_path;
  std::string sha256;
  std::int64_t bytes = 0;
  std::string created_by;
};

class ImportStore {
 public:
  explicit ImportStore(CaseStore& store) : store_(store) {}
  ImportStore(const ImportStore&) = delete;
  ImportStore& operator=(const ImportStore&) = delete;

  // --- writes ----------------------------------------------------------------------------------
  // Records a queued job. ALREADY_EXISTS when the id is taken.
  void create_job(NewImportJob job, Instant now, std::function<void(Result<ImportJob>)> done);
  // Marks a queued job running (a running one stays as it is). NOT_FOUND; INVALID_STATE when the
  // job has ended.
  void start_job(std::string job_id, Instant now, std::function<void(Result<ImportJob>)> done);
  // Applies one batch (see the header comment); `rank` ranks membership levels, `actor_id` is
  // recorded on level changes. Answers the job with its new counts and the batch's writer time.
  void apply_batch(ImportBatch batch, LevelRank rank, std::string actor_id, Instant now,
                   std::function<void(Result<ImportBatchOutcome>)> done);
  // Reassesses (membership level and RFM, customer_records.h) at most `limit` of the customers
  // whose orders the job wrote, in rowid order, and drops them from the job's list: the walk a
  // job ends with, one write at a time until it answers 0 customers.
  void reassess_customers(std::string job_id, size_t limit, std::string actor_id, Instant now,
                          std::function<void(Result<ImportReassessment>)> done);
  // Ends a job: done (failure empty) or failed (failure says why).
  void finish_job(std::string job_id, std::string failure, Instant now,
                  std::function<void(Result<ImportJob>)> done);
  // Drops at most `limit` of the ids an ended job took, then of the customers it left to
  // reassess; answers how many went (0: none left).
  void forget_job_records(std::string job_id, size_t limit,
                          std::function<void(Result<size_t>)> done);

  // --- reads -----------------------------------------------------------------------------------
  Result<std::optional<ImportJob>> get_job(const std::string& id) const;
  // Newest first; continues after (created_at, id) of `after` when given; only the jobs
  // `created_by` sent when it is not empty. `limit` 1..kMaxListingRows.
  Result<std::vector<ImportJob>> list_jobs(const std::optional<ImportJob>& after, size_t limit,
                                           const std::string& created_by = "") const;
  // Queued and running jobs, oldest first (what a runner resumes at start-up).
  Result<std::vector<ImportJob>> unfinished_jobs() const;
  // In file order, after error `after_id`; `limit` 1..kMaxListingRows.
  Result<std::vector<ImportLineError>> line_errors(const std::string& job_id, std::int64_t after_id,
                                                   size_t limit) const;

 private:
  CaseStore& store_;
};

}  // namespace redress::storage
