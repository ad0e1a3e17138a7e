#include "api/server/import_runner.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <vector>

#include "api/http/request_pipeline.h"
#include "api/routes/case_api.h"
#include "api/routes/import_lines.h"
#include "storage/await.h"

namespace redress::api {
namespace {

// How much of the spool file is read at a time.
constexpr size_t kReadBuffer = 1024 * 1024;
// The ids an ended job took are dropped this many at a time, between other writes.
constexpr size_t kForgetBatch = 10000;
// A write refused because the writer's queue is full is retried this many times, 100 ms apart.
constexpr int kOverloadRetries = 600;
// A job's first batch, before any batch has been timed.
constexpr size_t kFirstBatchLines = 64;
constexpr size_t kFewestBatchLines = 8;

}  // namespace

size_t next_batch_lines(size_t lines, std::chrono::microseconds write_time,
                        std::chrono::microseconds target, size_t most) {
  const auto floor = std::min(kFewestBatchLines, most);
  if (lines == 0) return floor;
  // Proportional to how far the last batch was from the target, by at most a factor of two
  // either way: one slow batch (a checkpoint, a cold cache) does not collapse the size.
  const double spent = static_cast<double>(std::max<std::int64_t>(write_time.count(), 1));
  const double ratio = std::clamp(static_cast<double>(target.count()) / spent, 0.5, 2.0);
  const auto next = static_cast<size_t>(static_cast<double>(lines) * ratio);
  return std::clamp(next, floor, std::max(floor, most));
}

namespace {

void log_import(const std::string& level, const std::string& message, const storage::ImportJob& job,
                const std::string& error = "") {
  nlohmann::json line{{"ts", format_rfc3339(SystemClock().now())},
                      {"level", level},
                      {"msg", message},
                      {"import_job", job.id},
                      {"kind", storage::import_kind_name(job.kind)},
                      {"lines", job.counts.lines},
                      {"rejected", job.counts.rejected}};
  if (!error.empty()) line["error"] = error;
  write_access_log(line);
}

// Splits a file read from an offset into lines, through a fixed buffer. A line longer than
// kMaxImportLineBytes is skipped to its end without being kept.
class SpoolLineReader {
 public:
  SpoolLineReader(std::FILE* file, std::int64_t offset) : file_(file), offset_(offset) {
    buffer_.resize(kReadBuffer);
  }

  struct Line {
    std::string_view text;  // without "\n" or "\r\n"; empty for an oversized line
    bool oversized = false;
    std::uint64_t bytes = 0;  // of the line's text (an oversized line's full length)
  };

  // The next line, or nullopt at the end of the file. `offset()` is then just past it.
  std::optional<Line> next() {
    line_.clear();
    std::uint64_t length = 0;
    bool oversized = false;
    bool any = false;
    for (;;) {
      if (pos_ == end_) {
        if (eof_) break;
        end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
        pos_ = 0;
        if (end_ == 0) {
          eof_ = true;
          break;
        }
      }
      any = true;
      const char* start = buffer_.data() + pos_;
      const void* found = std::memchr(start, '\n', end_ - pos_);
      const size_t take =
          found ? static_cast<size_t>(static_cast<const char*>(found) - start) : end_ - pos_;
      length += take;
      if (!oversized && line_.size() + take <= kMaxImportLineBytes) {
        line_.append(start, take);
      } else if (!oversized) {
        oversized = true;
        line_.clear();
        line_.shrink_to_fit();
      }
      pos_ += take;
      offset_ += static_cast<std::int64_t>(take);
      if (found) {
        ++pos_;
        ++offset_;
        return finish(length, oversized);
      }
    }
    if (!any) return std::nullopt;
    return finish(length, oversized);
  }

  std::int64_t offset() const { return offset_; }
  bool failed() const { return std::ferror(file_) != 0; }

 private:
  Line finish(std::uint64_t length, bool oversized) {
    if (!oversized && !line_.empty() && line_.back() == '\r') {
      line_.pop_back();
      --length;
    }
    return Line{oversized ? std::string_view() : std::string_view(line_), oversized, length};
  }

