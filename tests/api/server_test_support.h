// Integration-test support: a real ApiServer on an ephemeral port with a fresh database, and a
// small blocking HTTP client speaking real HTTP/1.1 over a socket.
//
// The server's clock is a FakeClock: tests advance it instead of sleeping. The admin token the
// server prints on first start is captured; helpers create users and tokens through the real API.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "api/api_server.h"
#include "engine/time.h"

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

namespace redress::testing {

class ApiTempDir {
 public:
  ApiTempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "redress-api-test-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ApiTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
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
  explicit HttpClient(std::uint16_t port) : port_(port) {}

  HttpResult request(boost::beast::http::verb method, const std::string& target,
                     const std::string& body = "", const std::string& token = "",
                     const std::map<std::string, std::string>& headers = {}) {
    namespace http = boost::beast::http;
    for (int attempt = 0; attempt < 2; ++attempt) {
      connect_if_needed();
      http::request<http::string_body> req{method, target, 11};
      req.set(http::field::host, "127.0.0.1");
      req.keep_alive(true);
      if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
      for (const auto& [k, v] : headers) req.set(k, v);
      if (!body.empty()) {
        if (!headers.count("Content-Type")) req.set(http::field::content_type, "application/json");
        req.body() = body;
      }
      req.prepare_payload();
      boost::beast::error_code ec;
      http::write(*stream_, req, ec);
      if (ec) {
        stream_.reset();
        continue;
      }
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      http::read(*stream_, buffer_, parser, ec);
      if (ec) {
        stream_.reset();
        if (attempt == 0 &&
            (ec == http::error::end_of_stream || ec == boost::asio::error::connection_reset)) {
          continue;  // the server closed an idle keep-alive connection
        }
        BOOST_FAIL("HTTP read failed: " + ec.message());
      }
      auto res = parser.release();
      HttpResult out;
      out.status = static_cast<int>(res.result_int());
      for (const auto& field : res) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(c));
        out.headers[name] = std::string(field.value());
      }
      out.body = res.body();
      if (!res.keep_alive()) stream_.reset();
      return out;
    }
    BOOST_FAIL("HTTP request failed twice");
    return {};
  }

  HttpResult get(const std::string& target, const std::string& token = "") {
    return request(boost::beast::http::verb::get, target, "", token);
  }
  HttpResult post(const std::string& target, const nlohmann::json& body, const std::string& token,
                  const std::map<std::string, std::string>& headers = {}) {
    return request(boost::beast::http::verb::post, target, body.dump(), token, headers);
  }
  HttpResult patch(const std::string& target, const nlohmann::json& body, const std::string& token,
                   const std::map<std::string, std::string>& headers = {}) {
    return request(boost::beast::http::verb::patch, target, body.dump(), token, headers);
  }

 private:
  void connect_if_needed() {
    if (stream_) return;
    stream_ = std::make_unique<boost::beast::tcp_stream>(ioc_);
    stream_->connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_));
    buffer_.clear();
  }
  boost::asio::io_context ioc_;
  std::uint16_t port_;
  std::unique_ptr<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

// A running server on a fresh database, its fake clock and its admin token.
class TestServer {
 public:
  explicit TestServer(api::ServerConfig config = {},
                      Instant start = *parse_rfc3339("2026-11-23T02:00:00Z"))
      : clock_(start) {
    config.port = 0;
    config.host = "127.0.0.1";
    if (config.db_path == api::ServerConfig{}.db_path) config.db_path = dir_.file("redress.db");
    config.workflows_dir = REDRESS_SOURCE_DIR "/workflows";
    config.access_log = false;
    config.timer_interval = std::chrono::hours(1);  // tests fire timers explicitly
    config.shutdown_grace = std::chrono::seconds(5);
    config_ = config;
    start_server();
  }
  ~TestServer() { stop(); }

  void start_server() {
    std::ostringstream out;
    auto created = api::ApiServer::create(config_, clock_, out);
    BOOST_REQUIRE_MESSAGE(created.ok(), (created.ok() ? std::string() : created.error().message));
    server_ = std::move(created).value();
    const auto printed = out.str();
    if (auto at = printed.find("rdr_"); at != std::string::npos) {
      admin_token_ = printed.substr(at, 47);
    }
    auto started = server_->start();
    BOOST_REQUIRE_MESSAGE(started.ok(), (started.ok() ? std::string() : started.error().message));
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  void stop() {
    client_.reset();
    if (server_) server_->stop();
    server_.reset();
  }
  // Stops and starts again on the same database (the admin token stays valid).
  void restart() {
    stop();
    start_server();
  }

  HttpClient& http() { return *client_; }
  std::uint16_t port() const { return server_->port(); }
  const std::string& admin_token() const { return admin_token_; }
  FakeClock& clock() { return clock_; }
  api::ApiServer& server() { return *server_; }
  const api::ServerConfig& config() const { return config_; }

  // Creates a team (if needed), a user with `role` and returns a token for the user.
  std::string token_for(const std::string& user_id, const std::string& role,
                        const std::string& team = "after_sales") {
    if (!team.empty()) {
      http().post("/v1/teams", {{"id", team}, {"name", team}}, admin_token_);
    }
    nlohmann::json user{{"id", user_id}, {"display_name", user_id}, {"role", role}};
    if (!team.empty()) user["team_id"] = team;
    auto created = http().post("/v1/users", user, admin_token_);
    BOOST_REQUIRE_MESSAGE(created.status == 201 || created.status == 409,
                          "creating user " + user_id + ": " + created.body);
    auto token = http().post("/v1/tokens", {{"user_id", user_id}, {"label", "test"}}, admin_token_);
    BOOST_REQUIRE_MESSAGE(token.status == 201, "creating a token: " + token.body);
    return token.json().at("token").get<std::string>();
  }

 private:
  ApiTempDir dir_;
  FakeClock clock_;
  api::ServerConfig config_;
  std::unique_ptr<api::ApiServer> server_;
  std::unique_ptr<HttpClient> client_;
  std::string admin_token_;
};

}  // namespace redress::testing
