// Implementation of tests/api/websocket_test_client.h (see there). Not a test suite: the name
// must not end in _test.cpp.
#include "tests/api/websocket_test_client.h"

#include <deque>
#include <stdexcept>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/test/unit_test.hpp>

namespace redress::testing {

struct WebSocketTestClient::Impl {
  explicit Impl(std::uint16_t port) : port(port), ws(ioc) {}

  void start_read() {
    if (reading) return;
    reading = true;
    ws.async_read(buffer, [this](boost::beast::error_code ec, size_t) {
      reading = false;
      if (ec) {
        ended = true;
        end_error = ec;
        return;
      }
      inbox.push_back(boost::beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
    });
  }

  // Ends a timed-out operation whose handler refers to the caller's stack: closing the socket
  // makes it complete (with an error) now, before that stack goes away.
  void abandon(const bool& done) {
    boost::beast::error_code ignored;
    boost::beast::get_lowest_layer(ws).socket().close(ignored);
    run_until([&] { return done; }, std::chrono::seconds(10));
    BOOST_REQUIRE_MESSAGE(done, "a cancelled WebSocket operation never completed");
  }

  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
    const auto until = Clock::now() + deadline;
    while (!condition()) {
      if (Clock::now() >= until) return false;
      ioc.restart();
      ioc.run_one_until(until);
    }
    return true;
  }

  std::uint16_t port;
  boost::asio::io_context ioc;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws;
  boost::beast::websocket::response_type response;
  boost::beast::flat_buffer buffer;
  std::deque<std::string> inbox;
  bool split_events = true;
  std::deque<nlohmann::json> split;  // entries of an "events" message not handed out yet
  bool reading = false;
  bool ended = false;
  boost::beast::error_code end_error;
};

WebSocketTestClient::WebSocketTestClient(std::uint16_t port)
    : impl_(std::make_unique<Impl>(port)) {}
WebSocketTestClient::~WebSocketTestClient() = default;

boost::beast::error_code WebSocketTestClient::connect(const Connect& how,
                                                      std::chrono::milliseconds deadline) {
  namespace net = boost::asio;
  namespace websocket = boost::beast::websocket;
  auto& ws = impl_->ws;
  impl_->split_events = how.split_events;
  boost::beast::error_code ec;
  auto& socket = boost::beast::get_lowest_layer(ws).socket();
  socket.open(net::ip::tcp::v4(), ec);
  if (ec) return ec;
  if (how.receive_buffer > 0) {
    socket.set_option(net::socket_base::receive_buffer_size(how.receive_buffer), ec);
    if (ec) return ec;
  }
  socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), impl_->port), ec);
  if (ec) return ec;
  ws.set_option(websocket::stream_base::decorator([how](websocket::request_type& request) {
    if (!how.token.empty())
      request.set(boost::beast::http::field::authorization, "Bearer " + how.token);
    std::string protocols;
    for (const auto& p : how.protocols) protocols += (protocols.empty() ? "" : ", ") + p;
    if (!protocols.empty()) {
      request.set(boost::beast::http::field::sec_websocket_protocol, protocols);
    }
  }));
  ws.read_message_max(64 * 1024 * 1024);
  bool done = false;
  ws.async_handshake(impl_->response, "127.0.0.1", how.target, [&](boost::beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!impl_->run_until([&] { return done; }, deadline)) {
    impl_->abandon(done);
    return boost::beast::error::timeout;
  }
  return ec;
}

const boost::beast::websocket::response_type& WebSocketTestClient::response() const {
  return impl_->response;
}

void WebSocketTestClient::send_text(const std::string& text, std::chrono::milliseconds deadline) {
  auto message = std::make_shared<std::string>(text);
  bool done = false;
  boost::beast::error_code ec;
  impl_->ws.text(true);
  impl_->ws.async_write(boost::asio::buffer(*message),
                        [&, message](boost::beast::error_code e, size_t) {
                          ec = e;
                          done = true;
                        });
  if (!impl_->run_until([&] { return done; }, deadline)) {
    impl_->abandon(done);
    throw std::runtime_error("write timed out");
  }
  if (ec) throw std::runtime_error("write failed: " + ec.message());
}

std::optional<nlohmann::json> WebSocketTestClient::read(std::chrono::milliseconds deadline) {
  auto& split = impl_->split;
  if (!split.empty()) {
    auto entry = std::move(split.front());
    split.pop_front();
    return entry;
  }
  auto& inbox = impl_->inbox;
  if (inbox.empty() && !impl_->ended) {
    impl_->start_read();
    impl_->run_until([&] { return !inbox.empty() || impl_->ended; }, deadline);
  }
  if (inbox.empty()) return std::nullopt;
  auto message = nlohmann::json::parse(inbox.front());
  inbox.pop_front();
  if (!impl_->split_events || message.value("type", "") != "events") return message;
  const auto& entries = message.at("events");
  BOOST_REQUIRE_MESSAGE(!entries.empty(), "an events message without entries");
  BOOST_TEST(message.at("seq") == entries.back().at("seq"));
  for (const auto& entry : entries) {
    auto one = entry;
    one["type"] = "event";
    one["batch_seq"] = message.at("seq");
    one["batch_size"] = entries.size();
    split.push_back(std::move(one));
  }
  auto first = std::move(split.front());
  split.pop_front();
  return first;
}

std::optional<nlohmann::json> WebSocketTestClient::read_until(
    const std::function<bool(const nlohmann::json&)>& wanted, std::vector<nlohmann::json>* skipped,
    std::chrono::milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until) {
    auto message =
        read(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()));
    if (!message) return std::nullopt;
    if (wanted(*message)) return message;
    if (skipped) skipped->push_back(std::move(*message));
  }
  return std::nullopt;
}

bool WebSocketTestClient::read_until_closed(std::vector<nlohmann::json>* seen,
                                            std::chrono::milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until) {
    auto message =
        read(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()));
    if (message) {
      if (seen) seen->push_back(std::move(*message));
      continue;
    }
    if (impl_->ended) return true;
  }
  return impl_->ended;
}

bool WebSocketTestClient::closed() const {
  return impl_->ended;
}

boost::beast::error_code WebSocketTestClient::end_error() const {
  return impl_->end_error;
}

const boost::beast::websocket::close_reason& WebSocketTestClient::close_reason() const {
  return impl_->ws.reason();
}

void WebSocketTestClient::close(std::chrono::milliseconds deadline) {
  if (impl_->ended || !impl_->ws.is_open()) return;
  bool done = false;
  impl_->ws.async_close(boost::beast::websocket::close_code::normal,
                        [&](boost::beast::error_code) { done = true; });
  if (!impl_->run_until([&] { return done && (!impl_->reading || impl_->ended); }, deadline)) {
    impl_->abandon(done);
  }
}

void WebSocketTestClient::drop() {
  boost::beast::error_code ignored;
  boost::beast::get_lowest_layer(impl_->ws).socket().close(ignored);
  impl_->run_until([&] { return !impl_->reading; }, std::chrono::seconds(5));
}

}  // namespace redress::testing
