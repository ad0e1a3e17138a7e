#include "api/server/api_server.h"

#include <filesystem>
#include <set>
#include <utility>

#include "api/delivery/stream_hub.h"
#include "api/delivery/webhook_sender.h"
#include "api/routes/routes.h"
#include "api/server/admin_bootstrap.h"
#include "api/server/blocking_worker.h"
#include "api/server/import_runner.h"
#include "api/transport/listener.h"
#include "storage/import_store.h"
#include "storage/schema.h"
#include "storage/server_queries.h"
#include "storage/webhook_store.h"

namespace redress::api {

namespace net = boost::asio;

namespace {

// Evidence uploads waiting for the blocking worker (thumbnail, fsync) behind the one it runs:
// beyond these an upload is answered 503 at once. Each waits with its file on disk, not in
// memory.
constexpr size_t kBlockingTasksWaiting = 8;

std::string describe_problems(const Problems& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (p.severity != Severity::kError) continue;
    out += "\n  " + p.file + " " + p.pointer + ": " + p.code + ": " + p.message;
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<const WorkflowCatalog>> load_catalog_with_stored_versions(
    const std::string& workflows_dir, const storage::StoreOptions& store_options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(workflows_dir, ec)) {
    return Error::invalid_config("the workflows directory " + workflows_dir + " does not exist");
  }
  // Read through the engine's one reader, so the server refuses exactly the files
  // `redress validate` refuses (too large, not a regular file).
  auto files = WorkflowCatalog::read_directory(workflows_dir);
  auto from_files = WorkflowCatalog::load(files);
  if (!from_files.catalog) {
    return Error(ErrorCode::kInvalidDefinition,
                 "the workflow definitions in " + workflows_dir +
                     " have errors:" + describe_problems(from_files.problems));
  }
  // Workflow versions cases were started on live in the database too: add those whose files
  // are gone, so every pinned case keeps its rules.
  auto stored = storage::read_stored_workflow_definitions(store_options);
  if (!stored.ok()) return stored.error();
  const auto files_read = files.sources.size();
  for (auto& definition : stored.value()) {
    if (from_files.catalog->find(definition.workflow_id, definition.version)) continue;
    files.sources.push_back(
        {"database:" + definition.workflow_id + "@" + std::to_string(definition.version),
         std::move(definition.definition)});
  }
  if (files.sources.size() == files_read) return from_files.catalog;
  auto merged = WorkflowCatalog::load(files);
  if (!merged.catalog) {
    return Error(ErrorCode::kInvalidDefinition,
                 "the stored workflow versions no longer load with the current policies:" +
                     describe_problems(merged.problems));
  }
  return merged.catalog;
}

TransportLimits transport_limits(const ServerConfig& config) {
  TransportLimits limits;
  limits.idle_timeout = config.idle_timeout;
  limits.read_timeout = config.read_timeout;
  limits.write_timeout = config.write_timeout;
  limits.header_limit = config.header_limit;
  limits.max_connections = config.max_connections;
  return limits;
}

ApiServer::ApiServer(const ServerConfig& config, const Clock& clock)
    : config_(config), clock_(clock), ioc_(config.threads) {}

Result<std::unique_ptr<ApiServer>> ApiServer::create(const ServerConfig& config, const Clock& clock,
                                                     std::ostream& out) {
  std::unique_ptr<ApiServer> server(new ApiServer(config, clock));
  storage::StoreOptions options;
  options.path = config.db_path;
  options.synchronous =
      config.synchronous_full ? storage::Synchronous::kFull : storage::Synchronous::kNormal;
  if (auto parent = std::filesystem::path(config.db_path).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Error::invalid_config("cannot create the database directory " + parent.string() +
                                   ": " + ec.message());
    }
  }
  auto catalog = load_catalog_with_stored_versions(config.workflows_dir, options);
  if (!catalog.ok()) return catalog.error();
  auto engine = std::make_shared<const Engine>(catalog.value());
  auto store = storage::CaseStore::open(options, engine);
  if (!store.ok()) return store.error();
  server->store_ = std::move(store).value();
  if (auto recorded = server->store_->record_workflow_definitions(*catalog.value(), clock.now());
      !recorded.ok()) {
    return recorded.error();
  }
  server->directory_ = std::make_unique<storage::DirectoryStore>(*server->store_);
  server->idempotency_ = std::make_unique<storage::IdempotencyStore>(*server->store_);
  server->webhooks_ = std::make_unique<storage::WebhookStore>(*server->store_);
  server->queries_ = std::make_unique<storage::ServerQueries>(*server->store_);
  server->customers_ = std::make_unique<storage::CustomerStore>(*server->store_);
  server->carrier_events_ = std::make_unique<storage::CarrierEventStore>(*server->store_);
  server->content_files_ = std::make_unique<storage::ContentFiles>(
      storage::ContentFiles::directory_for_database(config.db_path));
  server->attachments_ =
      std::make_unique<storage::AttachmentStore>(*server->store_, *server->content_files_);
  server->auth_ = std::make_unique<TokenAuthenticator>(*server->directory_);
  server->context_ = std::unique_ptr<ServerContext>(new ServerContext{
      server->config_, *server->store_, *server->directory_, *server->idempotency_,
      *server->webhooks_, *server->queries_, *server->customers_, *server->attachments_,
      *server->auth_, server->metrics_, clock});
  server->context_->carrier_events = server->carrier_events_.get();
  if (auto spooled = server->open_import_spool(); !spooled.ok()) return spooled.error();
  server->blocking_worker_ = std::make_unique<BlockingWorker>(kBlockingTasksWaiting);
  server->context_->run_blocking =
      [worker = server->blocking_worker_.get()](std::function<void()> task) {
        return worker->try_post(std::move(task));
      };

