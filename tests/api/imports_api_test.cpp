// Bulk imports over real HTTP: JSON Lines uploads answered 202 with a job; every bad line kept
// with its line number and reason while the good lines are applied; a re-run changes nothing;
// an import never lowers a membership level; orders of unknown customers; limits and roles; a
// kill -9 mid-import; and (normal builds only) a 100 MB upload streamed through the server
// without holding it.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>

#include "api/server/api_server.h"
#include "api/server/import_runner.h"
#include "tests/api/server_test_support.h"

extern char** environ;

#ifndef REDRESS_SERVER_BINARY
#error "REDRESS_SERVER_BINARY must name the redress executable"
#endif

namespace redress::testing {
namespace {

using boost::beast::http::verb;

HttpResult upload_lines(TestServer& server, const std::string& kind, const std::string& lines,
                        const std::string& token,
                        const std::string& content_type = "application/x-ndjson") {
  return server.http().request(verb::post, "/v1/imports/" + kind, lines, token,
                               {{"Content-Type", content_type}});
}

// Uploads `lines`, waits for the job to end and answers it.
nlohmann::json import_and_wait(TestServer& server, const std::string& kind,
                               const std::string& lines, const std::string& token) {
  auto accepted = upload_lines(server, kind, lines, token);
  BOOST_REQUIRE_MESSAGE(accepted.status == 202, accepted.body);
  const auto id = accepted.json().at("id").get<std::string>();
  BOOST_TEST(accepted.header("location") == "/v1/imports/" + id);
  server.server().import_runner().wait_until_idle();
  auto job = server.http().get("/v1/imports/" + id, token);
  BOOST_REQUIRE_MESSAGE(job.status == 200, job.body);
  return job.json();
}

nlohmann::json import_errors(TestServer& server, const std::string& id, const std::string& token) {
  auto errors = server.http().get("/v1/imports/" + id + "/errors", token);
  BOOST_REQUIRE_MESSAGE(errors.status == 200, errors.body);
  return errors.json().at("errors");
}

std::string import_customer_line(const std::string& id, const std::string& level = "") {
  nlohmann::json line{{"id", id}, {"name", "客户 " + id}, {"tags", {"imported"}}};
  if (!level.empty()) line["level"] = level;
  return line.dump() + "\n";
}

std::string run_redress_for_import(const std::vector<std::string>& args) {
  std::string command = REDRESS_SERVER_BINARY;
  for (const auto& arg : args) command += " '" + arg + "'";
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  BOOST_REQUIRE(pipe != nullptr);
  std::string out;
  char chunk[4096];
  while (const size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) out.append(chunk, n);
  BOOST_REQUIRE_MESSAGE(::pclose(pipe) == 0, command << " failed:\n" << out);
  return out;
}

// A `redress serve` child process on port 0 with small import batches.
class ImportServerProcess {
 public:
  explicit ImportServerProcess(const std::string& db) {
    const std::string program = REDRESS_SERVER_BINARY;
    const std::string workflows = std::string(REDRESS_SOURCE_DIR) + "/workflows";
    std::vector<std::string> args = {program,          "serve",   "--db",         db,
                                     "--workflows",    workflows, "--port",       "0",
                                     "--rate-limit",   "0",       "--access-log", "false",
                                     "--import-batch", "50"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    const int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    BOOST_REQUIRE_MESSAGE(rc == 0, "cannot start " << program);
    auto port = port_promise_.get_future();
    drain_ = std::thread([this, fd = fds[0]] {
      const std::string marker = "serving on http://127.0.0.1:";
      std::string printed;
      bool told = false;
      char chunk[4096];
      ssize_t n = 0;
      while ((n = ::read(fd, chunk, sizeof chunk)) > 0) {
        if (told) continue;
        printed.append(chunk, static_cast<size_t>(n));
        const auto at = printed.find(marker);
        if (at != std::string::npos && printed.find('\n', at) != std::string::npos) {
          port_promise_.set_value(std::atoi(printed.c_str() + at + marker.size()));
          told = true;
        }
      }
      ::close(fd);
      if (!told) port_promise_.set_value(0);
    });
    const int printed_port = port.get();
    BOOST_REQUIRE_MESSAGE(printed_port > 0, "the server did not start");
    port_ = static_cast<std::uint16_t>(printed_port);
  }
  ~ImportServerProcess() { kill(); }
  ImportServerProcess(const ImportServerProcess&) = delete;
  ImportServerProcess& operator=(const ImportServerProcess&) = delete;

  std::uint16_t port() const { return port_; }

  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (drain_.joinable()) drain_.join();
  }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::promise<int> port_promise_;
  std::thread drain_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(imports_api)

// Batches are sized by writer time: towards the target, at most halved or doubled per batch,
// within a few lines and the configured most.
BOOST_AUTO_TEST_CASE(batches_grow_and_shrink_towards_the_writer_time_target) {
  using std::chrono::microseconds;
  using std::chrono::milliseconds;
  const auto target = milliseconds(20);
  BOOST_TEST(api::next_batch_lines(100, milliseconds(10), target, 1000) == 200u);
  BOOST_TEST(api::next_batch_lines(100, milliseconds(16), target, 1000) == 125u);
  BOOST_TEST(api::next_batch_lines(100, milliseconds(40), target, 1000) == 50u);
  // A batch 100 times too slow halves the next, no more; a nearly free one doubles it.
  BOOST_TEST(api::next_batch_lines(100, milliseconds(2000), target, 1000) == 50u);
  BOOST_TEST(api::next_batch_lines(100, microseconds(0), target, 1000) == 200u);
  // Bounds: the configured most, and a few lines however slow.
  BOOST_TEST(api::next_batch_lines(800, milliseconds(1), target, 1000) == 1000u);
  BOOST_TEST(api::next_batch_lines(10, milliseconds(500), target, 1000) == 8u);
  BOOST_TEST(api::next_batch_lines(10, milliseconds(1), target, 4) == 4u);
}

BOOST_AUTO_TEST_CASE(bad_lines_are_reported_by_line_number_and_good_lines_kept) {
  TestServer server;
  const auto manager = server.token_for("mgr.zhao", "manager");
  std::string lines = import_customer_line("IM-1", "gold");  // 1
  lines += "\n";                                             // 2: blank, skipped
  lines += R"({"id": 5, "name": "wrong type"})"
           "\n";  // 3
  lines += R"({"id": "IM-2", "nmae": "typo"})"
           "\n";                                            // 4
  lines += "this is not json\n";                            // 5
  lines += "{\"id\": \"IM-3\", \"name\": \"\xff\xfe\"}\n";  // 6: invalid UTF-8
  lines += import_customer_line("IM-1");                    // 7: duplicate id
  lines += R"({"id": "IM-4", "level": "no_such_level"})"
           "\n";                          // 8
  lines += "[1, 2]\r\n";                  // 9: not an object (CRLF)
  lines += import_customer_line("IM-5");  // 10, no final newline:
  lines.pop_back();

  const auto job = import_and_wait(server, "customers", lines, manager);
  BOOST_TEST(job.at("state") == "done");
  BOOST_TEST(job.at("kind") == "customers");
  BOOST_TEST(job.at("counts").at("lines") == 10);
  BOOST_TEST(job.at("counts").at("created") == 2);
  BOOST_TEST(job.at("counts").at("rejected") == 7);
  BOOST_TEST(job.at("progress").at("fraction") == 1.0);
  BOOST_TEST(job.at("bytes") == lines.size());

  const auto errors = import_errors(server, job.at("id"), manager);
  std::vector<std::string> found;
  for (const auto& e : errors) {
    found.push_back(std::to_string(e.at("line").get<int>()) + ":" +
                    e.at("reason").get<std::string>());
  }
  const std::vector<std::string> expected = {
      "3:wrong_type",   "4:unknown_field", "5:malformed_json", "6:invalid_utf8",
      "7:duplicate_id", "8:not_one_of",    "9:wrong_type"};
  BOOST_TEST(found == expected, boost::test_tools::per_element());
  BOOST_TEST(errors.at(0).at("pointer") == "/id");
  BOOST_TEST(errors.at(1).at("pointer") == "/nmae");
  BOOST_TEST(errors.at(4).at("detail").get<std::string>().find("line 1") != std::string::npos);
  BOOST_TEST(errors.at(4).at("id") == "IM-1");

  // The good lines are there, as a POST would have written them.
  auto first = server.http().get("/v1/customers/IM-1", manager);
  BOOST_REQUIRE_MESSAGE(first.status == 200, first.body);
  BOOST_TEST(first.json().at("level") == "gold");
  BOOST_TEST(server.http().get("/v1/customers/IM-5", manager).status == 200);
  BOOST_TEST(server.http().get("/v1/customers/IM-2", manager).status == 404);

  // The listing shows the job, newest first.
  auto listing = server.http().get("/v1/imports?page_size=5", manager);
  BOOST_REQUIRE_MESSAGE(listing.status == 200, listing.body);
  BOOST_TEST(listing.json().at("imports").at(0).at("id") == job.at("id"));
}

BOOST_AUTO_TEST_CASE(a_rerun_changes_nothing_and_an_import_never_lowers_a_level) {
  TestServer server;
  const auto integration = server.token_for("order.system", "integration");
  std::string lines;
  for (int i = 1; i <= 30; ++i) {
    lines += import_customer_line("RR-" + std::to_string(i), i == 1 ? "platinum" : "silver");
  }
  const auto first = import_and_wait(server, "customers", lines, integration);
  BOOST_TEST(first.at("counts").at("created") == 30);

  const auto again = import_and_wait(server, "customers", lines, integration);
  BOOST_TEST(again.at("state") == "done");
  BOOST_TEST(again.at("counts").at("unchanged") == 30);
  BOOST_TEST(again.at("counts").at("created") == 0);
  BOOST_TEST(again.at("counts").at("updated") == 0);
  BOOST_TEST(again.at("sha256") == first.at("sha256"));

  // A file that would lower RR-1 from platinum to silver leaves the level as it was.
  const auto lower =
      import_and_wait(server, "customers", import_customer_line("RR-1", "silver"), integration);
  BOOST_TEST(lower.at("counts").at("unchanged") == 1);
  auto customer = server.http().get("/v1/customers/RR-1", integration).json();
  BOOST_TEST(customer.at("level") == "platinum");
  BOOST_TEST(customer.at("level_changes").size() == 1u);  // only the first import's

  // Raising it is taken, and recorded as an import.
  const auto raise =
      import_and_wait(server, "customers", import_customer_line("RR-2", "gold"), integration);
  BOOST_TEST(raise.at("counts").at("updated") == 1);
  customer = server.http().get("/v1/customers/RR-2", integration).json();
  BOOST_TEST(customer.at("level") == "gold");
  BOOST_TEST(customer.at("level_changes").at(0).at("source") == "import");
}

BOOST_AUTO_TEST_CASE(orders_of_unknown_customers_and_bad_orders_are_rejected) {
  TestServer server;
  const auto integration = server.token_for("order.system", "integration");
  import_and_wait(server, "customers", import_customer_line("OC-1"), integration);
  const auto order = [](const std::string& id, const std::string& customer, std::int64_t amount) {
    return nlohmann::json{{"id", id},
                          {"customer_id", customer},
                          {"paid", {{"amount", amount}, {"currency", "CNY"}}},
                          {"status", "paid"}}
               .dump() +
           "\n";
  };
  std::string lines = order("OO-1", "OC-1", 12900);  // 1
  lines += order("OO-2", "NOBODY", 500);             // 2
  lines += order("OO-1", "OC-1", 12900);             // 3
  lines += R"({"id": "OO-3", "customer_id": "OC-1", "paid": {"amount": "12"}})"
           "\n";                           // 4
  lines += order("OO-4", "OC-1", 700000);  // 5
  const auto job = import_and_wait(server, "orders", lines, integration);
  BOOST_TEST(job.at("counts").at("created") == 2);
  BOOST_TEST(job.at("counts").at("rejected") == 3);
  const auto errors = import_errors(server, job.at("id"), integration);
  BOOST_REQUIRE(errors.size() >= 3u);
  BOOST_TEST(errors.at(0).at("line") == 2);
  BOOST_TEST(errors.at(0).at("reason") == "no_such_customer");
  BOOST_TEST(errors.at(0).at("pointer") == "/customer_id");
  BOOST_TEST(errors.at(1).at("line") == 3);
  BOOST_TEST(errors.at(1).at("reason") == "duplicate_id");
  BOOST_TEST(errors.at(2).at("line") == 4);

  auto stored = server.http().get("/v1/orders/OO-4", integration);
  BOOST_REQUIRE_MESSAGE(stored.status == 200, stored.body);
  BOOST_TEST(stored.json().at("paid").at("amount") == 700000);
  // The orders' customer was reassessed once the file was applied: CNY 7,129 over the year is
  // gold, and the RFM scores count both orders.
  auto customer = server.http().get("/v1/customers/OC-1", integration).json();
  BOOST_TEST(customer.at("level") == "gold");
  BOOST_TEST(customer.at("level_changes").size() == 1u);  // one assessment for the two orders
  BOOST_TEST(customer.at("rfm").at("orders_counted") == 2);
  BOOST_TEST(!customer.at("segment").get<std::string>().empty());

  // The same file again: nothing changes (no second assessment either).
  const auto again = import_and_wait(server, "orders", lines, integration);
  BOOST_TEST(again.at("counts").at("unchanged") == 2);
  BOOST_TEST(again.at("counts").at("rejected") == 3);
}

// An integration reads the jobs it sent, not another system's (their rejected lines name
// customers); managers read every job.
BOOST_AUTO_TEST_CASE(an_integration_sees_only_its_own_import_jobs) {
  TestServer server;
  const auto crm = server.token_for("crm", "integration");
  const auto erp = server.token_for("erp", "integration");
  const auto manager = server.token_for("mgr.zhao", "manager");
  const auto job = import_and_wait(server, "customers", import_customer_line("OWN-1"), crm);
  const auto id = job.at("id").get<std::string>();
  BOOST_TEST(server.http().get("/v1/imports/" + id, erp).status == 404);
  BOOST_TEST(server.http().get("/v1/imports/" + id + "/errors", erp).status == 404);
  BOOST_TEST(server.http().get("/v1/imports", erp).json().at("imports").empty());
  BOOST_TEST(server.http().get("/v1/imports", crm).json().at("imports").size() == 1u);
  BOOST_TEST(server.http().get("/v1/imports/" + id, manager).status == 200);
  BOOST_TEST(server.http().get("/v1/imports", manager).json().at("imports").size() == 1u);
}

BOOST_AUTO_TEST_CASE(uploads_are_refused_by_role_type_size_and_query) {
  api::ServerConfig config;
  config.import_limit = 4096;
  TestServer server(config);
  const auto agent = server.token_for("agent.li", "agent");
  const auto manager = server.token_for("mgr.zhao", "manager");
  const auto line = import_customer_line("RF-1");

  auto refused = upload_lines(server, "customers", line, agent);
  BOOST_TEST(refused.status == 403);
  BOOST_TEST(problem_code(refused) == "FORBIDDEN");
  BOOST_TEST(server.http().get("/v1/imports", agent).status == 403);

  auto wrong_type = upload_lines(server, "customers", line, manager, "application/json");
  BOOST_TEST(wrong_type.status == 415);

  std::string big;
  while (big.size() <= 4096) big += line;
  auto too_big = upload_lines(server, "customers", big, manager);
  BOOST_TEST(too_big.status == 413);

  auto empty = server.http().request(verb::post, "/v1/imports/orders", "", manager,
                                     {{"Content-Type", "application/x-ndjson"}});
  BOOST_TEST(empty.status == 400);

  auto typo = server.http().request(verb::post, "/v1/imports/customers?dry_run=1", line, manager,
                                    {{"Content-Type", "application/x-ndjson"}});
  BOOST_TEST(typo.status == 400);
  BOOST_TEST(problem_code(typo) == "INVALID_QUERY");

  BOOST_TEST(server.http().get("/v1/imports/imp_nope", manager).status == 404);
  BOOST_TEST(server.http().get("/v1/imports?sort=old", manager).status == 400);
  // None of the refused uploads became a job.
  BOOST_TEST(server.http().get("/v1/imports", manager).json().at("imports").empty());
}

// A server stopped while a job runs leaves it running at its last committed batch; the next
// start resumes it there, and every line is applied exactly once (created, never "updated" or
// "duplicate_id" by a batch applied twice).
BOOST_AUTO_TEST_CASE(a_job_cut_off_by_a_stop_resumes_after_the_restart_and_applies_each_line_once) {
  api::ServerConfig config;
  config.import_batch_lines = 10;
  TestServer server(config);
  const auto manager = server.token_for("mgr.zhao", "manager");
  std::string lines;
  for (int i = 1; i <= 3000; ++i) lines += import_customer_line("RS-" + std::to_string(i));
  auto accepted = upload_lines(server, "customers", lines, manager);
  BOOST_REQUIRE_MESSAGE(accepted.status == 202, accepted.body);
  const auto id = accepted.json().at("id").get<std::string>();
  // A spool file no job names (an upload whose job row a crash lost) goes at the restart.
  const auto stray =
      std::filesystem::path(server.config().db_path).parent_path() / "imports" / "lost.jsonl";
  std::ofstream(stray) << import_customer_line("LOST-1");
  BOOST_REQUIRE(std::filesystem::exists(stray));
  server.restart();  // most likely mid-job: 300 batches
  BOOST_TEST(!std::filesystem::exists(stray));
  server.server().import_runner().wait_until_idle();
  const auto job = server.http().get("/v1/imports/" + id, manager).json();
  BOOST_TEST(job.at("state") == "done");
  BOOST_TEST(job.at("counts").at("lines") == 3000);
  BOOST_TEST(job.at("counts").at("created") == 3000);
  BOOST_TEST(job.at("counts").at("updated") == 0);
  BOOST_TEST(job.at("counts").at("rejected") == 0);
}

// An import across a kill -9 of the real server: a `redress serve` process (batches of 50 lines)
// is killed with SIGKILL once its job has applied part of a 20,000-line file; started again on
// the same database it resumes the job after its last committed batch. Every line must be applied
// exactly once: all created, none updated, none rejected as a duplicate of itself (which a batch
// applied twice would be). The kill comes when the job's progress says so, not after a set time.
BOOST_AUTO_TEST_CASE(a_job_killed_mid_file_resumes_and_applies_every_line_once) {
  ApiTempDir dir;
  const auto db = dir.file("redress.db");
  const auto init =
      run_redress_for_import({"init", "--db", db, "--workflows",
                              std::string(REDRESS_SOURCE_DIR) + "/workflows", "--new-admin-token"});
  const auto shown = init.find("(shown once):\n  ");
  BOOST_REQUIRE_MESSAGE(shown != std::string::npos, init);
  const auto admin = init.substr(shown + 16, init.find('\n', shown + 16) - (shown + 16));

  constexpr int kLines = 20000;
  std::string lines;
  for (int i = 1; i <= kLines; ++i) {
    lines += nlohmann::json{{"id", "KC-" + std::to_string(i)}, {"name", "客户"}, {"tags", {"k"}}}
                 .dump() +
             "\n";
  }
  std::string job_id;
  std::int64_t lines_at_kill = 0;
  {
    ImportServerProcess server(db);
    HttpClient http(server.port());
    auto accepted = http.request(boost::beast::http::verb::post, "/v1/imports/customers", lines,
                                 admin, {{"Content-Type", "application/x-ndjson"}});
    BOOST_REQUIRE_MESSAGE(accepted.status == 202, accepted.body);
    job_id = accepted.json().at("id").get<std::string>();
    // Killed once part of the file is applied (or, on a very fast machine, when it is done).
    BOOST_REQUIRE(eventually([&] {
      auto job = http.get("/v1/imports/" + job_id, admin).json();
      lines_at_kill = job.at("counts").at("lines").get<std::int64_t>();
      return lines_at_kill >= 1000 || job.at("state") == "done";
    }));
    server.kill();
  }
  BOOST_TEST_MESSAGE("killed with " << lines_at_kill << " of " << kLines << " lines applied");

  ImportServerProcess again(db);
  HttpClient http(again.port());
  nlohmann::json job;
  BOOST_REQUIRE(eventually(
      [&] {
        job = http.get("/v1/imports/" + job_id, admin).json();
        return job.at("state") == "done" || job.at("state") == "failed";
      },
      std::chrono::seconds(120)));
  BOOST_TEST(job.at("state") == "done");
  BOOST_TEST(job.at("counts").at("lines") == kLines);
  BOOST_TEST(job.at("counts").at("created") == kLines);
  BOOST_TEST(job.at("counts").at("updated") == 0);
  BOOST_TEST(job.at("counts").at("rejected") == 0);
  BOOST_TEST(http.get("/v1/customers/KC-" + std::to_string(kLines), admin).status == 200);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && !defined(REDRESS_SANITIZED)
namespace {

// The peak resident set of this process since the last reset_peak_rss(), in bytes.
std::int64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      std::int64_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(4096, '\n');
  }
  return -1;
}

void reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";  // resets VmHWM to the current RSS
}

}  // namespace

// 100 MB streamed through the server: generated on the fly by this client (never a string of
// its own), spooled by the server, read back line by line. The process's peak RSS may grow by
// far less than the file: a body held whole (or a file read whole) would add at least 100 MB.
BOOST_AUTO_TEST_CASE(a_100_mb_upload_is_streamed_without_holding_it_in_memory) {
  TestServer server;
  const auto manager = server.token_for("mgr.zhao", "manager");
  constexpr std::int64_t kLines = 50000;
  constexpr size_t kLineBytes = 2000;  // padded with spaces inside the object
  const auto make_line = [&](std::int64_t i) {
    std::string line =
        R"({"id":"BIG-)" + std::to_string(i) + R"(","name":"大客户 )" + std::to_string(i) + "\",";
    line.append(kLineBytes - line.size() - 14, ' ');
    line += R"("tags":["x"]})";
    line += '\n';
    return line;
  };
  const std::uint64_t total = [&] {
    std::uint64_t bytes = 0;
    for (std::int64_t i = 1; i <= kLines; ++i) bytes += make_line(i).size();
    return bytes;
  }();
  BOOST_REQUIRE(total >= 100'000'000u);

