// HttpSession over a real loopback socket, on a one-thread io_context, with a scripted
// RequestHandler instead of the server: the two-step reading of a request (the head, then the
// body the plan allows), body limits, streamed bodies, `Expect: 100-continue`, the lingering
// close that keeps a refusal from being destroyed by a connection reset, and the console's
// static files.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>

#include "api/transport/http_session.h"
#include "api/transport/static_files.h"
#include "api/transport/transport_limits.h"

namespace redress::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;

// Plans every request the same way and lets each test script the answers.
class ScriptedHandler : public api::RequestHandler {
 public:
  api::RequestPlan plan(const api::RequestHead&) const override {
    ++planned;
    return next_plan;
  }
  void handle(api::Request request, api::ResponseSender send) override {
    ++handled;
    if (on_request) return on_request(std::move(request), std::move(send));
    api::Response response{http::status::ok, request.version()};
    response.body() = "handled " + std::string(request.target()) + " body=" + request.body();
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    send(std::move(response));
  }
  void handle_streamed(api::Request head, std::shared_ptr<api::BodyStream> body,
                       api::ResponseSender send) override {
    ++streamed;
    on_stream(std::move(head), std::move(body), std::move(send));
  }

  api::RequestPlan next_plan{api::RequestPlan::Destination::kApi, api::BodyPolicy::buffered(1024)};
  std::function<void(api::Request, api::ResponseSender)> on_request;
  std::function<void(api::Request, std::shared_ptr<api::BodyStream>, api::ResponseSender)>
      on_stream;
  mutable int planned = 0;
  int handled = 0;
  int streamed = 0;
};

api::Response plain(http::status status, std::string body, bool keep_alive = true) {
  api::Response response{status, 11};
  response.body() = std::move(body);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

// A client socket and one HttpSession on the accepted socket, both on one io_context.
struct Connection {
  explicit Connection(api::RequestHandler& handler, const fs::path* static_root = nullptr)
      : acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)), client(ioc) {
    client.connect(acceptor.local_endpoint());
    if (static_root != nullptr) {
      auto opened = api::StaticFiles::open(static_root->string());
      BOOST_REQUIRE(opened.ok());
      static_files = std::move(opened).value();
    }
    session = std::make_shared<api::HttpSession>(acceptor.accept(), handler, limits, upgrade,
                                                 static_files.get());
    session->run();
  }

  bool run_until(const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= until) return false;
      ioc.restart();
      if (ioc.run_one_until(until) == 0 && ioc.stopped() && !done()) return false;
    }
    return true;
  }

  // Starts writing `bytes` (kept alive here); the outcome lands in write_error / written.
  void start_write(std::string bytes) {
    outgoing = std::make_shared<std::string>(std::move(bytes));
    write_done = false;
    net::async_write(client, net::buffer(*outgoing),
                     [this, keep = outgoing](beast::error_code ec, size_t bytes_written) {
                       write_error = ec;
                       written = bytes_written;
                       write_done = true;
                     });
  }

  // Reads one response (a HEAD response when `head`), running the io_context meanwhile.
  std::optional<http::response<http::string_body>> read_response(bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head);
    bool done = false;
    http::async_read(client, buffer, parser, [&](beast::error_code ec, size_t) {
      read_error = ec;
      done = true;
    });
    BOOST_REQUIRE(run_until([&] { return done; }));
    if (read_error) return std::nullopt;
    return parser.release();
  }

  // Whether the server ended the connection (the next read finds end of stream).
  bool server_closed() {
    char byte = 0;
    bool done = false;
    beast::error_code error;
    client.async_read_some(net::buffer(&byte, 1), [&](beast::error_code ec, size_t) {
      error = ec;
      done = true;
    });
    BOOST_REQUIRE(run_until([&] { return done; }));
    return error == net::error::eof;
  }

  net::io_context ioc;
  tcp::acceptor acceptor;
  tcp::socket client;
  api::TransportLimits limits;
  api::UpgradeHandler upgrade = [](beast::tcp_stream, api::Request) {};
  std::shared_ptr<const api::StaticFiles> static_files;
  std::shared_ptr<api::HttpSession> session;
  beast::flat_buffer buffer;
  std::shared_ptr<std::string> outgoing;
  bool write_done = false;
  size_t written = 0;
  beast::error_code write_error;
  beast::error_code read_error;
};

std::string pattern_bytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + i % 23);
  return bytes;
}

std::string chunked(const std::string& body, size_t chunk_size) {
  std::string out;
  for (size_t at = 0; at < body.size(); at += chunk_size) {
    const auto piece = body.substr(at, chunk_size);
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
    out += size_line + piece + "\r\n";
  }
  return out + "0\r\n\r\n";
}

