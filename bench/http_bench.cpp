// redress_http_bench: how fast the whole server answers over HTTP and WebSocket on loopback, with
// each figure beside the ceiling it is bounded by, both measured in the same run.
//
// The real ApiServer runs in this process (fresh database in --dir, port 0, SystemClock, rate
// limits off, no access log, --threads I/O threads). An agent of team after_sales and its token
// are created through the API, then --cases complaints are opened through POST /v1/cases. A
// closed-loop load generator then keeps --connections keep-alive connections busy (each sends its
// next request when the previous response has arrived; asynchronous Beast clients on
// --client-threads threads) for a warm-up and then --seconds per scenario, and prints requests per
// second and p50/p99 latency (from just before the request is written to the end of the response):
//   1. GET /healthz: the HTTP ceiling (no token, no database);
//   2. GET /v1/cases/{random id}, as a ratio to (1);
//   3. GET /v1/cases?team=after_sales&page_size=50 (a team queue), as a ratio to (1);
//   4. the disk's ceiling: raw SQLite single-row durable commits (WAL, synchronous=FULL, one
//      prepared INSERT per transaction, a fresh file in --dir), as in redress_storage_bench;
//   5. POST /v1/cases/{id}/transitions, one case per connection, alternating
//      request_customer_info and customer_provided_info, as a ratio to (4);
//   5b. the same with a fresh Idempotency-Key on every request, on cases of their own, as a
//      ratio to (5);
//   6. WebSocket fan-out: --ws-clients clients on GET /v1/stream subscribe to one case; then
//      --events transitions are fired on it one at a time (the next once every subscriber has
//      every journal entry of the previous one). For every journal entry and every subscriber:
//      the time from just before the POST was written to the subscriber's receipt of the entry.
// then a summary table with each figure, its target and PASS/MISS. The client and the server
// share the machine's cores: every figure includes the load generator's own CPU time.
// docs/benchmarks.md has the figures measured and how to read them.
//
// Exit status: 0 when the benchmark ran (targets missed or not), 1 on a usage error, 2 when the
// benchmark itself failed (a non-2xx answer, a connection error, a missing event, a lost
// subscriber, too few file descriptors).
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "api/server/api_server.h"
#include "engine/time.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr const char* kTeam = "after_sales";
constexpr const char* kAgent = "agent.bench";

// --- options ---------------------------------------------------------------------------------

struct Options {
  std::string dir;  // empty: the mode's default
  double seconds = 5.0;
  double warmup = 1.0;
  int connections = 64;
  int server_threads = 2;
  int client_threads = 2;
  int cases = 1000;
  int ws_clients = 1000;
  int events = 50;
  std::string workflows = std::string(REDRESS_SOURCE_DIR) + "/workflows";
  bool quick = false;
};

void usage(std::ostream& out) {
  out << "usage: redress_http_bench [--quick] [--dir DIR] [--seconds S] [--warmup S]\n"
         "                          [--connections N] [--threads N] [--client-threads N]\n"
         "                          [--cases N] [--ws-clients N] [--events N] [--workflows DIR]\n"
         "  --dir DIR          scratch directory: the server's fresh database and the raw\n"
         "                     commit file (default bench-data/http-bench, with --quick\n"
         "                     bench-data/http-bench-quick); their files are replaced\n"
         "  --seconds S        measured duration of each HTTP scenario and of the raw commit\n"
         "                     rate (default 5; --quick 1)\n"
         "  --warmup S         unmeasured load before each HTTP scenario (default 1; --quick 0.2)\n"
         "  --connections N    keep-alive connections of the load generator (default 64)\n"
         "  --threads N        the server's I/O threads (default 2)\n"
         "  --client-threads N the load generator's and the WebSocket clients' threads (default "
         "2)\n"
         "  --cases N          complaints opened before the reads (default 1000; --quick 200)\n"
         "  --ws-clients N     WebSocket subscribers (default 1000; --quick 100)\n"
         "  --events N         transitions fired for the fan-out figure (default 50; --quick 10)\n"
         "  --workflows DIR    the shipped workflow definitions (default: the source tree's)\n"
         "  --quick            smoke-test sizes (under 10 s)\n";
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  std::optional<double> seconds, warmup;
  std::optional<int> cases, ws_clients, events;
  auto number = [](const std::string& flag, const char* text) -> double {
    char* end = nullptr;
    const double v = std::strtod(text, &end);
    if (end == text || *end != '\0' || !(v > 0)) {
      throw std::invalid_argument(flag + " needs a positive number, not '" + text + "'");
    }
    return v;
  };
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      auto value = [&]() -> const char* {
        if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
        return argv[++i];
      };
      auto count = [&]() { return static_cast<int>(number(arg, value())); };
      if (arg == "--quick") {
        o.quick = true;
      } else if (arg == "--dir") {
        o.dir = value();
      } else if (arg == "--seconds") {
        seconds = number(arg, value());
      } else if (arg == "--warmup") {
        warmup = number(arg, value());
      } else if (arg == "--connections") {
        o.connections = count();
      } else if (arg == "--threads") {
        o.server_threads = count();
      } else if (arg == "--client-threads") {
        o.client_threads = count();
      } else if (arg == "--cases") {
        cases = count();
      } else if (arg == "--ws-clients") {
        ws_clients = count();
      } else if (arg == "--events") {
        events = count();
      } else if (arg == "--workflows") {
        o.workflows = value();
      } else if (arg == "--help" || arg == "-h") {
        usage(std::cout);
        std::exit(0);
      } else {
        throw std::invalid_argument("unknown option " + arg);
      }
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "redress_http_bench: " << e.what() << "\n";
    usage(std::cerr);
    return std::nullopt;
  }
  if (o.quick) {
    o.seconds = 1.0;
    o.warmup = 0.2;
    o.cases = 200;
    o.ws_clients = 100;
    o.events = 10;
  }
  if (seconds) o.seconds = *seconds;
  if (warmup) o.warmup = *warmup;
  if (cases) o.cases = *cases;
  if (ws_clients) o.ws_clients = *ws_clients;
  if (events) o.events = *events;
  if (o.dir.empty()) o.dir = o.quick ? "bench-data/http-bench-quick" : "bench-data/http-bench";
  o.connections = std::max(1, o.connections);
  o.server_threads = std::max(1, o.server_threads);
  o.client_threads = std::max(1, o.client_threads);
  o.cases = std::max(1, o.cases);
  o.ws_clients = std::max(1, o.ws_clients);
  o.events = std::max(1, o.events);
  return o;
}