  reset_peak_rss();
  const auto baseline = peak_rss_bytes();
  namespace net = boost::asio;
  namespace http = boost::beast::http;
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), server.port()});
  const std::string head =
      "POST /v1/imports/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      manager +
      "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + std::to_string(total) +
      "\r\n\r\n";
  net::write(socket, net::buffer(head));
  std::string chunk;
  for (std::int64_t i = 1; i <= kLines; ++i) {
    chunk += make_line(i);
    if (chunk.size() >= 256 * 1024 || i == kLines) {
      net::write(socket, net::buffer(chunk));
      chunk.clear();
    }
  }
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  BOOST_REQUIRE_MESSAGE(response.result_int() == 202, response.body());
  const auto id = nlohmann::json::parse(response.body()).at("id").get<std::string>();
  server.server().import_runner().wait_until_idle();
  const auto peak = peak_rss_bytes();

  const auto job = server.http().get("/v1/imports/" + id, manager).json();
  BOOST_TEST(job.at("state") == "done");
  BOOST_TEST(job.at("bytes") == total);
  BOOST_TEST(job.at("counts").at("created") == kLines);
  BOOST_TEST(job.at("counts").at("rejected") == 0);
  BOOST_TEST_MESSAGE("peak RSS grew by " << (peak - baseline) / (1024 * 1024) << " MiB for a "
                                         << total / (1024 * 1024) << " MiB upload");
  BOOST_TEST(peak - baseline < 64 * 1024 * 1024);
}
#endif

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