  WebhookSenderOptions webhook_options;
  webhook_options.ca_file = config.webhook_ca_file;
  webhook_options.max_in_flight = config.webhook_concurrency;
  if (auto checked = WebhookSender::check_options(webhook_options); !checked.ok()) {
    return checked.error();
  }
  server->sender_ =
      std::make_unique<WebhookSender>(server->ioc_, *server->webhooks_, clock, webhook_options);
  auto* raw = server.get();
  server->hub_ = std::make_unique<StreamHub>(
      server->ioc_, *server->store_,
      [raw](const Request& request, Instant now) {
        return raw->service_->authenticate(request, now);
      },
      clock, config.stream_queue_limit);
  // Whatever committed may have written journal entries and outbox rows: wake both tails.
  server->context_->on_committed = [raw] {
    raw->hub_->poke();
    raw->sender_->poke();
  };
  server->context_->run_on_io = [raw](std::function<void()> work) {
    if (!raw->io_running_) return work();
    boost::asio::post(raw->ioc_, std::move(work));
  };
  server->context_->publish_notices = [raw](std::vector<CaseNotice> notices) {
    raw->hub_->publish(std::move(notices));
  };
  server->context_->on_credentials_changed = [raw](const std::string& token_id,
                                                   const std::string& user_id) {
    raw->hub_->close_for_credentials(token_id, user_id);
  };
  server->service_ = std::make_unique<RequestPipeline>(pipeline_services(*server->context_),
                                                       build_router(*server->context_));

  auto head = server->queries_->journal_head();
  if (!head.ok()) return head.error();
  server->counted_seq_ = head.value();
  server->register_gauges();

