#include "storage/import_store.h"

#include <cctype>
#include <set>

#include "engine/workflow_catalog.h"

#include "storage/listing_limit.h"

namespace redress::storage {
namespace {

// A line with a dozen wrong members says enough with its first few.
constexpr size_t kMaxProblemsPerLine = 5;
// The problems of a job's first rejected lines are kept, the rest only counted: a file of a
// billion bad lines must not grow the database by a billion rows, and the first ten thousand
// say what is wrong with it.
constexpr std::int64_t kMaxRecordedRejectedLines = 10000;

constexpr const char* kJobColumns =
    "id, kind, state, spool_path, sha256, bytes, created_by, created_at, started_at, "
    "finished_at, applied_bytes, lines, created, updated, unchanged, rejected, failure";

ImportJob read_job(Statement& s) {
  ImportJob job;
  job.id = s.column_text(0);
  job.kind = s.column_text(1) == "orders" ? ImportKind::kOrders : ImportKind::kCustomers;
  job.state = s.column_text(2);
  job.spool_path = s.column_text(3);
  job.sha256 = s.column_text(4);
  job.bytes = s.column_int(5);
  job.created_by = s.column_text(6);
  job.created_at = from_millis(s.column_int(7));
  if (auto at = s.column_optional_int(8)) job.started_at = from_millis(*at);
  if (auto at = s.column_optional_int(9)) job.finished_at = from_millis(*at);
  job.applied_bytes = s.column_int(10);
  job.counts.lines = s.column_int(11);
  job.counts.created = s.column_int(12);
  job.counts.updated = s.column_int(13);
  job.counts.unchanged = s.column_int(14);
  job.counts.rejected = s.column_int(15);
  job.failure = s.column_text(16);
  return job;
}

std::optional<ImportJob> load_job(StatementCache& statements, const std::string& id) {
  auto s = statements.get(std::string("SELECT ") + kJobColumns + " FROM import_jobs WHERE id = ?");
  s->bind(1, id);
  if (!s->step()) return std::nullopt;
  return read_job(*s);
}

Result<ImportJob> job_or_not_found(WriteContext& context, const std::string& id) {
  auto job = load_job(context.statements(), id);
  if (!job) return Error::not_found("there is no import job '" + id + "'", "/id");
  return std::move(*job);
}

void record_problem(WriteContext& context, const std::string& job_id, const ImportLineError& e) {
  auto s = context.statement(
      "INSERT INTO import_line_errors (job_id, line, record_id, pointer, reason, detail) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  s->bind(1, job_id)
      .bind(2, e.line)
      .bind(3, e.record_id)
      .bind(4, e.pointer)
      .bind(5, e.reason)
      .bind(6, e.detail);
  s->run();
}

// A write refused by storage, as the line's problem.
ImportLineError problem_from(const Error& error, std::int64_t line, const std::string& record_id) {
  ImportLineError e;
  e.line = line;
  e.record_id = record_id;
  e.pointer = error.pointer;
  const auto reason = error.params.find("reason");
  if (reason != error.params.end() && reason->is_string()) {
    e.reason = reason->get<std::string>();
  } else {
    e.reason = error.code_name();
    for (auto& c : e.reason) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  e.detail = error.message;
  return e;
}

// The line that already took `record_id` in this job, if one did; else takes it for `line`.
std::optional<std::int64_t> take_record_id(WriteContext& context, const std::string& job_id,
                                           const std::string& record_id, std::int64_t line) {
  {
    auto s =
        context.statement("SELECT line FROM import_job_records WHERE job_id = ? AND record_id = ?");
    s->bind(1, job_id).bind(2, record_id);
    if (s->step()) return s->column_int(0);
  }
  auto s = context.statement(
      "INSERT INTO import_job_records (job_id, record_id, line) VALUES (?, ?, ?)");
  s->bind(1, job_id).bind(2, record_id).bind(3, line);
  s->run();
  return std::nullopt;
}

using LineOutcome = records::RecordWrite;

Result<LineOutcome> apply_order(WriteContext& context, const OrderInput& input, Instant now,
                                std::set<std::string>& customers_to_reassess) {
  const auto stored = records::load_order(context.statements(), input.id);
  if (stored) {
    const auto surviving =
        input.customer_id && !input.customer_id->empty()
            ? records::surviving_customer_id(context.statements(), *input.customer_id)
            : stored->customer_id;
    if (!records::order_write_changes(*stored, input, surviving)) return LineOutcome::kUnchanged;
  }
  auto written = records::write_order(context, input, now);
  if (!written.ok()) return written.error();
  if (!written.value().customer_id.empty()) {
    customers_to_reassess.insert(written.value().customer_id);
  }
  return stored ? LineOutcome::kUpdated : LineOutcome::kCreated;
}

Result<ImportJob> apply(WriteContext& context, const ImportBatch& batch, const WriteSource& source,
                        Instant now) {
  auto job = job_or_not_found(context, batch.job_id);
  if (!job.ok()) return job.error();
  if (job.value().state != "running") {
    return Error::invalid_state("import job '" + batch.job_id + "' is " + job.value().state +
                                ", not running");
  }
  if (job.value().applied_bytes != batch.from_bytes) {
    return Error::invalid_state("import job '" + batch.job_id + "' is at byte " +
                                std::to_string(job.value().applied_bytes) +
                                ", not at the batch's start " + std::to_string(batch.from_bytes));
  }
  ImportCounts delta;
  std::set<std::string> customers_to_reassess;
  for (const auto& line : batch.lines) {
    const bool is_customer = line.customer.has_value();
    const std::string record_id =
        is_customer ? line.customer->id : (line.order ? line.order->id : std::string());
    std::vector<ImportLineError> problems = line.problems;
    if (problems.empty() && !line.customer && !line.order) {
      problems.push_back({0, line.number, "", "", "internal", "the line carried no record"});
    }
    if (problems.empty()) {
      if (auto first = take_record_id(context, batch.job_id, record_id, line.number)) {
        problems.push_back({0, line.number, record_id, "/id", "duplicate_id",
                            "id '" + record_id + "' already appeared on line " +
                                std::to_string(*first) + " of this file"});
      }
    }
    if (problems.empty()) {
      auto outcome = is_customer ? records::import_customer(context, *line.customer, source, now)
                                 : apply_order(context, *line.order, now, customers_to_reassess);
      if (!outcome.ok()) {
        problems.push_back(problem_from(outcome.error(), line.number, record_id));
      } else if (outcome.value() == LineOutcome::kCreated) {
        ++delta.created;
      } else if (outcome.value() == LineOutcome::kUpdated) {
        ++delta.updated;
      } else {
        ++delta.unchanged;
      }
    }
    if (!problems.empty()) {
      const bool recorded =
          job.value().counts.rejected + delta.rejected < kMaxRecordedRejectedLines;
      ++delta.rejected;
      for (size_t i = 0; recorded && i < problems.size() && i < kMaxProblemsPerLine; ++i) {
        auto problem = problems[i];
        problem.line = line.number;
        if (problem.record_id.empty()) problem.record_id = record_id;
        record_problem(context, batch.job_id, problem);
      }
    }
  }
  // Reassessed once per customer when the file has been applied (reassess_customers).
  for (const auto& customer_id : customers_to_reassess) {
    auto s = context.statement(
        "INSERT OR IGNORE INTO import_job_customers (job_id, customer_rowid) "
        "SELECT ?, rowid FROM customers WHERE id = ?");
    s->bind(1, batch.job_id).bind(2, customer_id);
    s->run();
  }
  auto s = context.statement(
      "UPDATE import_jobs SET applied_bytes = ?, lines = ?, created = created + ?, "
      "updated = updated + ?, unchanged = unchanged + ?, rejected = rejected + ? WHERE id = ?");
  s->bind(1, batch.to_bytes)
      .bind(2, batch.last_line)
      .bind(3, delta.created)
      .bind(4, delta.updated)
      .bind(5, delta.unchanged)
      .bind(6, delta.rejected)
      .bind(7, batch.job_id);
  s->run();
  return job_or_not_found(context, batch.job_id);
}

}  // namespace

const char* import_kind_name(ImportKind kind) {
  return kind == ImportKind::kOrders ? "orders" : "customers";
}

void ImportStore::create_job(NewImportJob job, Instant now,
                             std::function<void(Result<ImportJob>)> done) {
  store_.write<ImportJob>(
      [job = std::move(job), now](WriteContext& context) -> Result<ImportJob> {
        if (load_job(context.statements(), job.id)) {
          return Error::already_exists("import job '" + job.id + "' already exists", "/id");
        }
        auto s = context.statement(
            "INSERT INTO import_jobs (id, kind, state, spool_path, sha256, bytes, created_by, "
            "created_at) VALUES (?, ?, 'queued', ?, ?, ?, ?, ?)");
        s->bind(1, job.id)
            .bind(2, import_kind_name(job.kind))
            .bind(3, job.spool_path)
            .bind(4, job.sha256)
            .bind(5, job.bytes)
            .bind(6, job.created_by)
            .bind(7, to_millis(now));
        s->run();
        return job_or_not_found(context, job.id);
      },
      std::move(done));
}

void ImportStore::start_job(std::string job_id, Instant now,
                            std::function<void(Result<ImportJob>)> done) {
  store_.write<ImportJob>(
      [job_id = std::move(job_id), now](WriteContext& context) -> Result<ImportJob> {
        auto job = job_or_not_found(context, job_id);
        if (!job.ok() || job.value().state == "running") return job;
        if (job.value().state != "queued") {
          return Error::invalid_state("import job '" + job_id + "' has ended (" +
                                      job.value().state + ")");
        }
        auto s = context.statement(
            "UPDATE import_jobs SET state = 'running', started_at = ? WHERE id = ?");
        s->bind(1, to_millis(now)).bind(2, job_id);
        s->run();
        return job_or_not_found(context, job_id);
      },
      std::move(done));
}

void ImportStore::apply_batch(ImportBatch batch, LevelRank rank, std::string actor_id, Instant now,
                              std::function<void(Result<ImportBatchOutcome>)> done) {
  store_.write_bulk<ImportBatchOutcome>(
      [batch = std::move(batch),
       source = WriteSource{WriteSource::Kind::kUpsert, std::move(actor_id), "", std::move(rank)},
       now](WriteContext& context) -> Result<ImportBatchOutcome> {
        // Wall time on the writer, not the server's clock: this sizes batches, it is not a time
        // of the job's record.
        const auto started = std::chrono::steady_clock::now();
        auto job = apply(context, batch, source, now);
        if (!job.ok()) return job.error();
        return ImportBatchOutcome{std::move(job).value(),
                                  std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - started)};
      },
      std::move(done));
}

void ImportStore::reassess_customers(std::string job_id, size_t limit, std::string actor_id,
                                     Instant now,
                                     std::function<void(Result<ImportReassessment>)> done) {
  const auto& catalog = store_.engine().catalog();
  store_.write_bulk<ImportReassessment>(
      [job_id = std::move(job_id), limit, actor_id = std::move(actor_id), &catalog,
       now](WriteContext& context) -> Result<ImportReassessment> {
        const auto started = std::chrono::steady_clock::now();
        std::vector<std::string> customers;
        std::int64_t last_rowid = 0;
        size_t customers_seen = 0;
        {
          // Merged customers are skipped: their orders went to the customer they were merged
          // into, who is reassessed for them.
          auto s = context.statement(
              "SELECT j.customer_rowid, c.id, c.merged_into IS NULL FROM import_job_customers j "
              "LEFT JOIN customers c ON c.rowid = j.customer_rowid WHERE j.job_id = ? "
              "ORDER BY j.customer_rowid LIMIT ?");
          s->bind(1, job_id).bind(2, static_cast<std::int64_t>(limit));
          while (s->step()) {
            last_rowid = s->column_int(0);
            if (!s->column_is_null(1) && s->column_int(2) != 0) {
              customers.push_back(s->column_text(1));
            }
            ++customers_seen;
          }
        }
        ImportReassessment out;
        out.customers = customers_seen;
        for (const auto& id : customers) {
          auto assessed = records::reassess_customer(context, id, catalog.membership_policy(),
                                                     catalog.rfm_policy(), actor_id, now);
          if (!assessed.ok()) return assessed.error();
        }
        if (out.customers > 0) {
          auto s = context.statement(
              "DELETE FROM import_job_customers WHERE job_id = ? AND customer_rowid <= ?");
          s->bind(1, job_id).bind(2, last_rowid);
          s->run();
        }
        out.write_time = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - started);
        return out;
      },
      std::move(done));
}

void ImportStore::finish_job(std::string job_id, std::string failure, Instant now,
                             std::function<void(Result<ImportJob>)> done) {
  store_.write<ImportJob>(
      [job_id = std::move(job_id), failure = std::move(failure),
       now](WriteContext& context) -> Result<ImportJob> {
        auto job = job_or_not_found(context, job_id);
        if (!job.ok()) return job;
        auto s = context.statement(
            "UPDATE import_jobs SET state = ?, failure = ?, finished_at = ? WHERE id = ?");
        s->bind(1, failure.empty() ? "done" : "failed")
            .bind(2, failure)
            .bind(3, to_millis(now))
            .bind(4, job_id);
        s->run();
        return job_or_not_found(context, job_id);
      },
      std::move(done));
}

void ImportStore::forget_job_records(std::string job_id, size_t limit,
                                     std::function<void(Result<size_t>)> done) {
  store_.write<size_t>(
      [job_id = std::move(job_id), limit](WriteContext& context) -> Result<size_t> {
        auto s = context.statement(
            "DELETE FROM import_job_records WHERE job_id = ?1 AND record_id IN "
            "(SELECT record_id FROM import_job_records WHERE job_id = ?1 LIMIT ?2)");
        s->bind(1, job_id).bind(2, static_cast<std::int64_t>(limit));
        s->run();
        if (const auto changes = context.db().changes(); changes > 0) {
          return static_cast<size_t>(changes);
        }
        // Then what a failed job's walk left of its customers to reassess.
        auto customers = context.statement(
            "DELETE FROM import_job_customers WHERE job_id = ?1 AND customer_rowid IN "
            "(SELECT customer_rowid FROM import_job_customers WHERE job_id = ?1 LIMIT ?2)");
        customers->bind(1, job_id).bind(2, static_cast<std::int64_t>(limit));
        customers->run();
        return static_cast<size_t>(context.db().changes());
      },
      std::move(done));
}

Result<std::optional<ImportJob>> ImportStore::get_job(const std::string& id) const {
  return store_.read<std::optional<ImportJob>>(
      [&](ReadContext& context) { return load_job(context.statements(), id); });
}

Result<std::vector<ImportJob>> ImportStore::list_jobs(const std::optional<ImportJob>& after,
                                                      size_t limit,
                                                      const std::string& created_by) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<ImportJob>>([&](ReadContext& context) {
    std::vector<ImportJob> out;
    auto s = context.statement(std::string("SELECT ") + kJobColumns +
                               " FROM import_jobs WHERE (?1 = 0 OR (created_at, id) < (?2, ?3)) "
                               "AND (?5 = '' OR created_by = ?5) "
                               "ORDER BY created_at DESC, id DESC LIMIT ?4");
    s->bind(1, std::int64_t{after ? 1 : 0})
        .bind(2, after ? to_millis(after->created_at) : std::int64_t{0})
        .bind(3, after ? after->id : std::string())
        .bind(4, static_cast<std::int64_t>(limit))
        .bind(5, created_by);
    while (s->step()) out.push_back(read_job(*s));
    return out;
  });
}

Result<std::vector<ImportJob>> ImportStore::unfinished_jobs() const {
  return store_.read<std::vector<ImportJob>>([&](ReadContext& context) {
    std::vector<ImportJob> out;
    auto s = context.statement(std::string("SELECT ") + kJobColumns +
                               " FROM import_jobs WHERE state IN ('queued', 'running') "
                               "ORDER BY created_at, id");
    while (s->step()) out.push_back(read_job(*s));
    return out;
  });
}

Result<std::vector<ImportLineError>> ImportStore::line_errors(const std::string& job_id,
                                                              std::int64_t after_id,
                                                              size_t limit) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<ImportLineError>>([&](ReadContext& context) {
    std::vector<ImportLineError> out;
    auto s = context.statement(
        "SELECT id, line, record_id, pointer, reason, detail FROM import_line_errors "
        "WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?");
    s->bind(1, job_id).bind(2, after_id).bind(3, static_cast<std::int64_t>(limit));
    while (s->step()) {
      out.push_back({s->column_int(0), s->column_int(1), s->column_text(2), s->column_text(3),
                     s->column_text(4), s->column_text(5)});
    }
    return out;
  });
}

}  // namespace redress::storage