// A streamed-body handler that reads to the end and answers with what it saw.
struct StreamCounter {
  void attach(ScriptedHandler& handler) {
    handler.on_stream = [this](api::Request, std::shared_ptr<api::BodyStream> body,
                               api::ResponseSender send) {
      read_on(std::move(body), std::move(send));
    };
  }
  void read_on(std::shared_ptr<api::BodyStream> body, api::ResponseSender send) {
    auto* stream = body.get();
    stream->read_some(
        [this, body = std::move(body), send = std::move(send)](
            api::BodyStream::Status status, std::string_view data, bool last) mutable {
          if (status == api::BodyStream::Status::kTooLarge) {
            return send(plain(http::status::payload_too_large, "too large", false));
          }
          if (status != api::BodyStream::Status::kOk) {
            final_status = status;
            return send(plain(http::status::bad_request, "broken", false));
          }
          largest_chunk = std::max(largest_chunk, data.size());
          ++chunks;
          received.append(data);
          if (last) {
            reported = body->bytes_read();
            return send(plain(http::status::ok, std::to_string(received.size())));
          }
          read_on(std::move(body), std::move(send));
        });
  }

  std::string received;
  size_t largest_chunk = 0;
  size_t chunks = 0;
  std::uint64_t reported = 0;
  std::optional<api::BodyStream::Status> final_status;
};

class StaticRoot {
 public:
  StaticRoot() {
    std::random_device random;
    base_ = fs::temp_directory_path() / ("redress-static-" + std::to_string(random()));
    root_ = base_ / "console";
    fs::create_directories(root_ / "assets");
    write(root_ / "index.html", "<!doctype html><title>Redress</title>");
    write(root_ / "assets" / "app.1f2e.js", "console.log('redress');");
    write(root_ / ".env", "SECRET=1");
    write(base_ / "secret.txt", "outside the root");
    fs::create_symlink(base_ / "secret.txt", root_ / "leak.txt");
  }
  ~StaticRoot() {
    std::error_code ignored;
    fs::remove_all(base_, ignored);
  }
  const fs::path& root() const { return root_; }

 private:
  static void write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  fs::path base_;
  fs::path root_;
};

std::string get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra_headers + "\r\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_session)

