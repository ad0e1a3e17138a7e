// Integration-test support: a real ApiServer on an ephemeral port with a fresh database, and a
// small blocking HTTP client speaking real HTTP/1.1 over a socket.
//
// The server's clock is a FakeClock: tests advance it instead of sleeping. The admin token the
// server prints on first start is captured; helpers create users and tokens through the real API.
//
// The implementations live in server_test_support.cpp so that the Beast/Asio templates behind
// them are compiled once, not in every test file. Tests that call into `server()` include
// api/server/api_server.h themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <ostream>  // boost/beast/http/verb.hpp uses std::ostream without including it
#include <string>
#include <thread>

#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include "api/http/server_config.h"
#include "engine/time.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace redress::api {
class ApiServer;
}  // namespace redress::api

namespace redress::testing {

class ApiTempDir {
 public:
  ApiTempDir();
  ~ApiTempDir();
  ApiTempDir(const ApiTempDir&) = delete;
  ApiTempDir& operator=(const ApiTempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  nlohmann::json json() const {
    return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One keep-alive connection; reconnects when the server closed it.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult request(boost::beast::http::verb method, const std::string& target,
                     const std::string& body = "", const std::string& token = "",
                     const std::map<std::string, std::string>& headers = {});

  // One attempt that never fails the test: nullopt when the connection or the exchange failed
  // (a server killed mid-request, say). Safe on any thread, unlike request().
  std::optional<HttpResult> try_request(boost::beast::http::verb method, const std::string& target,
                                        const std::string& body, const std::string& token,
                                        const std::map<std::string, std::string>& headers = {});

  HttpResult get(const std::string& target, const std::string& token = "");
  HttpResult post(const std::string& target, const nlohmann::json& body, const std::string& token,
                  const std::map<std::string, std::string>& headers = {});
  HttpResult patch(const std::string& target, const nlohmann::json& body, const std::string& token,
                   const std::map<std::string, std::string>& headers = {});

 private:
  struct Impl;  // the socket, its buffer and io_context
  std::unique_ptr<Impl> impl_;
};

// A running server on a fresh database, its fake clock and its admin token.
class TestServer {
 public:
  explicit TestServer(api::ServerConfig config = {},
                      Instant start = *parse_rfc3339("2026-11-23T02:00:00Z"));
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  void start_server();
  void stop();
  // Stops and starts again on the same database (the admin token stays valid).
  void restart();

  HttpClient& http() { return *client_; }
  std::uint16_t port() const;
  const std::string& admin_token() const { return admin_token_; }
  FakeClock& clock() { return clock_; }
  api::ApiServer& server() { return *server_; }
  const api::ServerConfig& config() const { return config_; }

  // Creates a team (if needed), a user with `role` and returns a token for the user. An
  // integration token gets `scopes`, by default every scope there is.
  std::string token_for(const std::string& user_id, const std::string& role,
                        const std::string& team = "after_sales",
                        std::vector<std::string> scopes = {});

 private:
  ApiTempDir dir_;
  FakeClock clock_;
  api::ServerConfig config_;
  std::unique_ptr<api::ApiServer> server_;
  std::unique_ptr<HttpClient> client_;
  std::string admin_token_;
};

// Every token scope there is (api/http/token_scopes.h), for an integration token that may call
// every route its role admits.
nlohmann::json all_token_scopes();

// "<prefix>-<n>", n counting up across the test binary: an order of its own for each complaint a
// test opens (a second open complaint about one order must be linked to the first).
std::string fresh_order_id(const std::string& prefix = "TB");

// The `code` of a problem+json answer, or "" when the body has none.
std::string problem_code(const HttpResult& result);

// Fires a transition and requires a 200; returns the response body.
nlohmann::json fire(TestServer& server, const std::string& token, const std::string& case_id,
                    const std::string& transition,
                    const nlohmann::json& data = nlohmann::json::object());

// Polls `condition` until it holds or `deadline` passes (real time: the network is real).
template <typename Predicate>
bool eventually(Predicate condition, std::chrono::seconds deadline = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace redress::testing