  std::FILE* file_;
  std::int64_t offset_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  std::string line_;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

ImportRunner::ImportRunner(storage::ImportStore& imports, const WorkflowCatalog& catalog,
                           const Clock& clock, ImportRunnerOptions options)
    : imports_(imports), catalog_(catalog), clock_(clock), options_(options) {}

ImportRunner::~ImportRunner() {
  stop();
}

void ImportRunner::start() {
  {
    MutexLock lock(mutex_);
    wanted_ = true;  // resume what a previous run left
    no_thread_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void ImportRunner::stop() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    MutexLock lock(mutex_);
    no_thread_ = true;
  }
  // Without a thread (never started, or stopped) a task still runs, on the caller's thread.
  run_tasks();
}

void ImportRunner::run(std::function<void()> task) {
  bool inline_now = false;
  {
    MutexLock lock(mutex_);
    if (no_thread_) {
      inline_now = true;
    } else {
      tasks_.push_back(std::move(task));
    }
  }
  if (inline_now) return task();
  wake_.notify_all();
}

void ImportRunner::wake() {
  {
    MutexLock lock(mutex_);
    wanted_ = true;
  }
  wake_.notify_all();
}

void ImportRunner::wait_until_idle() {
  MutexLock lock(mutex_);
  while (!stopping_ && (busy_ || wanted_ || !tasks_.empty())) lock.wait(idle_);
}

bool ImportRunner::stopping() const {
  MutexLock lock(mutex_);
  return stopping_;
}

void ImportRunner::run_tasks() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(mutex_);
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

void ImportRunner::loop() {
  MutexLock lock(mutex_);
  for (;;) {
    while (!stopping_ && tasks_.empty() && !wanted_) {
      busy_ = false;
      idle_.notify_all();
      lock.wait(wake_);
    }
    busy_ = true;
    const bool run_jobs = wanted_ && !stopping_;
    wanted_ = false;
    lock.unlock();
    run_tasks();
    if (run_jobs) {
      while (!stopping() && run_next_job()) run_tasks();
    }
    lock.lock();
    if (stopping_) {
      lock.unlock();
      run_tasks();
      lock.lock();
      busy_ = false;
      idle_.notify_all();
      return;
    }
  }
}

bool ImportRunner::run_next_job() {
  auto jobs = imports_.unfinished_jobs();
  if (!jobs.ok()) {
    write_access_log({{"ts", format_rfc3339(clock_.now())},
                      {"level", "error"},
                      {"msg", "import runner"},
                      {"error", jobs.error().message}});
    return false;
  }
  if (jobs.value().empty()) return false;
  run_job(std::move(jobs.value().front()));
  return true;
}

void ImportRunner::finish(const storage::ImportJob& job, const std::string& failure) {
  auto ended = storage::await_result<storage::ImportJob>(
      [&](auto done) { imports_.finish_job(job.id, failure, clock_.now(), std::move(done)); });
  log_import(failure.empty() ? "info" : "error", "import finished",
             ended.ok() ? ended.value() : job, failure);
  for (;;) {
    auto forgotten = storage::await_result<size_t>(
        [&](auto done) { imports_.forget_job_records(job.id, kForgetBatch, std::move(done)); });
    if (!forgotten.ok() || forgotten.value() == 0) break;
    run_tasks();
  }
  std::error_code ignored;
  std::filesystem::remove(job.spool_path, ignored);
}

void ImportRunner::run_job(storage::ImportJob job) {
  if (job.state == "queued") {
    auto started = storage::await_result<storage::ImportJob>(
        [&](auto done) { imports_.start_job(job.id, clock_.now(), std::move(done)); });
    if (!started.ok()) return finish(job, "the job could not start: " + started.error().message);
    job = std::move(started).value();
    log_import("info", "import started", job);
  }
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(job.spool_path.c_str(), "rb"));
  if (!file) return finish(job, "the uploaded file " + job.spool_path + " is gone");
  if (fseeko(file.get(), static_cast<off_t>(job.applied_bytes), SEEK_SET) != 0) {
    return finish(job, "the uploaded file " + job.spool_path + " is shorter than the job's offset");
  }
  const auto rank = membership_rank(catalog_);
  SpoolLineReader reader(file.get(), job.applied_bytes);
  std::int64_t line_number = job.counts.lines;

