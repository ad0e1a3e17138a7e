// Implementation of tests/api/server_test_support.h (see there). Not a test suite: the name
// must not end in _test.cpp.
#include "tests/api/server_test_support.h"

#include <stdlib.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <sstream>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>

#include "api/http/token_scopes.h"
#include "api/server/api_server.h"

namespace redress::testing {

ApiTempDir::ApiTempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "redress-api-test-XXXXXX").string();
  BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

ApiTempDir::~ApiTempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

namespace {

HttpResult to_http_result(boost::beast::http::response<boost::beast::http::string_body>&& res) {
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(c));
    out.headers[name] = std::string(field.value());
  }
  out.body = std::move(res.body());
  return out;
}

boost::beast::http::request<boost::beast::http::string_body> make_request(
    boost::beast::http::verb method, const std::string& target, const std::string& body,
    const std::string& token, const std::map<std::string, std::string>& headers) {
  namespace http = boost::beast::http;
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
  return req;
}

}  // namespace

struct HttpClient::Impl {
  explicit Impl(std::uint16_t port) : port(port) {}

  void connect_if_needed() {
    if (stream) return;
    stream = std::make_unique<boost::beast::tcp_stream>(ioc);
    stream->connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    buffer.clear();
  }

  boost::asio::io_context ioc;
  std::uint16_t port;
  std::unique_ptr<boost::beast::tcp_stream> stream;
  boost::beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::uint16_t port) : impl_(std::make_unique<Impl>(port)) {}
HttpClient::~HttpClient() = default;

HttpResult HttpClient::request(boost::beast::http::verb method, const std::string& target,
                               const std::string& body, const std::string& token,
                               const std::map<std::string, std::string>& headers) {
  namespace http = boost::beast::http;
  for (int attempt = 0; attempt < 2; ++attempt) {
    impl_->connect_if_needed();
    auto req = make_request(method, target, body, token, headers);
    boost::beast::error_code write_error;
    http::write(*impl_->stream, req, write_error);
    // A server may answer before it read the whole request (413 for a body over its limit) and
    // close: its answer is there to read even when the rest of the write failed.
    boost::beast::error_code ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(*impl_->stream, impl_->buffer, parser, ec);
    if (ec) {
      impl_->stream.reset();
      if (write_error) continue;  // a connection the server had closed: try a fresh one
      if (attempt == 0 &&
          (ec == http::error::end_of_stream || ec == boost::asio::error::connection_reset)) {
        continue;  // the server closed an idle keep-alive connection
      }
      BOOST_FAIL("HTTP read failed: " + ec.message());
    }
    auto res = parser.release();
    if (!res.keep_alive()) impl_->stream.reset();
    return to_http_result(std::move(res));
  }
  BOOST_FAIL("HTTP request failed twice");
  return {};
}

HttpResult HttpClient::get(const std::string& target, const std::string& token) {
  return request(boost::beast::http::verb::get, target, "", token);
}

HttpResult HttpClient::post(const std::string& target, const nlohmann::json& body,
                            const std::string& token,
                            const std::map<std::string, std::string>& headers) {
  return request(boost::beast::http::verb::post, target, body.dump(), token, headers);
}

HttpResult HttpClient::patch(const std::string& target, const nlohmann::json& body,
                             const std::string& token,
                             const std::map<std::string, std::string>& headers) {
  return request(boost::beast::http::verb::patch, target, body.dump(), token, headers);
}

TestServer::TestServer(api::ServerConfig config, Instant start) : clock_(start) {
  config.port = 0;
  config.host = "127.0.0.1";
  if (config.db_path == api::ServerConfig{}.db_path) config.db_path = dir_.file("redress.db");
  // The shipped definitions unless the test brings its own.
  if (config.workflows_dir == api::ServerConfig{}.workflows_dir) {
    config.workflows_dir = REDRESS_SOURCE_DIR "/workflows";
  }
  config.access_log = false;
  config.timer_interval = std::chrono::hours(1);  // tests fire timers explicitly
  config.shutdown_grace = std::chrono::seconds(5);
  config_ = config;
  start_server();
}

TestServer::~TestServer() {
  stop();
}

void TestServer::start_server() {
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

void TestServer::stop() {
  client_.reset();
  if (server_) server_->stop();
  server_.reset();
}

void TestServer::restart() {
  stop();
  start_server();
}

std::uint16_t TestServer::port() const {
  return server_->port();
}

std::optional<HttpResult> HttpClient::try_request(
    boost::beast::http::verb method, const std::string& target, const std::string& body,
    const std::string& token, const std::map<std::string, std::string>& headers) {
  namespace http = boost::beast::http;
  try {
    impl_->connect_if_needed();
    auto req = make_request(method, target, body, token, headers);
    http::write(*impl_->stream, req);
    http::response<http::string_body> res;
    http::read(*impl_->stream, impl_->buffer, res);
    if (!res.keep_alive()) impl_->stream.reset();
    return to_http_result(std::move(res));
  } catch (const std::exception&) {
    impl_->stream.reset();
    return std::nullopt;
  }
}

std::string TestServer::token_for(const std::string& user_id, const std::string& role,
                                  const std::string& team, std::vector<std::string> scopes) {
  if (!team.empty()) {
    http().post("/v1/teams", {{"id", team}, {"name", team}}, admin_token_);
  }
  nlohmann::json user{{"id", user_id}, {"display_name", user_id}, {"role", role}};
  if (!team.empty()) user["team_id"] = team;
  auto created = http().post("/v1/users", user, admin_token_);
  BOOST_REQUIRE_MESSAGE(created.status == 201 || created.status == 409,
                        "creating user " + user_id + ": " + created.body);
  nlohmann::json request{{"user_id", user_id}, {"label", "test"}};
  if (role == "integration") {
    request["scopes"] = scopes.empty() ? all_token_scopes() : nlohmann::json(scopes);
  }
  auto token = http().post("/v1/tokens", request, admin_token_);
  BOOST_REQUIRE_MESSAGE(token.status == 201, "creating a token: " + token.body);
  return token.json().at("token").get<std::string>();
}

nlohmann::json all_token_scopes() {
  auto scopes = nlohmann::json::array();
  for (const auto& scope : api::token_scopes()) scopes.push_back(scope.name);
  return scopes;
}

std::string fresh_order_id(const std::string& prefix) {
  static std::atomic<int> next{0};
  return prefix + "-" + std::to_string(++next);
}

std::string problem_code(const HttpResult& result) {
  const auto body = result.json();
  return body.is_object() && body.contains("code") ? body["code"].get<std::string>() : "";
}

nlohmann::json fire(TestServer& server, const std::string& token, const std::string& case_id,
                    const std::string& transition, const nlohmann::json& data) {
  auto r = server.http().post("/v1/cases/" + case_id + "/transitions",
                              {{"transition", transition}, {"data", data}}, token);
  BOOST_REQUIRE_MESSAGE(r.status == 200,
                        transition + " -> " + std::to_string(r.status) + " " + r.body);
  return r.json();
}

}  // namespace redress::testing