// --- small helpers ---------------------------------------------------------------------------

[[noreturn]] void fail(const std::string& what) {
  std::cout << std::flush;
  std::cerr << "redress_http_bench: FAILED: " << what << "\n";
  std::exit(2);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

std::string with_commas(double v) {
  const long long rounded = std::llround(v);
  auto digits = std::to_string(rounded < 0 ? -rounded : rounded);
  std::string out = rounded < 0 ? "-" : "";
  const size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && i >= lead && (i - lead) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Nearest-rank percentile.
double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  rank = std::clamp<size_t>(rank, 1, samples.size());
  return samples[rank - 1];
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "unknown";
  return a + " " + b + " " + c;
}

// SplitMix64, for the random case ids (a pure function of connection and request number).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void remove_database_files(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix, ignored);
  }
}

// Raises the soft limit of open files to the hard limit; returns {before, after, hard}.
struct FileLimit {
  rlim_t before = 0, now = 0, hard = 0;
};
FileLimit raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) fail("getrlimit(RLIMIT_NOFILE) failed");
  FileLimit r{limit.rlim_cur, limit.rlim_cur, limit.rlim_max};
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) r.now = limit.rlim_cur;
  }
  return r;
}

// --- the disk's ceiling (the same method as redress_storage_bench's part 1) --------------------

struct RawResult {
  std::uint64_t commits = 0;
  double seconds = 0;
  double rate() const { return static_cast<double>(commits) / seconds; }
};

void raw_check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    fail(std::string("raw SQLite: ") + what + ": " + sqlite3_errmsg(db));
  }
}

RawResult raw_commit_rate(const std::string& path, double seconds) {
  remove_database_files(path);
  sqlite3* db = nullptr;
  raw_check(db,
            sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
            "open");
  raw_check(db,
            sqlite3_exec(db,
                         "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                         "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
                         nullptr, nullptr, nullptr),
            "setup");
  // The store's own shape: BEGIN IMMEDIATE, the write, COMMIT — each a prepared statement.
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* insert = nullptr;
  sqlite3_stmt* commit = nullptr;
  raw_check(db, sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr), "prepare");
  raw_check(db, sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?)", -1, &insert, nullptr),
            "prepare");
  raw_check(db, sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr), "prepare");
  RawResult r;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    const std::string row = "row-" + std::to_string(r.commits);
    raw_check(db, sqlite3_step(begin), "BEGIN");
    sqlite3_reset(begin);
    sqlite3_bind_text(insert, 1, row.data(), static_cast<int>(row.size()), SQLITE_TRANSIENT);
    raw_check(db, sqlite3_step(insert), "INSERT");
    sqlite3_reset(insert);
    raw_check(db, sqlite3_step(commit), "COMMIT");
    sqlite3_reset(commit);
    ++r.commits;
  }
  r.seconds = seconds_since(start);
  sqlite3_finalize(begin);
  sqlite3_finalize(insert);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  remove_database_files(path);
  return r;
}

// --- a blocking HTTP client (setup, and the fan-out's POSTs) ----------------------------------

struct Reply {
  int status = 0;
  std::string body;
  nlohmann::json json() const {
    auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) fail("the server answered with a body that is not JSON: " + body);
    return j;
  }
};

class BlockingClient {
 public:
  explicit BlockingClient(std::uint16_t port) : port_(port), stream_(ioc_) {
    beast::error_code ec;
    stream_.socket().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    if (ec) fail("connecting to the server: " + ec.message());
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  Reply request(http::verb method, const std::string& target, const std::string& body,
                const std::string& token) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    beast::error_code ec;
    http::write(stream_, req, ec);
    if (ec) fail(std::string(req.method_string()) + " " + target + ": write: " + ec.message());
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res, ec);
    if (ec) fail(std::string(req.method_string()) + " " + target + ": read: " + ec.message());
    if (!res.keep_alive()) fail(target + ": the server closed the connection");
    return {static_cast<int>(res.result_int()), std::move(res.body())};
  }
  Reply post(const std::string& target, const nlohmann::json& body, const std::string& token) {
    return request(http::verb::post, target, body.dump(), token);
  }

 private:
  std::uint16_t port_;
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

// --- the closed-loop load generator -----------------------------------------------------------

struct RequestSpec {
  http::verb method = http::verb::get;
  std::string target;
  std::string body;               // sent as application/json when not empty
  std::string idempotency_key{};  // sent as Idempotency-Key when not empty
};

// The n-th request (0, 1, ...) of connection `conn`. Called on the client threads.
using MakeRequest = std::function<RequestSpec(size_t conn, std::uint64_t n)>;
// Every successful response in counted mode (seeding); must be thread-safe.
using OnResponse = std::function<void(const std::string& body)>;

struct LoadResult {
  std::uint64_t requests = 0;  // completed in the measured window
  double seconds = 0;
  std::uint64_t bytes = 0;  // response bodies, measured window
  std::vector<double> latencies_us;
  double rps() const { return static_cast<double>(requests) / seconds; }
  double p50_ms() const { return percentile(latencies_us, 50) / 1e3; }
  double p99_ms() const { return percentile(latencies_us, 99) / 1e3; }
  double max_ms() const {
    return latencies_us.empty() ? 0
                                : *std::max_element(latencies_us.begin(), latencies_us.end()) / 1e3;
  }
  double mean_bytes() const {
    return requests == 0 ? 0 : static_cast<double>(bytes) / static_cast<double>(requests);
  }
};

enum Phase : int { kWarmup = 0, kMeasure = 1, kStop = 2 };

struct LoadShared {
  std::uint16_t port = 0;
  std::string token;  // empty: no Authorization header
  MakeRequest make;
  OnResponse on_response;
  std::uint64_t total = 0;  // counted mode: stop after this many requests (0: timed mode)
  std::atomic<std::uint64_t> issued{0};
  std::atomic<int> phase{kWarmup};
  std::atomic<int> live{0};
  std::mutex failure_mutex;
  std::string failure;
  std::atomic<bool> failed{false};
  void report(const std::string& what) {
    std::lock_guard lock(failure_mutex);
    if (failure.empty()) failure = what;
    failed = true;
    phase = kStop;
  }
};

