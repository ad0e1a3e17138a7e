// redress_import_bench: how fast bulk imports run through the real server, how much memory they
// take, and what they cost an agent's transition meanwhile, beside the machine's ceilings
// measured in the same run.
//
// The real ApiServer runs in this process (fresh database in --dir, synchronous=FULL, port 0,
// SystemClock, rate limits off, no access log). The run:
//   1. the ceilings: raw SQLite single-row durable commits per second (WAL, synchronous=FULL, as
//      redress_storage_bench part 1) and GET /healthz over one keep-alive connection;
//   2. --lines customers and --lines orders are generated as JSON Lines files in --dir (orders
//      spread over the customers, every 50th customer with a level);
//   3. a transition's latency idle: one agent fires request_customer_info /
//      customer_provided_info alternately on one case for --seconds, one request at a time;
//   4. each file is streamed to POST /v1/imports/{customers,orders} (Content-Length, 256 KiB
//      writes; never read whole) and its job followed until done, while the same agent keeps
//      firing transitions: lines per second (upload start to job done), the process's peak RSS
//      (VmHWM, reset before each import; the client's share is a 256 KiB buffer), and the
//      transitions' p50/p99 during the import as a ratio to idle;
//   5. the SQL an order line runs in the writer, alone (no parsing, no server, no
//      reassessment), on the same database after the imports: the ceiling of the line phase;
//   6. a summary with each figure beside its ceiling and its target.
// Exit status: 0 when the benchmark ran (targets missed or not), 1 on a usage error, 2 when it
// failed (a non-2xx answer, a rejected line, a connection error).
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
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
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr const char* kTeam = "after_sales";
constexpr const char* kAgent = "agent.bench";

struct Options {
  std::string dir = "bench-data/import-bench";
  std::int64_t lines = 1000000;
  double seconds = 3.0;  // idle transitions, and each ceiling
  size_t batch = 1000;
  std::string workflows = std::string(REDRESS_SOURCE_DIR) + "/workflows";
};

[[noreturn]] void fail(const std::string& what) {
  std::cout << std::flush;
  std::cerr << "redress_import_bench: FAILED: " << what << "\n";
  std::exit(2);
}

void usage(std::ostream& out) {
  out << "usage: redress_import_bench [--quick] [--lines N] [--seconds S] [--batch N] [--dir DIR]\n"
         "                            [--workflows DIR]\n"
         "  --lines N     customers and orders to import (default 1000000; --quick 20000)\n"
         "  --seconds S   idle transitions and each ceiling (default 3; --quick 0.5)\n"
         "  --batch N     the most lines per writer batch (the server's --import-batch, default\n"
         "                1000; batches are sized to hold the writer about 20 ms)\n"
         "  --dir DIR     scratch directory: database and files (default "
         "bench-data/import-bench)\n";
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The SQL an order line of an import runs in the writer (storage/import_store.cpp and
// customer_records.cpp: look-ups of the order and its customer, the job's id list, the order's
// upsert, the job's customer list), run straight on `db_path` (the bench's database after its
// imports: a million customers and orders) through one connection with prepared statements, in
// transactions of 300 lines, synchronous=FULL, for `lines` new orders of random customers. No
// parsing, no server, no reassessment: what SQLite alone needs for the lines, the ceiling of the
// import's line phase on this machine. The rows it adds are deleted afterwards.
double order_line_sql_rate(const std::string& db_path, std::int64_t customers, std::int64_t lines) {
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA synchronous = FULL; PRAGMA cache_size = -65536", nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    fail(std::string("order-line SQL: ") + sqlite3_errmsg(db));
  }
  const char* sql[] = {
      "SELECT id, customer_id, paid_amount, currency, refunded_amount, placed_at, details, status, "
      "created_at, updated_at FROM orders WHERE id = ?1",
      "SELECT coalesce(merged_into, id) FROM customers WHERE id = ?2",
      "SELECT line FROM import_job_records WHERE job_id = 'ceiling' AND record_id = ?1",
      "INSERT INTO import_job_records (job_id, record_id, line) VALUES ('ceiling', ?1, ?3)",
      "SELECT id FROM orders WHERE id = ?1",
      "SELECT coalesce(merged_into, id) FROM customers WHERE id = ?2",
      "INSERT INTO orders (id, customer_id, paid_amount, currency, refunded_amount, placed_at, "
      "details, status, created_at, updated_at) VALUES (?1, ?2, 25900, 'CNY', 0, ?3, "
      "'{\"items\":[{\"sku\":\"SKU-1\",\"quantity\":1}]}', 'paid', ?3, ?3) ON CONFLICT (id) DO "
      "UPDATE SET customer_id = excluded.customer_id",
      "INSERT OR IGNORE INTO import_job_customers (job_id, customer_rowid) SELECT 'ceiling', rowid "
      "FROM customers WHERE id = ?2"};
  std::vector<sqlite3_stmt*> statements;
  for (const char* text : sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, text, -1, &statement, nullptr) != SQLITE_OK) {
      fail(std::string("order-line SQL: ") + sqlite3_errmsg(db));
    }
    statements.push_back(statement);
  }
  std::uint64_t seed = 88172645463325252ULL;  // xorshift: the same customers every run
  const auto start = Clock::now();
  for (std::int64_t line = 0; line < lines;) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (int i = 0; i < 300 && line < lines; ++i, ++line) {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      const std::string order = "CEIL-" + std::to_string(line);
      const std::string customer =
          "C" + std::to_string(1 + seed % static_cast<std::uint64_t>(customers));
      for (auto* statement : statements) {
        sqlite3_bind_text(statement, 1, order.data(), static_cast<int>(order.size()),
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 2, customer.data(), static_cast<int>(customer.size()),
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(statement, 3, line);
        while (sqlite3_step(statement) == SQLITE_ROW) {
        }
        sqlite3_reset(statement);
      }
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      fail(std::string("order-line SQL COMMIT: ") + sqlite3_errmsg(db));
    }
  }
  const double rate = static_cast<double>(lines) / seconds_since(start);
  for (auto* statement : statements) sqlite3_finalize(statement);
  sqlite3_exec(db,
               "DELETE FROM orders WHERE id LIKE 'CEIL-%'; "
               "DELETE FROM import_job_records WHERE job_id = 'ceiling'; "
               "DELETE FROM import_job_customers WHERE job_id = 'ceiling'",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rate;
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

std::int64_t peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      std::int64_t kib = 0;
      status >> kib;
      return kib / 1024;
    }
    status.ignore(4096, '\n');
  }
  return -1;
}

void reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

void remove_database_files(const std::string& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix, ignored);
  }
}

// --- the disk's ceiling (redress_storage_bench part 1) ------------------------------------------

double raw_commit_rate(const std::string& path, double seconds) {
  remove_database_files(path);
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK ||
      sqlite3_exec(db,
                   "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                   "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
                   nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(std::string("raw SQLite: ") + sqlite3_errmsg(db));
  }
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* insert = nullptr;
  sqlite3_stmt* commit = nullptr;
  sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?)", -1, &insert, nullptr);
  sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr);
  std::uint64_t commits = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    const std::string row = "row-" + std::to_string(commits);
    sqlite3_step(begin);
    sqlite3_reset(begin);
    sqlite3_bind_text(insert, 1, row.data(), static_cast<int>(row.size()), SQLITE_TRANSIENT);
    sqlite3_step(insert);
    sqlite3_reset(insert);
    if (sqlite3_step(commit) != SQLITE_DONE) fail(std::string("raw COMMIT: ") + sqlite3_errmsg(db));
    sqlite3_reset(commit);
    ++commits;
  }
  const double rate = static_cast<double>(commits) / seconds_since(start);
  sqlite3_finalize(begin);
  sqlite3_finalize(insert);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  remove_database_files(path);
  return rate;
}

// --- HTTP ------------------------------------------------------------------------------------

struct Reply {
  int status = 0;
  std::string body;
  nlohmann::json json() const {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) fail("an answer is not JSON: " + body.substr(0, 300));
    return j;
  }
};

class BlockingClient {
 public:
  explicit BlockingClient(std::uint16_t port) : stream_(ioc_) {
    beast::error_code ec;
    stream_.socket().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    if (ec) fail("connecting: " + ec.message());
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
    if (ec) fail(target + ": write: " + ec.message());
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res, ec);
    if (ec) fail(target + ": read: " + ec.message());
    return {static_cast<int>(res.result_int()), std::move(res.body())};
  }
  Reply post(const std::string& target, const nlohmann::json& body, const std::string& token) {
    return request(http::verb::post, target, body.dump(), token);
  }
  Reply get(const std::string& target, const std::string& token) {
    return request(http::verb::get, target, "", token);
  }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

double healthz_rate(std::uint16_t port, double seconds) {
  BlockingClient client(port);
  std::uint64_t n = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    if (client.get("/healthz", "").status != 200) fail("GET /healthz");
    ++n;
  }
  return static_cast<double>(n) / seconds_since(start);
}

