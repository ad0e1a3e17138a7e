#include "api/api_server.h"

#include <filesystem>
#include <fstream>

#include "api/admin_bootstrap.h"
#include "api/listener.h"
#include "api/routes.h"
#include "storage/schema.h"

namespace redress::api {

namespace net = boost::asio;

namespace {

Result<std::vector<DefinitionSource>> read_definition_files(const std::string& directory) {
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    return Error{"INVALID_CONFIG", "the workflows directory " + directory + " does not exist", ""};
  }
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<DefinitionSource> sources;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Error{"INVALID_CONFIG", "cannot read " + path, ""};
    sources.push_back({path, std::move(text)});
  }
  return sources;
}

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
  auto sources = read_definition_files(workflows_dir);
  if (!sources.ok()) return sources.error();
  auto files = WorkflowCatalog::load(sources.value());
  if (!files.catalog) {
    return Error{"INVALID_DEFINITION",
                 "the workflow definitions in " + workflows_dir +
                     " have errors:" + describe_problems(files.problems),
                 ""};
  }
  // Workflow versions cases were started on live in the database too: add those whose files
  // are gone, so every pinned case keeps its rules.
  auto db = storage::open_writer_connection(store_options);
  if (!db.ok()) return db.error();
  std::vector<DefinitionSource> stored;
  try {
    storage::Statement s(
        *db.value(),
        "SELECT workflow_id, version, definition FROM workflow_definitions ORDER BY 1, 2");
    while (s.step()) {
      const auto id = s.column_text(0);
      const int version = static_cast<int>(s.column_int(1));
      if (files.catalog->find(id, version)) continue;
      stored.push_back({"database:" + id + "@" + std::to_string(version), s.column_text(2)});
    }
  } catch (const storage::SqliteError& e) {
    return storage::to_error(e);
  }
  if (stored.empty()) return files.catalog;
  auto all = sources.value();
  all.insert(all.end(), stored.begin(), stored.end());
  auto merged = WorkflowCatalog::load(all);
  if (!merged.catalog) {
    return Error{"INVALID_DEFINITION",
                 "the stored workflow versions no longer load with the current policies:" +
                     describe_problems(merged.problems),
                 ""};
  }
  return merged.catalog;
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
      return Error{"INVALID_CONFIG",
                   "cannot create the database directory " + parent.string() + ": " + ec.message(),
                   ""};
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
  server->auth_ = std::make_unique<TokenAuthenticator>(*server->directory_);
  server->context_ = std::unique_ptr<ServerContext>(
      new ServerContext{server->config_, *server->store_, *server->directory_,
                        *server->idempotency_, *server->auth_, server->metrics_, clock});
  server->service_ =
      std::make_unique<ApiService>(*server->context_, build_router(*server->context_));

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
  listener_ = std::make_shared<Listener>(
      ioc_, *service_, config_, [](boost::beast::tcp_stream stream, Request) {
        // The WebSocket stream is not wired yet: refuse the upgrade by closing.
        boost::beast::error_code ignored;
        stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      });
  if (auto listening = listener_->listen(config_.host, config_.port); !listening.ok()) {
    return listening;
  }
  listener_->start();
  for (int i = 0; i < config_.threads; ++i) {
    io_threads_.emplace_back([this] { ioc_.run(); });
  }
  background_ = std::thread([this] { background_loop(); });
  return Status::Ok();
}

std::uint16_t ApiServer::port() const {
  return listener_ ? listener_->port() : 0;
}

size_t ApiServer::fire_due_timers_now() {
  std::lock_guard lock(timers_mutex_);
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

void ApiServer::housekeeping() {
  auto used = auth_->take_last_used();
  if (!used.empty()) directory_->touch_tokens(std::move(used), [](Result<size_t>) {});
  idempotency_->purge_expired(clock_.now(), 1000, [](Result<size_t>) {});
}

void ApiServer::background_loop() {
  auto next_housekeeping = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    fire_due_timers_now();
    if (std::chrono::steady_clock::now() >= next_housekeeping) {
      housekeeping();
      next_housekeeping = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    }
    lock.lock();
    wake_.wait_for(lock, config_.timer_interval, [this] { return stopping_; });
  }
}

void ApiServer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (listener_) {
    listener_->stop();
    // In-flight requests finish (bounded by the grace period); idle connections close at once.
    const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_grace;
    while (listener_->session_count() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (background_.joinable()) background_.join();
  ioc_.stop();
  for (auto& t : io_threads_) {
    if (t.joinable()) t.join();
  }
  io_threads_.clear();
  // The last flush of last-used times, then the writer drains and the database closes.
  if (auth_ && directory_) {
    auto used = auth_->take_last_used();
    if (!used.empty()) directory_->touch_tokens(std::move(used), [](Result<size_t>) {});
  }
  service_.reset();
  store_.reset();
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  wake_.notify_all();
}

void ApiServer::wait() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return stopped_; });
}

}  // namespace redress::api