class LoadConnection : public std::enable_shared_from_this<LoadConnection> {
 public:
  LoadConnection(net::io_context& ioc, LoadShared& shared, size_t index)
      : stream_(net::make_strand(ioc)), shared_(shared), index_(index) {
    latencies_.reserve(1 << 14);
  }

  void start() {
    ++shared_.live;
    stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), shared_.port),
                          [self = shared_from_this()](beast::error_code ec) {
                            if (ec) return self->finish("connect: " + ec.message());
                            beast::error_code ignored;
                            self->stream_.socket().set_option(tcp::no_delay(true), ignored);
                            self->next();
                          });
  }

  std::vector<double>& latencies() { return latencies_; }
  std::uint64_t completed() const { return completed_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  void next() {
    if (shared_.phase.load(std::memory_order_relaxed) == kStop) return finish("");
    std::uint64_t n = sent_count_;
    if (shared_.total > 0) {
      n = shared_.issued.fetch_add(1);
      if (n >= shared_.total) return finish("");
    }
    auto spec = shared_.make(index_, sent_count_);
    ++sent_count_;
    req_ = {};
    req_.method(spec.method);
    req_.target(spec.target);
    req_.version(11);
    req_.set(http::field::host, "127.0.0.1");
    req_.keep_alive(true);
    if (!shared_.token.empty()) req_.set(http::field::authorization, "Bearer " + shared_.token);
    if (!spec.body.empty()) {
      req_.set(http::field::content_type, "application/json");
      req_.body() = std::move(spec.body);
    }
    if (!spec.idempotency_key.empty()) req_.set("Idempotency-Key", spec.idempotency_key);
    req_.prepare_payload();
    sent_at_ = Clock::now();
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->finish("write: " + ec.message());
      self->read();
    });
  }

  void read() {
    res_ = {};
    http::async_read(
        stream_, buffer_, res_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_response(ec); });
  }

  void on_response(beast::error_code ec) {
    const auto now = Clock::now();
    const std::string what = std::string(req_.method_string()) + " " + std::string(req_.target());
    if (ec) return finish(what + ": read: " + ec.message());
    const int status = static_cast<int>(res_.result_int());
    if (status < 200 || status > 299) {
      return finish(what + " -> " + std::to_string(status) + " " + res_.body().substr(0, 400));
    }
    if (shared_.on_response) shared_.on_response(res_.body());
    if (shared_.total > 0 || shared_.phase.load(std::memory_order_relaxed) == kMeasure) {
      latencies_.push_back(micros(now - sent_at_));
      ++completed_;
      bytes_ += res_.body().size();
    }
    if (!res_.keep_alive()) return finish(what + ": the server closed the keep-alive connection");
    next();
  }

  void finish(const std::string& error) {
    if (!error.empty()) shared_.report("connection " + std::to_string(index_) + ": " + error);
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    --shared_.live;
  }

  beast::tcp_stream stream_;
  LoadShared& shared_;
  size_t index_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  Clock::time_point sent_at_{};
  std::uint64_t sent_count_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t bytes_ = 0;
  std::vector<double> latencies_;
};

struct LoadPlan {
  int connections = 64;
  int threads = 2;
  double warmup = 1.0;
  double seconds = 5.0;
  std::uint64_t total = 0;  // > 0: counted mode (no warm-up, no time limit)
};