  // One batch in the writer while the next is read: the reading overlaps the writing, and the
  // writer's queue never holds more than one batch of this import.
  std::optional<std::future<Result<storage::ImportBatchOutcome>>> in_flight;
  std::string failure;
  // Batches are sized by the time they hold the writer, not by a fixed count: an agent's command
  // queued behind a batch waits about options_.batch_write_target, whatever a line costs (an
  // order line that reassesses its customer costs many times a customer line).
  size_t lines_per_batch = std::min<size_t>(options_.batch_lines, kFirstBatchLines);
  const auto settle = [&]() -> bool {
    if (!in_flight) return true;
    auto applied = in_flight->get();
    in_flight.reset();
    if (!applied.ok()) {
      failure = "a batch could not be written: " + applied.error().message;
      return false;
    }
    lines_per_batch = next_batch_lines(lines_per_batch, applied.value().write_time,
                                       options_.batch_write_target, options_.batch_lines);
    return true;
  };
  const auto submit = [&](storage::ImportBatch batch) -> bool {
    if (!settle()) return false;
    for (int attempt = 0;; ++attempt) {
      auto promise = std::make_shared<std::promise<Result<storage::ImportBatchOutcome>>>();
      auto answer = promise->get_future();
      imports_.apply_batch(batch, rank, job.created_by, clock_.now(),
                           [promise](Result<storage::ImportBatchOutcome> result) {
                             promise->set_value(std::move(result));
                           });
      // An overloaded writer answers at once; anything else is the batch's real answer.
      if (answer.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        auto result = answer.get();
        if (!result.ok() && result.error().code == ErrorCode::kStorageOverloaded &&
            attempt < kOverloadRetries && !stopping()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
        std::promise<Result<storage::ImportBatchOutcome>> ready;
        ready.set_value(std::move(result));
        in_flight = ready.get_future();
        return true;
      }
      in_flight = std::move(answer);
      return true;
    }
  };

  storage::ImportBatch batch{job.id, reader.offset(), reader.offset(), line_number, {}};
  batch.lines.reserve(lines_per_batch);
  while (auto line = reader.next()) {
    ++line_number;
    if (line->oversized) {
      batch.lines.push_back(oversized_import_line(line_number, line->bytes));
    } else if (!is_blank_import_line(line->text)) {
      batch.lines.push_back(read_import_line(job.kind, line->text, line_number, catalog_));
    }
    if (batch.lines.size() >= lines_per_batch) {
      batch.to_bytes = reader.offset();
      batch.last_line = line_number;
      const auto next_from = batch.to_bytes;
      if (!submit(std::move(batch))) break;
      batch = storage::ImportBatch{job.id, next_from, next_from, line_number, {}};
      batch.lines.reserve(lines_per_batch);
      run_tasks();  // uploads waiting to be answered
      if (stopping()) {
        settle();
        return;  // still running: resumed at the next start
      }
    }
  }
  if (failure.empty() && reader.failed()) failure = "the uploaded file could not be read";
  if (failure.empty()) {
    batch.to_bytes = reader.offset();
    batch.last_line = line_number;
    if (batch.to_bytes > batch.from_bytes) submit(std::move(batch));
  }
  settle();
  // A stop (even one that cut the last batch's retries short) leaves the job running: it resumes
  // after its last committed batch at the next start, and a failure it met now may not recur.
  if (stopping()) return;
  // The customers whose orders were written, failed job or not: what was written counts. A stop
  // leaves the rest of the walk for the next start, where the file has nothing left to apply.
  if (!reassess_customers(job, lines_per_batch)) return;
  finish(job, failure);
}

bool ImportRunner::reassess_customers(const storage::ImportJob& job, size_t customers_per_write) {
  bool logged = false;
  for (int overloaded = 0;;) {
    if (stopping()) return false;
    auto walked = storage::await_result<storage::ImportReassessment>([&](auto done) {
      imports_.reassess_customers(job.id, customers_per_write, job.created_by, clock_.now(),
                                  std::move(done));
    });
    if (!walked.ok()) {
      if (walked.error().code == ErrorCode::kStorageOverloaded && ++overloaded < kOverloadRetries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      // The job still ends; its customers are reassessed with their next order or by the daily
      // assessment.
      log_import("error", "import reassessment", job, walked.error().message);
      return true;
    }
    overloaded = 0;
    if (walked.value().customers == 0) return true;
    if (!logged) {  // the file is applied; the job ends when the walk does
      log_import("info", "import reassessing customers", job);
      logged = true;
    }
    customers_per_write = next_batch_lines(customers_per_write, walked.value().write_time,
                                           options_.batch_write_target, options_.batch_lines);
    run_tasks();  // uploads waiting to be answered
  }
}

}  // namespace redress::api
