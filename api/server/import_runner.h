// ImportRunner: the thread that carries out bulk imports (storage/import_store.h).
//
// It resumes the jobs a previous run left queued or running, then waits for new ones. A job's
// spool file is read from the job's applied offset, line by line through a fixed buffer (a
// 1 GB file costs no more memory than a small one); each line is judged on this thread
// (api/routes/import_lines.h) and the lines go to the writer in batches, each one write, the
// next batch only after the last one committed: the writer's queue then never holds more than
// one batch of an import, so an agent's command waits for at most one batch. A batch is sized
// by the writer time of the one before (next_batch_lines), about 20 ms. An order import ends
// with a walk that reassesses, once each, the customers whose orders it wrote. When a job ends
// its spool file and its id table are removed.
//
// The runner's thread also finishes uploads (run(): fsync of the spool file, the job's row):
// blocking disk work that must not run on an I/O thread.
//
// Thread-safety: every public method may be called from any thread; start/stop from the
// controlling thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "engine/mutex.h"
#include "engine/time.h"
#include "engine/workflow_catalog.h"
#include "storage/import_store.h"

namespace redress::api {

struct ImportRunnerOptions {
  size_t batch_lines = 1000;  // the most lines per write of the writer
  // How long one batch should hold the writer: batches grow or shrink towards it.
  std::chrono::microseconds batch_write_target = std::chrono::milliseconds(20);
};

// The size of the next batch after `lines` lines held the writer for `write_time`: towards
// `target`, by at most a factor of two per batch, between a few lines and `most`.
size_t next_batch_lines(size_t lines, std::chrono::microseconds write_time,
                        std::chrono::microseconds target, size_t most);

class ImportRunner {
 public:
  ImportRunner(storage::ImportStore& imports, const WorkflowCatalog& catalog, const Clock& clock,
               ImportRunnerOptions options = {});
  ~ImportRunner();
  ImportRunner(const ImportRunner&) = delete;
  ImportRunner& operator=(const ImportRunner&) = delete;

  // Starts the thread, which first resumes the unfinished jobs.
  void start();
  // Stops after the batch in flight (a running job stays running and resumes at the next start).
  void stop();
  // Runs `task` on the runner's thread, before its next batch. Tasks still queued at stop() run
  // before the thread ends, so every upload is answered.
  void run(std::function<void()> task);
  // A job was queued: look for it.
  void wake();
  // Blocks until no task is queued and no job is queued or running (tests).
  void wait_until_idle();

 private:
  void loop();
  // Runs the oldest unfinished job to its end (or until stop). False when there was none.
  bool run_next_job();
  void run_job(storage::ImportJob job);
  // Walks the job's customers to reassess, a writer-time-sized write at a time. False when a
  // stop cut it short (the job stays running and the walk resumes at the next start).
  bool reassess_customers(const storage::ImportJob& job, size_t customers_per_write);
  void finish(const storage::ImportJob& job, const std::string& failure);
  bool stopping() const;
  void run_tasks();

  storage::ImportStore& imports_;
  const WorkflowCatalog& catalog_;
  const Clock& clock_;
  const ImportRunnerOptions options_;
  mutable Mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  bool wanted_ GUARDED_BY(mutex_) = false;  // a job may be waiting
  bool busy_ GUARDED_BY(mutex_) = false;    // running a task or a job
  // No thread runs tasks (before start(), after stop()): run() runs them on the caller's thread.
  bool no_thread_ GUARDED_BY(mutex_) = true;
  std::thread thread_;
};

}  // namespace redress::api