LoadResult run_load(std::uint16_t port, const std::string& token, const LoadPlan& plan,
                    MakeRequest make, OnResponse on_response = {}) {
  LoadShared shared;
  shared.port = port;
  shared.token = token;
  shared.make = std::move(make);
  shared.on_response = std::move(on_response);
  shared.total = plan.total;
  if (plan.total > 0) shared.phase = kMeasure;
  net::io_context ioc(plan.threads);
  std::vector<std::shared_ptr<LoadConnection>> connections;
  for (int c = 0; c < plan.connections; ++c) {
    connections.push_back(std::make_shared<LoadConnection>(ioc, shared, static_cast<size_t>(c)));
    connections.back()->start();
  }
  const auto begin = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < plan.threads; ++t) threads.emplace_back([&ioc] { ioc.run(); });

  LoadResult r;
  auto sleep_unless_failed = [&](double seconds) {
    const auto until = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < until && !shared.failed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  Clock::time_point start = begin;
  if (plan.total == 0) {
    sleep_unless_failed(plan.warmup);
    shared.phase = kMeasure;
    start = Clock::now();
    sleep_unless_failed(plan.seconds);
    shared.phase = kStop;
    r.seconds = seconds_since(start);
  }
  // Every connection finishes its request in flight, then closes.
  const auto deadline = Clock::now() + std::chrono::seconds(plan.total > 0 ? 600 : 30);
  while (shared.live.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (plan.total > 0) r.seconds = seconds_since(start);
  const bool hung = shared.live.load() > 0;
  if (hung) ioc.stop();
  for (auto& t : threads) t.join();
  if (shared.failed) fail(shared.failure);
  if (hung) fail(std::to_string(shared.live.load()) + " connections still waiting for an answer");
  for (auto& c : connections) {
    r.requests += c->completed();
    r.bytes += c->bytes();
    r.latencies_us.insert(r.latencies_us.end(), c->latencies().begin(), c->latencies().end());
  }
  connections.clear();
  return r;
}

// --- WebSocket subscribers ---------------------------------------------------------------------

struct FanoutShared {
  std::uint16_t port = 0;
  std::string token;
  std::string subscribe;            // the subscribe message
  std::int64_t ignore_through = 0;  // journal entries at or before this are not counted
  std::atomic<int> connected{0};
  std::atomic<int> subscribed{0};
  std::atomic<std::uint64_t> delivered{0};  // event messages after ignore_through, all clients
  std::atomic<bool> closing{false};
  std::atomic<int> live{0};
  std::mutex failure_mutex;
  std::string failure;
  std::atomic<bool> failed{false};
  void report(const std::string& what) {
    std::lock_guard lock(failure_mutex);
    if (failure.empty()) failure = what;
    failed = true;
  }
};

class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  struct Receipt {
    std::int64_t seq;
    Clock::time_point at;
  };

  Subscriber(net::io_context& ioc, FanoutShared& shared, size_t index)
      : ws_(net::make_strand(ioc)), shared_(shared), index_(index) {}

  void start() {
    ++shared_.live;
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(60));
    beast::get_lowest_layer(ws_).async_connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), shared_.port),
        [self = shared_from_this()](beast::error_code ec) {
          if (ec) return self->finish("connect: " + ec.message());
          self->handshake();
        });
  }

  // Starts the closing handshake (from any thread).
  void close() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      if (self->ended_ || !self->ws_.is_open()) return;
      self->ws_.async_close(websocket::close_code::normal, [self](beast::error_code) {});
    });
  }

  const std::vector<Receipt>& receipts() const { return receipts_; }

 private:
  void handshake() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.set_option(websocket::stream_base::decorator(
        [token = shared_.token](websocket::request_type& request) {
          request.set(http::field::authorization, "Bearer " + token);
        }));
    ws_.async_handshake(
        response_, "127.0.0.1", "/v1/stream", [self = shared_from_this()](beast::error_code ec) {
          if (ec) {
            return self->finish("handshake: " + ec.message() + " (HTTP " +
                                std::to_string(self->response_.result_int()) + ")");
          }
          ++self->shared_.connected;
          self->ws_.text(true);
          self->ws_.async_write(net::buffer(self->shared_.subscribe),
                                [self](beast::error_code ec2, size_t) {
                                  if (ec2) {
                                    return self->finish("subscribe: " + ec2.message());
                                  }
                                  self->read();
                                });
        });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->on_message(ec);
    });
  }

  void on_message(beast::error_code ec) {
    const auto now = Clock::now();
    if (ec) {
      if (shared_.closing.load()) return finish("");
      const auto& reason = ws_.reason().reason;
      return finish("read: " + ec.message() +
                    " (close reason: " + std::string(reason.data(), reason.size()) + ")");
    }
    const auto data = buffer_.data();
    const std::string_view text(static_cast<const char*>(data.data()), data.size());
    // The hub writes {"type":"events","seq":S,"events":[{"seq":S1,...},{"seq":S2,...}]}: the
    // entries' positions are found by a scan, not a JSON parse, on the hot path (the bench's
    // events carry no member named "seq" of their own).
    constexpr std::string_view kEventsPrefix = R"({"type":"events","seq":)";
    if (text.starts_with(kEventsPrefix)) {
      constexpr std::string_view kEntry = R"({"seq":)";
      for (auto at = text.find(kEntry, kEventsPrefix.size()); at != std::string_view::npos;
           at = text.find(kEntry, at + kEntry.size())) {
        const auto digits = text.substr(at + kEntry.size(), 20);
        const std::int64_t seq = std::strtoll(std::string(digits).c_str(), nullptr, 10);
        if (seq > shared_.ignore_through) {
          receipts_.push_back({seq, now});
          shared_.delivered.fetch_add(1, std::memory_order_relaxed);
        }
      }
    } else {
      auto message = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      const auto type = message.is_object() ? message.value("type", "") : "";
      if (type == "subscribed") {
        ++shared_.subscribed;
      } else if (type != "pong") {
        shared_.report("subscriber " + std::to_string(index_) +
                       ": unexpected message: " + std::string(text.substr(0, 400)));
      }
    }
    buffer_.consume(buffer_.size());
    read();
  }

  void finish(const std::string& error) {
    if (ended_) return;
    ended_ = true;
    if (!error.empty()) shared_.report("subscriber " + std::to_string(index_) + ": " + error);
    --shared_.live;
  }

  websocket::stream<beast::tcp_stream> ws_;
  FanoutShared& shared_;
  size_t index_;
  beast::flat_buffer buffer_;
  websocket::response_type response_;
  std::vector<Receipt> receipts_;
  bool ended_ = false;
};

struct FanoutResult {
  int clients = 0;
  int transitions = 0;
  std::uint64_t entries = 0;  // journal entries of the transitions
  double connect_seconds = 0;
  std::vector<double> from_send_us;      // every (entry, subscriber): receipt - just before POST
  std::vector<double> from_response_us;  // the same, from the POST's response arrival
  std::vector<double> first_entry_us;    // each transition's first entry, from just before POST
  std::vector<double> completion_us;     // per transition: its last entry at its last subscriber
  std::vector<double> post_us;           // the POST's own latency
};