// The bug: the server answered 413 and closed while the client was still sending; the unread
// bytes made the kernel reset the connection, and the reset destroyed the answer (and failed
// the client's write). With the lingering close the client finishes writing and reads the 413.
BOOST_AUTO_TEST_CASE(a_body_above_the_routes_limit_is_413_and_survives_the_unread_rest) {
  ScriptedHandler handler;
  Connection c(handler);
  const size_t size = 8 * 1024 * 1024;
  c.start_write(
      "POST /v1/cases HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(size) + "\r\n\r\n" + pattern_bytes(size));
  auto response = c.read_response();
  BOOST_REQUIRE(c.run_until([&] { return c.write_done; }));
  BOOST_TEST(!c.write_error, "the client's write failed: " + c.write_error.message());
  BOOST_REQUIRE_MESSAGE(response.has_value(), "no answer: " + c.read_error.message());
  BOOST_TEST(response->result_int() == 413);
  BOOST_TEST(response->body().find("larger than the limit of 1024 bytes") != std::string::npos);
  BOOST_TEST(!response->keep_alive());
  BOOST_TEST(handler.handled == 0);
  BOOST_TEST(c.server_closed());
}

BOOST_AUTO_TEST_CASE(a_chunked_body_growing_past_the_limit_is_413) {
  ScriptedHandler handler;
  Connection c(handler);
  c.start_write("POST /v1/cases HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunked(pattern_bytes(256 * 1024), 4096));
  auto response = c.read_response();
  BOOST_REQUIRE(c.run_until([&] { return c.write_done; }));
  BOOST_TEST(!c.write_error, c.write_error.message());
  BOOST_REQUIRE(response.has_value());
  BOOST_TEST(response->result_int() == 413);
  BOOST_TEST(handler.handled == 0);
}

BOOST_AUTO_TEST_CASE(a_route_that_takes_no_body_refuses_one_and_serves_requests_without) {
  ScriptedHandler handler;
  handler.next_plan.body = api::BodyPolicy::none();
  Connection c(handler);
  c.start_write(get("/v1/healthz"));
  auto first = c.read_response();
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(first->result_int() == 200);
  BOOST_TEST(first->body() == "handled /v1/healthz body=");
  c.start_write("DELETE /v1/tokens/t-1 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  auto second = c.read_response();
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST(second->result_int() == 413);
  BOOST_TEST(second->body().find("takes no request body") != std::string::npos);
  BOOST_TEST(handler.handled == 1);
}

BOOST_AUTO_TEST_CASE(a_body_within_the_limit_is_read_whole_and_the_connection_kept) {
  ScriptedHandler handler;
  Connection c(handler);
  for (int i = 0; i < 3; ++i) {
    c.start_write("POST /v1/x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody");
    auto response = c.read_response();
    BOOST_REQUIRE(response.has_value());
    BOOST_TEST(response->body() == "handled /v1/x body=body");
  }
  BOOST_TEST(handler.handled == 3);
  BOOST_TEST(handler.planned == 3);
}

// Bulk imports and attachments: many megabytes, never held whole by the transport.
BOOST_AUTO_TEST_CASE(a_streamed_body_reaches_the_handler_in_bounded_chunks) {
  ScriptedHandler handler;
  handler.next_plan.body = api::BodyPolicy::streamed(64 * 1024 * 1024);
  StreamCounter counter;
  counter.attach(handler);
  Connection c(handler);
  const auto body = pattern_bytes(20 * 1024 * 1024 + 17);
  c.start_write("POST /v1/imports HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
  auto response = c.read_response();
  BOOST_REQUIRE(response.has_value());
  BOOST_TEST(response->result_int() == 200);
  BOOST_TEST(response->body() == std::to_string(body.size()));
  BOOST_TEST((counter.received == body));
  BOOST_TEST(counter.reported == body.size());
  BOOST_TEST(counter.largest_chunk <= 64u * 1024);
  BOOST_TEST(counter.chunks > 300u);
  BOOST_TEST(handler.streamed == 1);
  BOOST_TEST(handler.handled == 0);

  // The body was read to its end: the connection serves the next request.
  handler.next_plan.body = api::BodyPolicy::buffered(1024);
  c.start_write(get("/v1/next"));
  auto next = c.read_response();
  BOOST_REQUIRE(next.has_value());
  BOOST_TEST(next->body() == "handled /v1/next body=");
}

BOOST_AUTO_TEST_CASE(a_chunked_streamed_body_past_its_limit_is_reported_to_the_handler) {
  ScriptedHandler handler;
  handler.next_plan.body = api::BodyPolicy::streamed(100 * 1024);
  StreamCounter counter;
  counter.attach(handler);
  Connection c(handler);
  c.start_write("POST /v1/imports HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunked(pattern_bytes(1024 * 1024), 8192));
  auto response = c.read_response();
  BOOST_REQUIRE(c.run_until([&] { return c.write_done; }));
  BOOST_TEST(!c.write_error, c.write_error.message());
  BOOST_REQUIRE(response.has_value());
  BOOST_TEST(response->result_int() == 413);
  BOOST_TEST(counter.received.size() <= 100u * 1024);
  BOOST_TEST(c.server_closed());
}

// A handler may refuse a streamed request before reading its body (the pipeline does so for a
// bad token): the connection cannot be reused, so it closes — after draining, so the answer
// arrives.
BOOST_AUTO_TEST_CASE(an_answer_before_the_end_of_a_streamed_body_closes_after_draining) {
  ScriptedHandler handler;
  handler.next_plan.body = api::BodyPolicy::streamed(64 * 1024 * 1024);
  handler.on_stream = [](api::Request, std::shared_ptr<api::BodyStream>, api::ResponseSender send) {
    send(plain(http::status::forbidden, "no"));
  };
  Connection c(handler);
  const size_t size = 4 * 1024 * 1024;
  c.start_write("POST /v1/imports HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(size) +
                "\r\n\r\n" + pattern_bytes(size));
  auto response = c.read_response();
  BOOST_REQUIRE(c.run_until([&] { return c.write_done; }));
  BOOST_TEST(!c.write_error, c.write_error.message());
  BOOST_REQUIRE(response.has_value());
  BOOST_TEST(response->result_int() == 403);
  BOOST_TEST(!response->keep_alive());
  BOOST_TEST(c.server_closed());
}

BOOST_AUTO_TEST_CASE(expect_100_continue_is_answered_before_the_body_is_sent) {
  ScriptedHandler handler;
  Connection c(handler);
  c.start_write(
      "POST /v1/x HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  auto interim = c.read_response();
  BOOST_REQUIRE(interim.has_value());
  BOOST_TEST(interim->result_int() == 100);
  BOOST_TEST(handler.handled == 0);
  c.start_write("hello");
  auto response = c.read_response();
  BOOST_REQUIRE(response.has_value());
  BOOST_TEST(response->body() == "handled /v1/x body=hello");
}

BOOST_AUTO_TEST_CASE(expect_100_continue_is_not_sent_for_a_body_that_is_refused) {
  ScriptedHandler handler;
  Connection c(handler);
  c.start_write(
      "POST /v1/x HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
      "Content-Length: 999999\r\n\r\n");
  auto response = c.read_response();
  BOOST_REQUIRE(response.has_value());
  BOOST_TEST(response->result_int() == 413);
}

BOOST_AUTO_TEST_CASE(the_console_is_served_from_its_directory_with_a_strict_policy) {
  StaticRoot files;
  ScriptedHandler handler;
  handler.next_plan = {api::RequestPlan::Destination::kStaticFile, api::BodyPolicy::none()};
  Connection c(handler, &files.root());

  c.start_write(get("/"));
  auto index = c.read_response();
  BOOST_REQUIRE(index.has_value());
  BOOST_TEST(index->result_int() == 200);
  BOOST_TEST(index->body() == "<!doctype html><title>Redress</title>");
  BOOST_TEST(std::string((*index)[http::field::content_type]) == "text/html; charset=utf-8");
  BOOST_TEST(std::string((*index)["Content-Security-Policy"]) ==
             api::StaticFiles::kContentSecurityPolicy);
  BOOST_TEST(std::string((*index)["X-Content-Type-Options"]) == "nosniff");
  BOOST_TEST(std::string((*index)[http::field::cache_control]) == "no-cache");
  const std::string etag((*index)[http::field::etag]);
  BOOST_TEST(!etag.empty());

  c.start_write(get("/assets/app.1f2e.js"));
  auto script = c.read_response();
  BOOST_REQUIRE(script.has_value());
  BOOST_TEST(script->body() == "console.log('redress');");
  BOOST_TEST(std::string((*script)[http::field::content_type]) == "text/javascript; charset=utf-8");
  BOOST_TEST(std::string((*script)[http::field::cache_control]).find("immutable") !=
             std::string::npos);

  // A client-side route of the console loads the console.
  c.start_write(get("/cases/C-7"));
  auto route = c.read_response();
  BOOST_REQUIRE(route.has_value());
  BOOST_TEST(route->result_int() == 200);
  BOOST_TEST(route->body() == index->body());

  c.start_write(get("/", "If-None-Match: " + etag + "\r\n"));
  auto unchanged = c.read_response();
  BOOST_REQUIRE(unchanged.has_value());
  BOOST_TEST(unchanged->result_int() == 304);
  BOOST_TEST(unchanged->body().empty());

  c.start_write("HEAD /assets/app.1f2e.js HTTP/1.1\r\nHost: t\r\n\r\n");
  auto head = c.read_response(/*head=*/true);
  BOOST_REQUIRE(head.has_value());
  BOOST_TEST(head->result_int() == 200);
  BOOST_TEST(std::string((*head)[http::field::content_length]) == "23");
  BOOST_TEST(handler.handled == 0);
}

BOOST_AUTO_TEST_CASE(the_console_never_serves_what_is_outside_or_hidden) {
  StaticRoot files;
  ScriptedHandler handler;
  handler.next_plan = {api::RequestPlan::Destination::kStaticFile, api::BodyPolicy::none()};
  Connection c(handler, &files.root());
  for (const std::string target :
       {"/.env", "/%2E%2E/secret.txt", "/assets/..%2F..%2Fsecret.txt", "/leak.txt", "/missing.png",
        "/assets/%00.js", "/..\\secret.txt"}) {
    c.start_write(get(target));
    auto response = c.read_response();
    BOOST_REQUIRE_MESSAGE(response.has_value(), target);
    BOOST_TEST((response->result_int() == 404 || response->result_int() == 400), target);
    BOOST_TEST(response->body().find("outside the root") == std::string::npos, target);
    BOOST_TEST(response->body().find("SECRET") == std::string::npos, target);
    BOOST_TEST(std::string((*response)[http::field::content_type]) == "application/problem+json",
               target);
  }
}

// Without a console directory, a request planned for static files goes to the API, which
// answers it (404 there).
BOOST_AUTO_TEST_CASE(without_a_console_static_plans_go_to_the_api) {
  ScriptedHandler handler;
  handler.next_plan = {api::RequestPlan::Destination::kStaticFile, api::BodyPolicy::none()};
  Connection c(handler);
  c.start_write(get("/index.html"));
  auto response = c.read_response();
  BOOST_REQUIRE(response.has_value());
  BOOST_TEST(response->body() == "handled /index.html body=");
  BOOST_TEST(handler.handled == 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