// Streams `path` to POST `target`; answers the job.
nlohmann::json upload(std::uint16_t port, const std::string& target, const std::string& path,
                      const std::string& token) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  const auto size = std::filesystem::file_size(path);
  const std::string head =
      "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + "Bearer " + token +
      "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + std::to_string(size) +
      "\r\n\r\n";
  net::write(socket, net::buffer(head));
  std::ifstream file(path, std::ios::binary);
  std::vector<char> chunk(256 * 1024);
  while (file) {
    file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (file.gcount() > 0) net::write(socket, net::buffer(chunk.data(), file.gcount()));
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  if (response.result_int() != 202) fail(target + " -> " + response.body());
  return nlohmann::json::parse(response.body());
}

// Fires transitions on `case_id` one at a time until `stop`; answers each one's latency (ms).
std::vector<double> fire_transitions(std::uint16_t port, const std::string& token,
                                     const std::string& case_id, std::int64_t& fired,
                                     const std::function<bool()>& stop) {
  BlockingClient client(port);
  std::vector<double> latencies;
  const auto ask = nlohmann::json{{"transition", "request_customer_info"},
                                  {"data", {{"waiting_reason", "please send a photo"}}}}
                       .dump();
  const auto answer =
      nlohmann::json{{"transition", "customer_provided_info"}, {"data", nlohmann::json::object()}}
          .dump();
  while (!stop()) {
    const auto sent = Clock::now();
    const auto reply = client.request(http::verb::post, "/v1/cases/" + case_id + "/transitions",
                                      fired % 2 == 0 ? ask : answer, token);
    if (reply.status != 200) fail("a transition -> " + reply.body.substr(0, 300));
    latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    ++fired;
  }
  return latencies;
}

void generate(const Options& o, const std::string& customers, const std::string& orders) {
  static const char* kLevels[] = {"regular", "silver", "gold", "platinum"};
  std::ofstream c(customers, std::ios::binary);
  std::ofstream r(orders, std::ios::binary);
  std::string line;
  for (std::int64_t i = 1; i <= o.lines; ++i) {
    nlohmann::json customer{{"id", "C" + std::to_string(i)},
                            {"name", "客户" + std::to_string(i)},
                            {"contacts", {{"phone", "+86138" + std::to_string(10000000 + i)}}},
                            {"tags", {"imported"}}};
    if (i % 50 == 0) customer["level"] = kLevels[(i / 50) % 4];
    c << customer.dump() << '\n';
    const std::int64_t owner = 1 + (i * 7919) % o.lines;
    nlohmann::json order{
        {"id", "O" + std::to_string(i)},
        {"customer_id", "C" + std::to_string(owner)},
        {"paid", {{"amount", 1000 + (i * 37) % 90000}, {"currency", "CNY"}}},
        {"paid_at", "2026-10-0" + std::to_string(1 + i % 9) + "T08:00:00Z"},
        {"items",
         {{{"sku", "SKU-" + std::to_string(i % 500)},
           {"quantity", 1},
           {"unit_price", {{"amount", 1000 + (i * 37) % 90000}, {"currency", "CNY"}}}}}},
        {"status", "paid"}};
    r << order.dump() << '\n';
  }
  if (!c || !r) fail("writing the generated files");
}

struct ImportFigures {
  std::string kind;
  std::int64_t lines = 0;
  double seconds = 0;
  double upload_seconds = 0;
  std::int64_t peak_rss_mib = 0;
  std::vector<double> transitions;
  double rate() const { return static_cast<double>(lines) / seconds; }
};