  auto admin = ensure_admin_token(*server->directory_, clock.now());
  if (!admin.ok()) return admin.error();
  if (admin.value()) {
    out << "redress: first start: created the admin token (shown once, keep it safe):\n"
        << "  " << *admin.value() << "\n";
  }
  return server;
}

ApiServer::~ApiServer() {
  stop();
}

Status ApiServer::start() {
  // Timers that fell due while the server was down fire first, in due order.
  fire_due_timers_now();
  std::shared_ptr<const StaticFiles> console;
  if (!config_.console_dir.empty()) {
    auto opened = StaticFiles::open(config_.console_dir);
    if (!opened.ok()) return opened.error();
    console = std::move(opened).value();
  }
  listener_ = std::make_shared<Listener>(
      ioc_, *service_, transport_limits(config_),
      [this](boost::beast::tcp_stream stream, Request request) {
        hub_->accept(std::move(stream), std::move(request));
      },
      std::move(console),
      // Upgraded connections leave the listener's sessions but still hold a descriptor each.
      [this] { return hub_->connection_count(); });
  // Jobs a previous run left queued or running resume first.
  import_runner_->start();
  blocking_worker_->start();
  if (auto listening = listener_->listen(config_.host, config_.port); !listening.ok()) {
    return listening;
  }
  listener_->start();
  work_.emplace(ioc_.get_executor());
  for (int i = 0; i < config_.threads; ++i) {
    io_threads_.emplace_back([this] { ioc_.run(); });
  }
  io_running_ = true;
  background_ = std::thread([this] { background_loop(); });
  sender_->start();
  return Status::Ok();
}

std::uint16_t ApiServer::port() const {
  return listener_ ? listener_->port() : 0;
}

size_t ApiServer::fire_due_timers_now() {
  MutexLock lock(timers_mutex_);
  auto fired = store_->fire_due_timers(clock_.now());
  if (!fired.ok()) {
    write_access_log({{"ts", format_rfc3339(clock_.now())},
                      {"level", "error"},
                      {"msg", "timer loop"},
                      {"error", fired.error().message}});
    return 0;
  }
  if (fired.value() > 0) context_->on_committed();
  return fired.value();
}

Status ApiServer::open_import_spool() {
  std::filesystem::path spool = config_.import_spool_dir;
  if (spool.empty()) {
    spool = std::filesystem::path(config_.db_path).parent_path() / "imports";
  }
  std::error_code ec;
  std::filesystem::create_directories(spool, ec);
  if (ec) {
    return Error::invalid_config("cannot create the import spool directory " + spool.string() +
                                 ": " + ec.message());
  }
  // An upload cut off by a crash never became a job: nothing refers to its partial file.
  for (const auto& entry : std::filesystem::directory_iterator(spool, ec)) {
    if (entry.path().extension() == ".part") std::filesystem::remove(entry.path(), ec);
  }
  imports_ = std::make_unique<storage::ImportStore>(*store_);
  import_runner_ = std::make_unique<ImportRunner>(*imports_, store_->engine().catalog(), clock_,
                                                  ImportRunnerOptions{config_.import_batch_lines});
  // A spool file no unfinished job names is garbage: an upload whose job row never committed
  // (a crash between the rename and the commit), or a finished job's file a crash kept.
  {
    auto unfinished = imports_->unfinished_jobs();
    if (!unfinished.ok()) return unfinished.error();
    std::set<std::string> kept;
    for (const auto& job : unfinished.value()) {
      kept.insert(std::filesystem::path(job.spool_path).filename().string());
    }
    for (const auto& entry : std::filesystem::directory_iterator(spool, ec)) {
      if (entry.path().extension() == ".jsonl" && !kept.count(entry.path().filename().string())) {
        std::filesystem::remove(entry.path(), ec);
      }
    }
  }
  context_->imports = imports_.get();
  context_->import_spool_dir = spool.string();
  auto* runner = import_runner_.get();
  context_->run_import_task = [runner](std::function<void()> task) {
    runner->run(std::move(task));
  };
  context_->on_import_queued = [runner] { runner->wake(); };
  return Status::Ok();
}

void ApiServer::register_gauges() {
  metrics_.describe_counter("redress_sla_warnings_total", "SLA clocks that reached their warning.");
  metrics_.describe_counter("redress_sla_breaches_total", "SLA clocks that breached.");
  metrics_.describe_counter("redress_escalations_total", "Cases escalated, by level reached.");
  auto* queries = queries_.get();
  // A gauge whose samples are the counts of one grouped query, labelled by their group.
  using GroupedCounts =
      Result<std::vector<storage::GroupCount>> (storage::ServerQueries::*)() const;
  const auto grouped = [queries](GroupedCounts query, const char* label) {
    return [queries, query, label]() {
      std::vector<Metrics::Sample> samples;
      auto counts = (queries->*query)();
      if (!counts.ok()) return samples;
      for (const auto& c : counts.value()) {
        samples.push_back({{{label, c.group}}, static_cast<double>(c.count)});
      }
      return samples;
    };
  };
  metrics_.register_gauge("redress_open_cases", "Open cases by state.",
                          grouped(&storage::ServerQueries::open_cases_by_state, "state"));
  metrics_.register_gauge(
      "redress_pending_approvals", "Approvals waiting, by required role.",
      grouped(&storage::ServerQueries::pending_approvals_by_role, "required_role"));
  metrics_.register_gauge("redress_webhook_queue_depth",
                          "Webhook deliveries pending (due or waiting to retry).", [this] {
                            auto depth = sender_->queue_depth();
                            return std::vector<Metrics::Sample>{
                                {{}, depth.ok() ? static_cast<double>(depth.value()) : -1}};
                          });
  metrics_.register_gauge("redress_webhook_attempts", "Webhook delivery attempts by outcome.",
                          [this] {
                            const auto c = sender_->counters();
                            return std::vector<Metrics::Sample>{
                                {{{"outcome", "succeeded"}}, static_cast<double>(c.succeeded)},
                                {{{"outcome", "failed"}}, static_cast<double>(c.failed)},
                                {{{"outcome", "dead"}}, static_cast<double>(c.dead)},
                                {{{"outcome", "gone"}}, static_cast<double>(c.gone)}};
                          });
  metrics_.register_gauge("redress_websocket_connections", "Open WebSocket connections.", [this] {
    return std::vector<Metrics::Sample>{{{}, static_cast<double>(hub_->connection_count())}};
  });
}

void ApiServer::count_journal() {
  while (true) {
    auto batch = store_->journal_after(counted_seq_, 1000);
    if (!batch.ok() || batch.value().empty()) return;
    for (const auto& e : batch.value()) {
      counted_seq_ = e.seq;
      const auto& type = e.event.type;
      if (type == "sla.warning" || type == "sla.breached") {
        // The engine names the clock as a string: {"clock": "first_response"}.
        const auto clock = e.event.data.find("clock");
        const std::string name =
            clock != e.event.data.end() && clock->is_string() ? clock->get<std::string>() : "";
        metrics_.increment(
            type == "sla.warning" ? "redress_sla_warnings_total" : "redress_sla_breaches_total",
            {{"clock", name}});
      } else if (type == "case.escalated") {
        metrics_.increment("redress_escalations_total",
                           {{"to_level", e.event.data.value("to_level", "")}});
      }
    }
    if (batch.value().size() < 1000) return;
  }
}

void ApiServer::flush_last_used() {
  auto used = auth_->take_last_used();
  if (!used.empty()) directory_->touch_tokens(std::move(used), [](Result<size_t>) {});
  auto sessions_used = auth_->take_session_last_used();
  if (!sessions_used.empty()) {
    directory_->touch_sessions(std::move(sessions_used), [](Result<size_t>) {});
  }
}

void ApiServer::housekeeping() {
  flush_last_used();
  idempotency_->purge_expired(clock_.now(), 1000, [](Result<size_t>) {});
  webhooks_->purge_settled(clock_.now() - config_.webhook_retention, 1000,
                           [](Result<storage::PurgeResult>) {});
  // An expired session stays a week for whoever looks into a sign-in (its last use), then goes.
  constexpr auto kExpiredSessionRetention = std::chrono::hours(24 * 7);
  directory_->purge_expired_sessions(clock_.now() - kExpiredSessionRetention, 1000,
                                     [](Result<size_t>) {});
  collect_attachment_files();
}

// Attachment files no row names (an upload refused after its file was published, a case's
// evidence written by a crashed process) and leftovers of interrupted uploads, hourly. A file's
// age is its modification time, which the file system writes in real time: the grace period is
// measured on the real clock, whatever clock the server schedules by.
void ApiServer::collect_attachment_files() {
  constexpr auto kCollectionInterval = std::chrono::hours(1);
  const auto now = clock_.now();
  if (now < next_content_collection_ && now + kCollectionInterval >= next_content_collection_) {
    return;
  }
  next_content_collection_ = now + kCollectionInterval;
  const auto real_now = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  auto collected = attachments_->collect_garbage(real_now, storage::kContentGracePeriod);
  if (!collected.ok()) {
    write_access_log({{"ts", format_rfc3339(now)},
                      {"level", "error"},
                      {"msg", "attachment file collection failed"},
                      {"error", collected.error().message}});
  } else if (collected.value().removed_files + collected.value().removed_temporary > 0) {
    write_access_log({{"ts", format_rfc3339(now)},
                      {"level", "info"},
                      {"msg", "attachment files collected"},
                      {"removed_files", collected.value().removed_files},
                      {"removed_bytes", collected.value().removed_bytes},
                      {"removed_temporary", collected.value().removed_temporary}});
  }
}

// Recency changes with time alone, so every customer's RFM segment (and, never down, level) is
// reassessed once a day on the server's clock. The walk goes by customer id in batches, one write
// each, the next batch queued only when the last one committed: agents' commands interleave with
// it in the writer's queue and wait for at most one batch.
void ApiServer::assess_customers_step() {
  constexpr size_t kAssessmentBatch = 200;
  constexpr auto kAssessmentInterval = std::chrono::hours(24);
  const auto now = clock_.now();
  std::string cursor;
  {
    MutexLock lock(mutex_);
    if (stopping_ || assessment_batch_in_flight_) return;
    if (!assessing_) {
      if (now < next_assessment_) return;
      assessing_ = true;
      assessment_cursor_.clear();
      next_assessment_ = now + kAssessmentInterval;
    }
    assessment_batch_in_flight_ = true;
    cursor = assessment_cursor_;
  }
  customers_->reassess_batch(cursor, kAssessmentBatch, now, [this](Result<std::string> last) {
    {
      MutexLock lock(mutex_);
      assessment_batch_in_flight_ = false;
      if (!last.ok() || last.value().empty()) {
        assessing_ = false;  // done, or failed: the next walk starts tomorrow
      } else {
        assessment_cursor_ = last.value();
      }
    }
    wake_background();
  });
}

void ApiServer::background_loop() {
  // Scheduled on the server's clock, like the timers, so that tests can advance past it; a
  // clock set back by more than the interval runs it at once instead of waiting to catch up.
  constexpr auto kHousekeepingInterval = std::chrono::seconds(30);
  auto next_housekeeping = clock_.now();
  MutexLock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    fire_due_timers_now();
    count_journal();
    assess_customers_step();
    const auto now = clock_.now();
    if (now >= next_housekeeping || now + kHousekeepingInterval < next_housekeeping) {
      housekeeping();
      next_housekeeping = now + kHousekeepingInterval;
    }
    lock.lock();
    // One pass per interval, or sooner when woken; a spurious wake-up only runs a pass early.
    if (!stopping_ && !background_wanted_) lock.wait_for(wake_, config_.timer_interval);
    background_wanted_ = false;
  }
}