// `case_id` must be in state confirming; `ignore_through` is its last journal sequence.
FanoutResult run_fanout(std::uint16_t port, const std::string& token, const std::string& case_id,
                        std::int64_t ignore_through, int clients, int events, int threads) {
  FanoutShared shared;
  shared.port = port;
  shared.token = token;
  shared.subscribe = nlohmann::json{{"type", "subscribe"}, {"topics", {"case:" + case_id}}}.dump();
  shared.ignore_through = ignore_through;
  net::io_context ioc(threads);
  auto guard = net::make_work_guard(ioc);
  std::vector<std::shared_ptr<Subscriber>> subscribers;
  for (int c = 0; c < clients; ++c) {
    subscribers.push_back(std::make_shared<Subscriber>(ioc, shared, static_cast<size_t>(c)));
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&ioc] { ioc.run(); });
  auto stop_pool = [&] {
    guard.reset();
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (shared.live.load() > 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ioc.stop();
    for (auto& t : pool) t.join();
  };
  auto abort = [&](const std::string& what) {
    shared.closing = true;
    for (auto& s : subscribers) s->close();
    stop_pool();
    fail(what);
  };

  FanoutResult r;
  r.clients = clients;
  r.transitions = events;
  // Connect in waves of 100, so that the listen backlog is never the question.
  const auto connect_start = Clock::now();
  for (int c = 0; c < clients;) {
    const int wave = std::min(clients, c + 100);
    for (; c < wave; ++c) subscribers[static_cast<size_t>(c)]->start();
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (shared.subscribed.load() < wave && !shared.failed && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (shared.failed) abort(shared.failure);
    if (shared.subscribed.load() < wave) {
      abort("only " + std::to_string(shared.subscribed.load()) + " of " + std::to_string(wave) +
            " WebSocket clients subscribed within 60 s");
    }
  }
  r.connect_seconds = seconds_since(connect_start);

  struct Fired {
    Clock::time_point sent, answered;
    std::int64_t first_seq = 0, last_seq = 0;
  };
  std::vector<Fired> fired;
  std::unordered_map<std::int64_t, size_t> transition_of;  // seq -> index into `fired`
  BlockingClient http_client(port);
  std::uint64_t expected = 0;
  for (int k = 0; k < events; ++k) {
    const bool ask = k % 2 == 0;  // the case starts in confirming
    nlohmann::json body{{"transition", ask ? "request_customer_info" : "customer_provided_info"},
                        {"data", nlohmann::json::object()}};
    if (ask) body["data"]["waiting_reason"] = "please send a photo of the damaged seam";
    Fired f;
    f.sent = Clock::now();
    const auto reply = http_client.post("/v1/cases/" + case_id + "/transitions", body, token);
    f.answered = Clock::now();
    if (reply.status != 200) {
      abort("fan-out transition " + std::to_string(k) + " -> " + std::to_string(reply.status) +
            " " + reply.body.substr(0, 400));
    }
    const auto entries = reply.json().at("events");
    if (entries.empty()) abort("a transition wrote no journal entry");
    for (const auto& e : entries) {
      const auto seq = e.at("seq").get<std::int64_t>();
      transition_of[seq] = fired.size();
      if (f.first_seq == 0 || seq < f.first_seq) f.first_seq = seq;
      f.last_seq = std::max(f.last_seq, seq);
    }
    r.entries += entries.size();
    fired.push_back(f);
    r.post_us.push_back(micros(f.answered - f.sent));
    expected += entries.size() * static_cast<std::uint64_t>(clients);
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (shared.delivered.load() < expected && !shared.failed && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (shared.failed) abort(shared.failure);
    if (shared.delivered.load() < expected) {
      abort("transition " + std::to_string(k) + ": " + std::to_string(shared.delivered.load()) +
            " of " + std::to_string(expected) + " event deliveries within 30 s");
    }
  }
  // Anything more would be an entry nobody asked for (or a duplicate).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  shared.closing = true;
  for (auto& s : subscribers) s->close();
  stop_pool();
  if (shared.failed) fail(shared.failure);

  std::vector<double> completion(fired.size(), 0);
  for (size_t c = 0; c < subscribers.size(); ++c) {
    const auto& receipts = subscribers[c]->receipts();
    if (receipts.size() != r.entries) {
      fail("subscriber " + std::to_string(c) + " received " + std::to_string(receipts.size()) +
           " journal entries, expected " + std::to_string(r.entries));
    }
    std::int64_t previous = 0;
    for (const auto& receipt : receipts) {
      const auto it = transition_of.find(receipt.seq);
      if (it == transition_of.end()) {
        fail("subscriber " + std::to_string(c) + " received entry " + std::to_string(receipt.seq) +
             ", which no fired transition wrote");
      }
      if (receipt.seq <= previous)
        fail("subscriber " + std::to_string(c) + ": entries out of order");
      previous = receipt.seq;
      const auto& f = fired[it->second];
      const double from_send = micros(receipt.at - f.sent);
      r.from_send_us.push_back(from_send);
      r.from_response_us.push_back(micros(receipt.at - f.answered));
      if (receipt.seq == f.first_seq) r.first_entry_us.push_back(from_send);
      if (receipt.seq == f.last_seq) {
        completion[it->second] = std::max(completion[it->second], from_send);
      }
    }
  }
  r.completion_us = std::move(completion);
  return r;
}

// --- the report --------------------------------------------------------------------------------

struct Row {
  std::string figure;
  std::string value;
  std::string target;
  std::string verdict;  // PASS, MISS or empty (no target)
};

void print_table(const std::vector<Row>& rows) {
  size_t w0 = 6, w1 = 5, w2 = 6;
  for (const auto& r : rows) {
    w0 = std::max(w0, r.figure.size());
    w1 = std::max(w1, r.value.size());
    w2 = std::max(w2, r.target.size());
  }
  auto line = [&](const std::string& a, const std::string& b, const std::string& c,
                  const std::string& d) {
    std::cout << "  " << a << std::string(w0 - a.size() + 2, ' ') << std::string(w1 - b.size(), ' ')
              << b << "  " << c << std::string(w2 - c.size() + 2, ' ') << d << "\n";
  };
  line("figure", "value", "target", "result");
  line(std::string(w0, '-'), std::string(w1, '-'), std::string(w2, '-'), "------");
  for (const auto& r : rows) line(r.figure, r.value, r.target, r.verdict);
}

void print_load(const LoadResult& r, const std::string& ratio) {
  std::cout << "    " << with_commas(static_cast<double>(r.requests)) << " requests in "
            << fixed(r.seconds, 2) << " s = " << with_commas(r.rps()) << " requests/s" << ratio
            << "; latency p50 " << fixed(r.p50_ms(), 2) << " ms, p99 " << fixed(r.p99_ms(), 2)
            << " ms, max " << fixed(r.max_ms(), 2) << " ms; " << with_commas(r.mean_bytes())
            << " body bytes per response\n"
            << std::flush;
}

nlohmann::json complaint_body(int n) {
  return {{"workflow_id", "complaint"},
          {"severity", n % 10 == 0 ? "high" : "normal"},
          {"customer",
           {{"id", "bench-cust-" + std::to_string(n % 5000)},
            {"segment", "regular"},
            {"tier", "gold"}}},
          {"order",
           {{"id", "TB-B" + std::to_string(100000 + n)},
            {"paid", {{"amount", 29900 + n % 1000}, {"currency", "CNY"}}}}},
          {"team", kTeam},
          {"assignee", kAgent},
          {"fields",
           {{"summary", "cuff seam split after one wash (bench case " + std::to_string(n) + ")"},
            {"category", "quality"}}}};
}

// A complaint naming stored records (customer_id, order_id): the server reads the customer's
// segment and level and the order's amounts from them instead of taking them inline.
nlohmann::json complaint_by_reference_body(int n) {
  return {{"workflow_id", "complaint"},
          {"severity", "normal"},
          {"customer_id", "bench-ref-cust-" + std::to_string(n % 5000)},
          {"order_id", "TB-R" + std::to_string(100000 + n)},
          {"team", kTeam},
          {"assignee", kAgent},
          {"fields",
           {{"summary",
             "cuff seam split after one wash (bench case by reference " + std::to_string(n) + ")"},
            {"category", "quality"}}}};
}

std::string case_id_of(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("case") || !j["case"].contains("id")) {
    fail("POST /v1/cases answered without a case id: " + body.substr(0, 400));
  }
  return j["case"]["id"].get<std::string>();
}

}  // namespace