ImportFigures run_import(std::uint16_t port, const std::string& importer, const std::string& agent,
                         const std::string& case_id, std::int64_t& fired, const std::string& kind,
                         const std::string& path, std::int64_t expected_lines) {
  ImportFigures f;
  f.kind = kind;
  reset_peak_rss();
  std::atomic<bool> done{false};
  std::vector<double> latencies;
  std::thread agent_thread([&] {
    latencies = fire_transitions(port, agent, case_id, fired, [&] { return done.load(); });
  });
  const auto start = Clock::now();
  const auto job = upload(port, "/v1/imports/" + kind, path, importer);
  f.upload_seconds = seconds_since(start);
  const auto id = job.at("id").get<std::string>();
  BlockingClient poll(port);
  nlohmann::json state;
  for (;;) {
    state = poll.get("/v1/imports/" + id, importer).json();
    if (state.at("state") == "done" || state.at("state") == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  f.seconds = seconds_since(start);
  done = true;
  agent_thread.join();
  f.transitions = std::move(latencies);
  f.peak_rss_mib = peak_rss_mib();
  if (state.at("state") != "done") fail(kind + " import failed: " + state.dump());
  const auto& counts = state.at("counts");
  if (counts.at("rejected") != 0) fail(kind + " import rejected lines: " + counts.dump());
  f.lines = counts.at("lines").get<std::int64_t>();
  if (f.lines != expected_lines) fail(kind + " import applied " + std::to_string(f.lines));
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool quick = false;
  std::optional<std::int64_t> lines;
  std::optional<double> seconds;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "redress_import_bench: " << arg << " needs a value\n";
        usage(std::cerr);
        std::exit(1);
      }
      return argv[++i];
    };
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--lines") {
      lines = std::atoll(value().c_str());
    } else if (arg == "--seconds") {
      seconds = std::atof(value().c_str());
    } else if (arg == "--batch") {
      o.batch = static_cast<size_t>(std::atoll(value().c_str()));
    } else if (arg == "--dir") {
      o.dir = value();
    } else if (arg == "--workflows") {
      o.workflows = value();
    } else if (arg == "--help" || arg == "-h") {
      usage(std::cout);
      return 0;
    } else {
      std::cerr << "redress_import_bench: unknown option " << arg << "\n";
      usage(std::cerr);
      return 1;
    }
  }
  if (quick) {
    o.lines = 20000;
    o.seconds = 0.5;
  }
  if (lines) o.lines = *lines;
  if (seconds) o.seconds = *seconds;
  if (o.lines < 1 || o.seconds <= 0 || o.batch < 1 || o.batch > 100000) {
    std::cerr << "redress_import_bench: --lines, --seconds and --batch must be positive\n";
    return 1;
  }

  const std::filesystem::path dir = std::filesystem::absolute(o.dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("cannot create " + dir.string());
  const auto db_path = (dir / "redress.db").string();
  remove_database_files(db_path);
  std::cout << "redress_import_bench\n  machine: " << std::thread::hardware_concurrency()
            << " hardware threads, SQLite " << sqlite3_libversion() << ", "
#ifdef NDEBUG
            << "optimised build (NDEBUG)"
#else
            << "ASSERTIONS ON: not a Release build, figures are not representative"
#endif
            << "\n  load average at start: " << load_average() << "\n  "
            << with_commas(static_cast<double>(o.lines)) << " customers and "
            << with_commas(static_cast<double>(o.lines))
            << " orders, batches sized to about 20 ms of the "
            << "writer (at most " << o.batch << " lines), synchronous=FULL\n\n"
            << std::flush;

  const double raw = raw_commit_rate((dir / "raw.db").string(), o.seconds);
  std::cout << "[1] raw SQLite durable commits: " << with_commas(raw) << "/s\n" << std::flush;

  const auto customers_path = (dir / "customers.jsonl").string();
  const auto orders_path = (dir / "orders.jsonl").string();
  const auto generating = Clock::now();
  generate(o, customers_path, orders_path);
  std::cout << "[2] generated " << customers_path << " ("
            << std::filesystem::file_size(customers_path) / (1024 * 1024) << " MiB) and "
            << orders_path << " (" << std::filesystem::file_size(orders_path) / (1024 * 1024)
            << " MiB) in " << fixed(seconds_since(generating), 1) << " s\n"
            << std::flush;

  redress::api::ServerConfig config;
  config.port = 0;
  config.db_path = db_path;
  config.workflows_dir = o.workflows;
  config.access_log = false;
  config.rate_limit_per_second = 0;
  config.import_batch_lines = o.batch;
  config.import_spool_dir = (dir / "spool").string();
  redress::SystemClock clock;
  std::ostringstream server_out;
  auto created = redress::api::ApiServer::create(config, clock, server_out);
  if (!created.ok()) fail("the server does not start: " + created.error().message);
  auto server = std::move(created).value();
  std::string admin;
  {
    const auto printed = server_out.str();
    const auto at = printed.find("rdr_");
    if (at == std::string::npos) fail("no admin token printed");
    admin = printed.substr(at, printed.find_first_of(" \t\r\n", at) - at);
  }
  if (auto started = server->start(); !started.ok()) fail(started.error().message);
  const auto port = server->port();

  const double health = healthz_rate(port, o.seconds);
  std::cout << "[1] GET /healthz, one connection: " << with_commas(health) << " requests/s\n"
            << std::flush;

  std::string agent;
  std::string case_id;
  {
    BlockingClient c(port);
    c.post("/v1/teams", {{"id", kTeam}, {"name", "After-sales"}}, admin);
    c.post("/v1/users",
           {{"id", kAgent}, {"display_name", "Bench"}, {"role", "agent"}, {"team_id", kTeam}},
           admin);
    auto token = c.post("/v1/tokens", {{"user_id", kAgent}, {"label", "bench"}}, admin);
    if (token.status != 201) fail("POST /v1/tokens -> " + token.body);
    agent = token.json().at("token").get<std::string>();
    auto opened =
        c.post("/v1/cases",
               {{"workflow_id", "complaint"},
                {"customer", {{"id", "bench-customer"}}},
                {"order", {{"id", "TB-BENCH"}, {"paid", {{"amount", 29900}, {"currency", "CNY"}}}}},
                {"team", kTeam},
                {"assignee", kAgent},
                {"fields", {{"summary", "cuff seam split"}, {"category", "quality"}}}},
               agent);
    if (opened.status != 201) fail("POST /v1/cases -> " + opened.body);
    case_id = opened.json().at("case").at("id").get<std::string>();
  }

  std::int64_t fired = 0;
  const auto idle_start = Clock::now();
  const auto idle = fire_transitions(port, agent, case_id, fired,
                                     [&] { return seconds_since(idle_start) >= o.seconds; });
  std::cout << "[3] transitions idle: " << idle.size() << ", p50 " << fixed(percentile(idle, 50), 2)
            << " ms, p99 " << fixed(percentile(idle, 99), 2) << " ms\n"
            << std::flush;

  std::vector<ImportFigures> runs;
  for (const auto& [kind, path] : {std::pair<std::string, std::string>{"customers", customers_path},
                                   std::pair<std::string, std::string>{"orders", orders_path}}) {
    auto f = run_import(port, admin, agent, case_id, fired, kind, path, o.lines);
    std::cout << "[4] import " << kind << ": " << with_commas(static_cast<double>(f.lines))
              << " lines in " << fixed(f.seconds, 1) << " s (upload " << fixed(f.upload_seconds, 1)
              << " s) = " << with_commas(f.rate()) << " lines/s; peak RSS " << f.peak_rss_mib
              << " MiB; " << f.transitions.size() << " transitions meanwhile, p50 "
              << fixed(percentile(f.transitions, 50), 2) << " ms, p99 "
              << fixed(percentile(f.transitions, 99), 2) << " ms\n"
              << std::flush;
    runs.push_back(std::move(f));
  }
  server->stop();
  // A tenth of the lines (at least 2,000): enough for a steady rate.
  const double order_sql =
      order_line_sql_rate(db_path, o.lines, std::max<std::int64_t>(o.lines / 10, 2000));
  std::cout << "[5] the SQL of an order line alone, on the same database: "
            << with_commas(order_sql) << " lines/s\n"
            << std::flush;

  const double idle_p99 = percentile(idle, 99);
  std::cout << "\nsummary (load average now " << load_average() << ")\n";
  std::cout << "  raw SQLite durable commits/s (disk ceiling)       " << with_commas(raw) << "\n";
  std::cout << "  GET /healthz requests/s, 1 connection (HTTP)      " << with_commas(health)
            << "\n";
  std::cout << "  transition p50 / p99 idle                         "
            << fixed(percentile(idle, 50), 2) << " / " << fixed(idle_p99, 2) << " ms\n";
  for (const auto& f : runs) {
    const double p99 = percentile(f.transitions, 99);
    std::cout << "  import " << f.kind << " lines/s"
              << std::string(f.kind == "orders" ? 29 : 26, ' ') << with_commas(f.rate()) << " = "
              << fixed(f.rate() / raw, 1)
              << "x raw commits/s (target >= 50,000: " << (f.rate() >= 50000 ? "PASS" : "MISS")
              << ")\n";
    if (f.kind == "orders") {
      std::cout << "    the SQL of an order line alone (ceiling)        " << with_commas(order_sql)
                << " lines/s: the import runs at " << fixed(f.rate() / order_sql, 2) << "x\n";
    }
    std::cout << "    peak RSS                                        " << f.peak_rss_mib
              << " MiB (target < 300: " << (f.peak_rss_mib < 300 ? "PASS" : "MISS") << ")\n";
    std::cout << "    transition p50 / p99 during the import          "
              << fixed(percentile(f.transitions, 50), 2) << " / " << fixed(p99, 2)
              << " ms = " << fixed(idle_p99 > 0 ? p99 / idle_p99 : 0, 1) << "x idle p99\n";
  }
  return 0;
}
