// Idempotency keys across a kill -9 of the real server, as clients live it: sixteen clients
// send keyed POST /v1/cases and transitions; the `redress serve` process is killed with SIGKILL
// while requests are in flight; it is started again on the same database, and every request
// that got no answer is retried with its same key and body. Each retry must be answered as a
// first request would be (201 or 200): never 409, never a second case. Each round kills the
// server at a different moment (by the number of answers seen, so the test never sleeps).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/api/server_test_support.h"

extern char** environ;

#ifndef REDRESS_SERVER_BINARY
#error "REDRESS_SERVER_BINARY must name the redress executable"
#endif

using namespace redress::testing;
namespace http = boost::beast::http;

namespace {

constexpr int kClients = 16;
constexpr int kRounds = 3;

// Runs `redress ARGS...` to completion and returns what it printed.
std::string run_redress(const std::vector<std::string>& args) {
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

// A `redress serve` child process on port 0; knows its port once it printed it.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& db) {
    const std::string program = REDRESS_SERVER_BINARY;
    const std::string workflows = std::string(REDRESS_SOURCE_DIR) + "/workflows";
    std::vector<std::string> args = {
        program,     "serve", "--db",         db,  "--workflows",  workflows, "--port", "0",
        "--threads", "2",     "--rate-limit", "0", "--access-log", "false"};
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
    // Everything it prints is drained until it exits (a closed pipe would kill it with
    // SIGPIPE); the port comes from "redress: serving on http://127.0.0.1:PORT  (...)".
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
      if (!told) port_promise_.set_value(0);  // it exited without serving
    });
    const int printed_port = port.get();
    BOOST_REQUIRE_MESSAGE(printed_port > 0, "the server did not start");
    port_ = static_cast<std::uint16_t>(printed_port);
  }
  ~ServerProcess() { kill(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

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

struct KeyedRequest {
  std::string path;
  std::string body;
  std::string key;
};

nlohmann::json complaint(int client, int n) {
  return {
      {"workflow_id", "complaint"},
      {"customer",
       {{"id", "crash-cust-" + std::to_string(client)}, {"segment", "regular"}, {"tier", "gold"}}},
      {"order",
       {{"id", fresh_order_id("TB-C" + std::to_string(client) + "-" + std::to_string(n))},
        {"paid", {{"amount", 29900}, {"currency", "CNY"}}}}},
      {"team", "after_sales"},
      {"assignee", "agent.crash"},
      {"fields",
       {{"summary",
         "cuff seam split (client " + std::to_string(client) + ", case " + std::to_string(n) + ")"},
        {"category", "quality"}}}};
}

// One client's life until the server dies under it: create a case, ask the customer for
// information, record the answer, again. Returns the request that got no answer, if any.
std::optional<KeyedRequest> run_client(std::uint16_t port, const std::string& token, int round,
                                       int client, std::atomic<int>& answered,
                                       std::set<std::string>& created_ids, std::mutex& mutex,
                                       std::string& failure) {
  HttpClient http_client(port);
  const auto tag = std::to_string(round) + "-" + std::to_string(client) + "-";
  for (int n = 0;; ++n) {
    std::vector<KeyedRequest> steps;
    steps.push_back(
        {"/v1/cases", complaint(client, n).dump(), "create-" + tag + std::to_string(n)});
    std::string case_id;
    for (size_t step = 0; step < 3; ++step) {
      KeyedRequest request;
      if (step == 0) {
        request = steps[0];
      } else {
        nlohmann::json body{
            {"transition", step == 1 ? "request_customer_info" : "customer_provided_info"}};
        if (step == 1) body["data"] = {{"waiting_reason", "please send a photo of the seam"}};
        request = {"/v1/cases/" + case_id + "/transitions", body.dump(),
                   "step" + std::to_string(step) + "-" + tag + std::to_string(n)};
      }
      const auto reply = http_client.try_request(http::verb::post, request.path, request.body,
                                                 token, {{"Idempotency-Key", request.key}});
      if (!reply) return request;
      if (reply->status != (step == 0 ? 201 : 200)) {
        std::lock_guard lock(mutex);
        failure = request.path + " answered " + std::to_string(reply->status) + ": " + reply->body;
        return std::nullopt;
      }
      if (step == 0) {
        case_id = reply->json()["case"]["id"].get<std::string>();
        std::lock_guard lock(mutex);
        created_ids.insert(case_id);
      }
      answered.fetch_add(1);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idempotency_crash)

BOOST_AUTO_TEST_CASE(after_a_kill_9_every_unanswered_keyed_request_succeeds_on_its_retry) {
  ApiTempDir dir;
  const auto db = dir.file("redress.db");
  const auto init =
      run_redress({"init", "--db", db, "--workflows",
                   std::string(REDRESS_SOURCE_DIR) + "/workflows", "--new-admin-token"});
  const auto shown = init.find("(shown once):\n  ");
  BOOST_REQUIRE_MESSAGE(shown != std::string::npos, init);
  const auto admin = init.substr(shown + 16, init.find('\n', shown + 16) - (shown + 16));

  std::string agent_token;
  {
    ServerProcess server(db);
    HttpClient setup(server.port());
    BOOST_REQUIRE(
        setup.post("/v1/teams", {{"id", "after_sales"}, {"name", "After-sales"}}, admin).status ==
        201);
    BOOST_REQUIRE(setup
                      .post("/v1/users",
                            {{"id", "agent.crash"},
                             {"display_name", "Agent Crash"},
                             {"role", "agent"},
                             {"team_id", "after_sales"}},
                            admin)
                      .status == 201);
    const auto token =
        setup.post("/v1/tokens", {{"user_id", "agent.crash"}, {"label", "t"}}, admin);
    BOOST_REQUIRE_MESSAGE(token.status == 201, token.body);
    agent_token = token.json()["token"].get<std::string>();
  }

  std::set<std::string> created_ids;  // every case id a create answered, first time or retried
  std::mutex mutex;
  std::string failure;
  int unanswered_total = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::optional<KeyedRequest>> unanswered(kClients);
    {
      ServerProcess server(db);
      std::atomic<int> answered{0};
      std::vector<std::thread> clients;
      for (int client = 0; client < kClients; ++client) {
        clients.emplace_back([&, client] {
          unanswered[static_cast<size_t>(client)] = run_client(
              server.port(), agent_token, round, client, answered, created_ids, mutex, failure);
        });
      }
      // Kill at a different depth each round, while all sixteen clients are mid-request.
      const int kill_after = 24 + 20 * round;
      while (answered.load() < kill_after) {
        {
          std::lock_guard lock(mutex);
          if (!failure.empty()) break;
        }
        std::this_thread::yield();
      }
      server.kill();
      for (auto& t : clients) t.join();
    }
    BOOST_REQUIRE_MESSAGE(failure.empty(), failure);

    ServerProcess restarted(db);
    HttpClient retry(restarted.port());
    for (const auto& request : unanswered) {
      if (!request) continue;
      ++unanswered_total;
      const auto reply = retry.request(http::verb::post, request->path, request->body, agent_token,
                                       {{"Idempotency-Key", request->key}});
      const bool create = request->path == "/v1/cases";
      BOOST_TEST(reply.status == (create ? 201 : 200),
                 "retry of " << request->path << " with key " << request->key << " answered "
                             << reply.status << ": " << reply.body);
      if (create && reply.status == 201) created_ids.insert(reply.json()["case"]["id"]);
    }
    // Every case a create answered for exists once: no create ran twice, none was lost.
    const auto listing = retry.get("/v1/cases?page_size=1000&open=false", agent_token);
    BOOST_REQUIRE_EQUAL(listing.status, 200);
    BOOST_TEST(listing.json()["cases"].size() == created_ids.size());
  }
  // The kills happened mid-flight: some requests were left unanswered.
  BOOST_TEST(unanswered_total > 0);
}

BOOST_AUTO_TEST_SUITE_END()
