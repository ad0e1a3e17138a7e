// A 5xx leaves its cause in the log under the request id (docs/api.md, "Errors").
//
// The client of a 500 gets a generic detail and the request id; the operator must then find the
// fault's own words (SQLite's message, the exception) in the log under that id. The server logs
// JSON lines to stderr, so the test captures file descriptor 2 around the failing request and
// breaks the database underneath the running server (a table dropped behind its back).
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/api/server_test_support.h"

namespace redress::testing {
namespace {

// Redirects the process's stderr (fd 2) to a temporary file while it lives.
class StderrCapture {
 public:
  explicit StderrCapture(std::string path) : path_(std::move(path)) {
    std::cerr.flush();
    std::fflush(stderr);
    saved_ = ::dup(2);
    std::FILE* file = std::fopen(path_.c_str(), "w");
    BOOST_REQUIRE(file != nullptr);
    ::dup2(::fileno(file), 2);
    std::fclose(file);
  }
  ~StderrCapture() {
    std::cerr.flush();
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
  }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  // The JSON lines written so far; other text is skipped.
  std::vector<nlohmann::json> json_lines() const {
    std::cerr.flush();
    std::ifstream in(path_);
    std::vector<nlohmann::json> out;
    for (std::string line; std::getline(in, line);) {
      auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_object()) out.push_back(std::move(parsed));
    }
    return out;
  }

 private:
  std::string path_;
  int saved_ = -1;
};

void execute(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  BOOST_REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);  // the server's writer may hold the lock for a moment
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, std::string(message ? message : ""));
  sqlite3_free(message);
  sqlite3_close(db);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fault_log)

BOOST_AUTO_TEST_CASE(a_500_logs_its_cause_under_the_request_id) {
  ApiTempDir dir;
  TestServer server;
  BOOST_REQUIRE_EQUAL(server.http().get("/v1/webhooks", server.admin_token()).status, 200);
  execute(server.config().db_path, "DROP TABLE webhook_subscriptions");

  StderrCapture capture(dir.file("stderr.log"));
  const auto failed = server.http().get("/v1/webhooks", server.admin_token());
  BOOST_REQUIRE_EQUAL(failed.status, 500);
  const auto request_id = failed.header("x-request-id");
  BOOST_REQUIRE(!request_id.empty());
  // The client learns nothing of the database's words...
  BOOST_TEST(failed.json().at("code") == "STORAGE_ERROR");
  BOOST_TEST(failed.body.find("webhook_subscriptions") == std::string::npos);

  // ...the log has them, under the same request id, as JSON.
  bool found = false;
  for (const auto& line : capture.json_lines()) {
    if (line.value("request_id", "") != request_id || line.value("level", "") != "error") continue;
    found = true;
    BOOST_TEST(line.at("status") == 500);
    BOOST_TEST(line.at("route") == "/v1/webhooks");
    BOOST_TEST(line.at("code") == "STORAGE_ERROR");
    BOOST_TEST(line.at("error").get<std::string>().find("no such table: webhook_subscriptions") !=
               std::string::npos);
    BOOST_TEST(line.contains("ts"));
  }
  BOOST_TEST(found, "no error line with request id " + request_id);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
