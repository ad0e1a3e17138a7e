// ApiServer: the whole Redress server — definitions, database, HTTP/WebSocket API, timer loop,
// webhook delivery — assembled from a ServerConfig, started and stopped as one.
//
// Start-up: load the workflow definitions; open (creating and migrating) the database; merge the
// workflow versions stored there (cases stay pinned to the version they started on even when
// its file is gone); record the loaded versions; fire timers that fell due while the server was
// down, in due order; then listen. Shutdown (stop(), SIGINT/SIGTERM in `redress serve`): stop
// accepting, let in-flight requests finish (at most `shutdown_grace`), stop the timer loop and
// webhook sender, flush the storage writer and close the database.
//
// Thread-safety: start/stop/wait from one controlling thread; accessors from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "api/http/request_pipeline.h"
#include "api/http/server_config.h"
#include "api/routes/server_context.h"
#include "api/transport/transport_limits.h"
#include "engine/mutex.h"
#include "engine/time.h"

namespace redress::api {

class Listener;
class StreamHub;
class WebhookSender;
class BlockingWorker;
class ImportRunner;

// The transport's bounds from the server's settings.
TransportLimits transport_limits(const ServerConfig& config);

class ApiServer {
 public:
  // `clock` must outlive the server (tests pass a FakeClock). Messages for the operator (the
  // URL, the first admin token) go to `out`.
  static Result<std::unique_ptr<ApiServer>> create(const ServerConfig& config, const Clock& clock,
                                                   std::ostream& out);
  ~ApiServer();

  Status start();
  std::uint16_t port() const;
  // Graceful shutdown; safe to call more than once and from any thread.
  void stop();
  // Blocks until stop() has finished.
  void wait();

  storage::CaseStore& store() { return *store_; }
  storage::WebhookStore& webhooks() { return *webhooks_; }
  WebhookSender& webhook_sender() { return *sender_; }
  StreamHub& stream_hub() { return *hub_; }
  ServerContext& context() { return *context_; }
  ImportRunner& import_runner() { return *import_runner_; }
  // Runs the timer loop's work once now (tests advance a fake clock then call this instead of
  // waiting for the next tick). Returns how many timers fired.
  size_t fire_due_timers_now();
  // Makes the background loop run a pass now instead of at its next tick: due timers, and the
  // housekeeping (purges, token last-use) when its time on the server's clock has come. Tests
  // advance the fake clock, then call this.
  void wake_background();

 private:
  explicit ApiServer(const ServerConfig& config, const Clock& clock);
  void background_loop();
  void housekeeping();
  // Removes attachment files no row names, at most hourly (called by housekeeping()).
  void collect_attachment_files();
  // One step of the daily customer assessment (see api_server.cpp).
  void assess_customers_step();
  // Writes the tokens' and sessions' last-used times gathered by the authenticator.
  void flush_last_used();
  void register_gauges();
  // The import store and runner, the spool folder (created; partial uploads a crash left in it
  // removed) and the context's import hooks.
  Status open_import_spool();
  // Counts what the journal records (SLA warnings and breaches, escalations) since start-up.
  void count_journal();

  ServerConfig config_;
  const Clock& clock_;
  std::unique_ptr<storage::CaseStore> store_;
  std::unique_ptr<storage::DirectoryStore> directory_;
  std::unique_ptr<storage::IdempotencyStore> idempotency_;
  std::unique_ptr<storage::WebhookStore> webhooks_;
  std::unique_ptr<storage::ServerQueries> queries_;
  std::unique_ptr<storage::CustomerStore> customers_;
  std::unique_ptr<storage::CarrierEventStore> carrier_events_;
  std::unique_ptr<storage::ContentFiles> content_files_;
  std::unique_ptr<storage::AttachmentStore> attachments_;
  std::unique_ptr<storage::ImportStore> imports_;
  std::unique_ptr<ImportRunner> import_runner_;
  std::unique_ptr<BlockingWorker> blocking_worker_;
  std::unique_ptr<TokenAuthenticator> auth_;
  Metrics metrics_;
  std::unique_ptr<ServerContext> context_;
  std::unique_ptr<RequestPipeline> service_;
  boost::asio::io_context ioc_;
  // Keeps the I/O threads running while no socket or timer is pending: answers posted from the
  // storage writer's thread are not work the io_context knows about.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::shared_ptr<Listener> listener_;
  std::unique_ptr<WebhookSender> sender_;
  std::unique_ptr<StreamHub> hub_;
  std::int64_t counted_seq_ = 0;  // journal entries counted into the metrics so far
  std::vector<std::thread> io_threads_;
  // Whether the I/O threads run handlers: until start() and from stop() on, run_on_io runs its
  // work inline (a server used without start(), as the request fuzzer does, still answers).
  std::atomic<bool> io_running_{false};
  std::thread background_;
  Mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  bool background_wanted_ GUARDED_BY(mutex_) = false;
  // When housekeeping next collects attachment files no row names (the server's clock).
  Instant next_content_collection_{};  // wake_background() asked for a pass
  bool stopped_ GUARDED_BY(mutex_) = false;
  // The daily customer assessment: when the next walk starts, whether one is under way, the
  // last customer id it assessed, and whether a batch is being written.
  Instant next_assessment_ GUARDED_BY(mutex_){};
  bool assessing_ GUARDED_BY(mutex_) = false;
  std::string assessment_cursor_ GUARDED_BY(mutex_);
  bool assessment_batch_in_flight_ GUARDED_BY(mutex_) = false;
  Mutex timers_mutex_;  // one timer pass at a time (loop and tests)
};

// Loads the definitions in `workflows_dir` and merges the workflow versions stored in the
// database at `db_path` (created and migrated if needed). Errors name every problem.
Result<std::shared_ptr<const WorkflowCatalog>> load_catalog_with_stored_versions(
    const std::string& workflows_dir, const storage::StoreOptions& store_options);

}  // namespace redress::api