int main(int argc, char** argv) {
  const auto parsed = parse_options(argc, argv);
  if (!parsed) return 1;
  const Options options = *parsed;
  const auto program_start = Clock::now();
  const std::string load_at_start = load_average();

  const auto files = raise_file_limit();
  // Both ends of every connection live in this process.
  const auto needed = static_cast<rlim_t>(2 * options.ws_clients + 2 * options.connections + 200);

  const std::filesystem::path dir = std::filesystem::absolute(options.dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("cannot create " + dir.string() + ": " + ec.message());
  const auto db_path = (dir / "redress.db").string();
  remove_database_files(db_path);

  std::cout << "redress_http_bench" << (options.quick ? " --quick" : "") << "\n"
            << "  machine: " << std::thread::hardware_concurrency() << " hardware threads, SQLite "
            << sqlite3_libversion() << ", "
#ifdef NDEBUG
            << "optimised build (NDEBUG)"
#else
            << "ASSERTIONS ON: not a Release build, figures are not representative"
#endif
            << "\n  load average at start: " << load_at_start << "\n"
            << "  open files: soft limit " << files.now << " (was " << files.before << "), hard "
            << files.hard << "; this run needs about " << needed << "\n"
            << "  server: in-process ApiServer on 127.0.0.1, " << options.server_threads
            << " I/O threads, fresh database " << db_path
            << " (synchronous=FULL), rate limits off, no access log\n"
            << "  client: " << options.connections << " keep-alive connections, closed loop, "
            << options.client_threads << " client threads; " << fixed(options.warmup, 1)
            << " s warm-up then " << fixed(options.seconds, 1)
            << " s measured per scenario; client and server share the machine's cores\n\n"
            << std::flush;
  if (files.now < needed) {
    fail("the open-files limit (" + std::to_string(files.now) + ") is below the " +
         std::to_string(needed) +
         " descriptors this run needs: raise it (ulimit -n) or pass a "
         "smaller --ws-clients");
  }

  // The server -----------------------------------------------------------------------------------
  redress::api::ServerConfig config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.threads = options.server_threads;
  config.db_path = db_path;
  config.workflows_dir = options.workflows;
  config.access_log = false;
  config.rate_limit_per_second = 0;
  config.shutdown_grace = std::chrono::seconds(5);
  redress::SystemClock clock;
  std::ostringstream server_out;
  auto created = redress::api::ApiServer::create(config, clock, server_out);
  if (!created.ok()) fail("the server does not start: " + created.error().message);
  auto server = std::move(created).value();
  std::string admin_token;
  {
    const auto printed = server_out.str();
    const auto at = printed.find("rdr_");
    if (at == std::string::npos) fail("the server printed no admin token on its first start");
    const auto end = printed.find_first_of(" \t\r\n", at);
    admin_token = printed.substr(at, end == std::string::npos ? std::string::npos : end - at);
  }
  if (auto started = server->start(); !started.ok()) {
    fail("the server does not listen: " + started.error().message);
  }
  const std::uint16_t port = server->port();

  // An agent of after_sales and its token, through the API.
  std::string token;
  {
    BlockingClient admin(port);
    auto team = admin.post("/v1/teams", {{"id", kTeam}, {"name", "After-sales"}}, admin_token);
    if (team.status != 201 && team.status != 409) fail("POST /v1/teams -> " + team.body);
    auto user = admin.post(
        "/v1/users",
        {{"id", kAgent}, {"display_name", "Bench Agent"}, {"role", "agent"}, {"team_id", kTeam}},
        admin_token);
    if (user.status != 201) fail("POST /v1/users -> " + user.body);
    auto issued = admin.post("/v1/tokens", {{"user_id", kAgent}, {"label", "bench"}}, admin_token);
    if (issued.status != 201) fail("POST /v1/tokens -> " + issued.body);
    token = issued.json().at("token").get<std::string>();
  }

  // Seeding: --cases for the reads, one per connection for the transitions, one for the fan-out,
  // one per connection for the keyed transitions.
  const int seeded_total = options.cases + 2 * options.connections + 1;
  std::vector<std::string> read_ids, write_ids, keyed_ids;
  std::string fanout_case;
  std::int64_t fanout_seq = 0;
  {
    std::mutex ids_mutex;
    std::vector<std::string> ids;
    LoadPlan plan;
    plan.connections = options.connections;
    plan.threads = options.client_threads;
    plan.total = static_cast<std::uint64_t>(seeded_total);
    std::atomic<int> counter{0};
    const auto seeding = run_load(
        port, token, plan,
        [&](size_t, std::uint64_t) {
          return RequestSpec{http::verb::post, "/v1/cases", complaint_body(counter++).dump()};
        },
        [&](const std::string& body) {
          auto id = case_id_of(body);
          std::lock_guard lock(ids_mutex);
          ids.push_back(std::move(id));
        });
    if (ids.size() != static_cast<size_t>(seeded_total)) fail("seeding lost cases");
    std::cout << "[setup] opened " << seeded_total << " complaints through POST /v1/cases ("
              << options.connections << " connections): " << fixed(seeding.seconds, 2)
              << " s = " << with_commas(static_cast<double>(seeding.requests) / seeding.seconds)
              << " cases/s; latency p50 " << fixed(seeding.p50_ms(), 2) << " ms, p99 "
              << fixed(seeding.p99_ms(), 2) << " ms\n\n"
              << std::flush;
    // The same creations naming stored records: the records first (customers through the API
    // as an agent would, orders as the order system would), then the complaints.
    const int by_reference = seeded_total;
    LoadPlan records = plan;
    records.total = static_cast<std::uint64_t>(std::min(by_reference, 5000));
    std::atomic<int> next_customer{0};
    run_load(port, admin_token, records, [&](size_t, std::uint64_t) {
      const int n = next_customer++;
      return RequestSpec{http::verb::post, "/v1/customers",
                         nlohmann::json{{"id", "bench-ref-cust-" + std::to_string(n)},
                                        {"name", "Bench customer " + std::to_string(n)},
                                        {"level", "gold"}}
                             .dump()};
    });
    records.total = static_cast<std::uint64_t>(by_reference);
    std::atomic<int> next_order{0};
    run_load(port, admin_token, records, [&](size_t, std::uint64_t) {
      const int n = next_order++;
      return RequestSpec{
          http::verb::put, "/v1/orders/TB-R" + std::to_string(100000 + n),
          nlohmann::json{{"customer_id", "bench-ref-cust-" + std::to_string(n % 5000)},
                         {"paid", {{"amount", 29900 + n % 1000}, {"currency", "CNY"}}}}
              .dump()};
    });
    std::atomic<int> next_reference{0};
    records.total = static_cast<std::uint64_t>(by_reference);
    const auto referenced = run_load(
        port, token, records,
        [&](size_t, std::uint64_t) {
          return RequestSpec{http::verb::post, "/v1/cases",
                             complaint_by_reference_body(next_reference++).dump()};
        },
        [&](const std::string& body) { case_id_of(body); });
    const double inline_rate = static_cast<double>(seeding.requests) / seeding.seconds;
    const double reference_rate = static_cast<double>(referenced.requests) / referenced.seconds;
    std::cout << "[setup] opened " << by_reference
              << " complaints naming stored records (customer_id, order_id): "
              << with_commas(reference_rate)
              << " cases/s = " << fixed(reference_rate / inline_rate, 2)
              << " x the inline creations above; latency p50 " << fixed(referenced.p50_ms(), 2)
              << " ms, p99 " << fixed(referenced.p99_ms(), 2) << " ms\n\n"
              << std::flush;

    read_ids = ids;  // every case, for GET
    write_ids.assign(ids.begin(), ids.begin() + options.connections);
    fanout_case = ids[static_cast<size_t>(options.connections)];
    keyed_ids.assign(ids.begin() + options.connections + 1,
                     ids.begin() + 2 * options.connections + 1);
    BlockingClient client(port);
    auto events = client.request(http::verb::get,
                                 "/v1/cases/" + fanout_case + "/events?page_size=1000", "", token);
    if (events.status != 200) fail("GET the fan-out case's journal -> " + events.body);
    const auto journal = events.json();
    for (const auto& e : journal.at("events")) {
      fanout_seq = std::max(fanout_seq, e.at("seq").get<std::int64_t>());
    }
    if (fanout_seq == 0) fail("the fan-out case has no journal");
  }

  LoadPlan plan;
  plan.connections = options.connections;
  plan.threads = options.client_threads;
  plan.warmup = options.warmup;
  plan.seconds = options.seconds;

  // 1.
  // ---------------------------------------------------------------------------------------------
  std::cout << "[1] GET /healthz (the HTTP ceiling: no token, no database), " << options.connections
            << " connections\n"
            << std::flush;
  const auto health = run_load(port, "", plan, [](size_t, std::uint64_t) {
    return RequestSpec{http::verb::get, "/healthz", ""};
  });
  print_load(health, "");
  auto ratio_to = [](const LoadResult& r, double ceiling, const char* name) {
    return " = " + fixed(r.rps() / ceiling, 2) + "x " + name;
  };

  // 2.
  // ---------------------------------------------------------------------------------------------
  std::cout << "[2] GET /v1/cases/{id}, a random one of " << read_ids.size() << " cases, "
            << options.connections << " connections\n"
            << std::flush;
  const auto get_case = run_load(port, token, plan, [&](size_t conn, std::uint64_t n) {
    const auto pick = mix((static_cast<std::uint64_t>(conn) << 40) ^ n) % read_ids.size();
    return RequestSpec{http::verb::get, "/v1/cases/" + read_ids[pick], ""};
  });
  print_load(get_case, ratio_to(get_case, health.rps(), "healthz"));

  // 3.
  // ---------------------------------------------------------------------------------------------
  std::cout << "[3] GET /v1/cases?team=" << kTeam << "&page_size=50 (the team queue, "
            << read_ids.size() << " open cases in the team), " << options.connections
            << " connections\n"
            << std::flush;
  const std::string queue_target = std::string("/v1/cases?team=") + kTeam + "&page_size=50";
  const auto queue = run_load(port, token, plan, [&](size_t, std::uint64_t) {
    return RequestSpec{http::verb::get, queue_target, ""};
  });
  print_load(queue, ratio_to(queue, health.rps(), "healthz"));

  // 4.
  // ---------------------------------------------------------------------------------------------
  std::cout << "[4] raw SQLite durable commits (the disk's ceiling: WAL, synchronous=FULL, one "
               "prepared INSERT of one small row per transaction, fresh file in "
            << dir.string() << "; the server idle)\n"
            << std::flush;
  const auto raw = raw_commit_rate((dir / "raw-commit-bench.db").string(), options.seconds);
  std::cout << "    " << with_commas(static_cast<double>(raw.commits)) << " commits in "
            << fixed(raw.seconds, 2) << " s = " << with_commas(raw.rate()) << " commits/s ("
            << fixed(1e3 / raw.rate(), 3) << " ms each)\n"
            << std::flush;

  // 5.
  // ---------------------------------------------------------------------------------------------
  std::cout << "[5] POST /v1/cases/{id}/transitions, one case per connection, "
               "request_customer_info / customer_provided_info alternating, "
            << options.connections << " connections\n"
            << std::flush;
  const auto ask_body =
      nlohmann::json{{"transition", "request_customer_info"},
                     {"data", {{"waiting_reason", "please send a photo of the damaged seam"}}}}
          .dump();
  const auto answer_body =
      nlohmann::json{{"transition", "customer_provided_info"}, {"data", nlohmann::json::object()}}
          .dump();
  const auto transitions = run_load(port, token, plan, [&](size_t conn, std::uint64_t n) {
    // Every case starts in confirming, and every answer must be 2xx, so n's parity is the state.
    return RequestSpec{http::verb::post, "/v1/cases/" + write_ids[conn] + "/transitions",
                       n % 2 == 0 ? ask_body : answer_body};
  });
  print_load(transitions, ratio_to(transitions, raw.rate(), "raw commits"));

  // 5b.
  // ---------------------------------------------------------------------------------------------
  std::cout << "[5b] the same with a fresh Idempotency-Key on every request (the key is looked "
               "up, the command run and its rendered answer stored in one write), "
            << options.connections << " connections, cases of their own\n"
            << std::flush;
  const auto keyed = run_load(port, token, plan, [&](size_t conn, std::uint64_t n) {
    return RequestSpec{http::verb::post, "/v1/cases/" + keyed_ids[conn] + "/transitions",
                       n % 2 == 0 ? ask_body : answer_body,
                       "bench-" + std::to_string(conn) + "-" + std::to_string(n)};
  });
  print_load(keyed, " = " + fixed(keyed.rps() / transitions.rps(), 2) + "x unkeyed transitions");

  // 6.
  // ---------------------------------------------------------------------------------------------
  std::cout << "[6] WebSocket fan-out: " << options.ws_clients
            << " clients on /v1/stream subscribed to case:" << fanout_case << ", " << options.events
            << " transitions fired one at a time (each once every subscriber has the previous "
               "one's entries); latency from just before the POST is written to each "
               "subscriber's receipt of each journal entry\n"
            << std::flush;
  const auto fanout = run_fanout(port, token, fanout_case, fanout_seq, options.ws_clients,
                                 options.events, options.client_threads);
  const auto ms = [](const std::vector<double>& us, double p) {
    return fixed(percentile(us, p) / 1e3, 2);
  };
  std::cout
      << "    " << fanout.clients << " clients connected and subscribed in "
      << fixed(fanout.connect_seconds, 2) << " s; " << fanout.entries << " journal entries from "
      << fanout.transitions << " transitions ("
      << fixed(static_cast<double>(fanout.entries) / fanout.transitions, 1)
      << " per transition) = " << with_commas(static_cast<double>(fanout.from_send_us.size()))
      << " deliveries\n"
      << "    every (entry, subscriber), from just before the POST: p50 "
      << ms(fanout.from_send_us, 50) << " ms, p99 " << ms(fanout.from_send_us, 99) << " ms, max "
      << ms(fanout.from_send_us, 100) << " ms\n"
      << "    the same, from the POST's response arrival: p50 " << ms(fanout.from_response_us, 50)
      << " ms, p99 " << ms(fanout.from_response_us, 99)
      << " ms (negative: the subscriber had it before the HTTP answer arrived)\n"
      << "    each transition's first entry (case.transitioned), from just before the POST: "
         "p50 "
      << ms(fanout.first_entry_us, 50) << " ms, p99 " << ms(fanout.first_entry_us, 99) << " ms\n"
      << "    whole fan-out (the last entry at the last subscriber), per transition: p50 "
      << ms(fanout.completion_us, 50) << " ms, p99 " << ms(fanout.completion_us, 99) << " ms\n"
      << "    the POST itself (one at a time; the server fans out its entries meanwhile): p50 "
      << ms(fanout.post_us, 50) << " ms, p99 " << ms(fanout.post_us, 99) << " ms\n\n"
      << std::flush;

  server->stop();
  server.reset();
  const std::string load_at_end = load_average();

  // Summary ----------------------------------------------------------------------------------
  auto verdict = [](bool pass) { return std::string(pass ? "PASS" : "MISS"); };
  const double get_ratio = get_case.rps() / health.rps();
  const double queue_ratio = queue.rps() / health.rps();
  const double write_ratio = transitions.rps() / raw.rate();
  const double fanout_p99 = percentile(fanout.from_send_us, 99) / 1e3;
  const std::string at = " @" + std::to_string(options.connections);
  std::vector<Row> rows;
  rows.push_back(
      {"GET /healthz requests/s (HTTP ceiling)" + at, with_commas(health.rps()), "-", ""});
  rows.push_back({"GET /healthz p50 / p99 ms",
                  fixed(health.p50_ms(), 2) + " / " + fixed(health.p99_ms(), 2), "-", ""});
  rows.push_back({"GET a case requests/s (x healthz)" + at,
                  with_commas(get_case.rps()) + " (" + fixed(get_ratio, 2) + "x)",
                  ">= 0.50x healthz", verdict(get_ratio >= 0.5)});
  rows.push_back({"GET a case p50 / p99 ms",
                  fixed(get_case.p50_ms(), 2) + " / " + fixed(get_case.p99_ms(), 2), "p99 < 20 ms",
                  verdict(get_case.p99_ms() < 20.0)});
  rows.push_back({"team queue requests/s (x healthz)" + at,
                  with_commas(queue.rps()) + " (" + fixed(queue_ratio, 2) + "x)", "-", ""});
  rows.push_back({"team queue p50 / p99 ms",
                  fixed(queue.p50_ms(), 2) + " / " + fixed(queue.p99_ms(), 2), "p99 < 20 ms",
                  verdict(queue.p99_ms() < 20.0)});
  rows.push_back({"raw SQLite durable commits/s (disk ceiling)", with_commas(raw.rate()), "-", ""});
  rows.push_back({"transitions/s (x raw commits)" + at,
                  with_commas(transitions.rps()) + " (" + fixed(write_ratio, 2) + "x)",
                  ">= 5.00x raw", verdict(write_ratio >= 5.0)});
  rows.push_back({"transition p50 / p99 ms",
                  fixed(transitions.p50_ms(), 2) + " / " + fixed(transitions.p99_ms(), 2),
                  "p99 < 20 ms", verdict(transitions.p99_ms() < 20.0)});
  rows.push_back(
      {"keyed transitions/s (x unkeyed)" + at,
       with_commas(keyed.rps()) + " (" + fixed(keyed.rps() / transitions.rps(), 2) + "x)", "-",
       ""});
  rows.push_back({"keyed transition p50 / p99 ms",
                  fixed(keyed.p50_ms(), 2) + " / " + fixed(keyed.p99_ms(), 2), "p99 < 20 ms",
                  verdict(keyed.p99_ms() < 20.0)});
  rows.push_back({"WebSocket fan-out to " + std::to_string(fanout.clients) + ", p50 / p99 ms",
                  ms(fanout.from_send_us, 50) + " / " + ms(fanout.from_send_us, 99), "p99 < 50 ms",
                  verdict(fanout_p99 < 50.0)});
  std::cout << "Summary (" << fixed(seconds_since(program_start), 0)
            << " s in all; load average at start " << load_at_start << ", at end " << load_at_end
            << ")\n";
  print_table(rows);
  return 0;
}