void ApiServer::wake_background() {
  {
    MutexLock lock(mutex_);
    background_wanted_ = true;
  }
  wake_.notify_all();
}

void ApiServer::stop() {
  {
    MutexLock lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  // WebSocket clients get their 1001 close (with the resume point) while the I/O threads run.
  if (hub_ && !io_threads_.empty()) hub_->stop();
  if (listener_) {
    listener_->stop();
    // In-flight requests finish and WebSocket closes complete (both bounded by the grace
    // period); idle connections close at once.
    const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_grace;
    const auto connections = [this] {
      return listener_->session_count() + (hub_ ? hub_->connection_count() : 0);
    };
    while (connections() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (background_.joinable()) background_.join();
  // After the listener: uploads still in flight are answered first. A running job stops after
  // its batch in flight and resumes at the next start.
  if (import_runner_) import_runner_->stop();
  if (blocking_worker_) blocking_worker_->stop();
  if (hub_) hub_->stop();
  if (sender_ && !io_threads_.empty()) {
    // In-flight deliveries finish (each bounded by its timeout) and are recorded.
    // Shared: after a timeout here, the callback may still run on an I/O thread.
    auto stopped = std::make_shared<std::promise<void>>();
    auto done = stopped->get_future();
    sender_->stop([stopped] { stopped->set_value(); });
    done.wait_for(std::chrono::seconds(20));
  }
  work_.reset();
  io_running_ = false;
  ioc_.stop();
  for (auto& t : io_threads_) {
    if (t.joinable()) t.join();
  }
  io_threads_.clear();
  // The last flush of last-used times, then the writer drains and the database closes.
  if (auth_ && directory_) flush_last_used();
  // Writes still queued are answered while everything their callbacks reach (the RequestPipeline,
  // the other stores) is alive; with the I/O threads gone, those callbacks run inline.
  if (store_) store_->wait_until_idle();
  service_.reset();
  store_.reset();
  {
    MutexLock lock(mutex_);
    stopped_ = true;
  }
  wake_.notify_all();
}

void ApiServer::wait() {
  MutexLock lock(mutex_);
  while (!stopped_) lock.wait(wake_);
}

}  // namespace redress::api
