// A blocking WebSocket client for tests, over a real socket (Boost.Beast).
//
// Every wait has a deadline: operations are started asynchronously on the client's own
// io_context, which is then run until they complete or the deadline passes. A read that missed
// its deadline stays pending and is picked up by the next read, so no message is lost. Nothing
// here sleeps: tests wait on conditions ("the next message arrives"), never on time.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace redress::testing {

class WebSocketTestClient {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kDefaultDeadline{20};

  struct Connect {
    std::string target = "/v1/stream";
    std::string token;                   // sent as Authorization: Bearer <token> unless empty
    std::vector<std::string> protocols;  // Sec-WebSocket-Protocol, in order
    int receive_buffer = 0;              // SO_RCVBUF before connecting (0: the system's default)
  };

  explicit WebSocketTestClient(std::uint16_t port) : port_(port), ws_(ioc_) {}

  // Connects and performs the handshake. On refusal, `response()` holds the server's answer.
  boost::beast::error_code connect(const Connect& how,
                                   std::chrono::milliseconds deadline = kDefaultDeadline) {
    namespace net = boost::asio;
    namespace websocket = boost::beast::websocket;
    boost::beast::error_code ec;
    auto& socket = boost::beast::get_lowest_layer(ws_).socket();
    socket.open(net::ip::tcp::v4(), ec);
    if (ec) return ec;
    if (how.receive_buffer > 0) {
      socket.set_option(net::socket_base::receive_buffer_size(how.receive_buffer), ec);
      if (ec) return ec;
    }
    socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    if (ec) return ec;
    ws_.set_option(websocket::stream_base::decorator([how](websocket::request_type& request) {
      if (!how.token.empty())
        request.set(boost::beast::http::field::authorization, "Bearer " + how.token);
      std::string protocols;
      for (const auto& p : how.protocols) protocols += (protocols.empty() ? "" : ", ") + p;
      if (!protocols.empty()) {
        request.set(boost::beast::http::field::sec_websocket_protocol, protocols);
      }
    }));
    ws_.read_message_max(64 * 1024 * 1024);
    bool done = false;
    ws_.async_handshake(response_, "127.0.0.1", how.target, [&](boost::beast::error_code e) {
      ec = e;
      done = true;
    });
    if (!run_until([&] { return done; }, deadline)) return boost::beast::error::timeout;
    return ec;
  }

  const boost::beast::websocket::response_type& response() const { return response_; }

  void send_text(const std::string& text, std::chrono::milliseconds deadline = kDefaultDeadline) {
    auto message = std::make_shared<std::string>(text);
    bool done = false;
    boost::beast::error_code ec;
    ws_.text(true);
    ws_.async_write(boost::asio::buffer(*message),
                    [&, message](boost::beast::error_code e, size_t) {
                      ec = e;
                      done = true;
                    });
    if (!run_until([&] { return done; }, deadline)) throw std::runtime_error("write timed out");
    if (ec) throw std::runtime_error("write failed: " + ec.message());
  }
  void send(const nlohmann::json& message) { send_text(message.dump()); }

  // The next message, or nullopt when the deadline passed or the connection ended (closed()).
  std::optional<nlohmann::json> read(std::chrono::milliseconds deadline = kDefaultDeadline) {
    if (inbox_.empty() && !ended_) {
      start_read();
      run_until([&] { return !inbox_.empty() || ended_; }, deadline);
    }
    if (inbox_.empty()) return std::nullopt;
    auto text = std::move(inbox_.front());
    inbox_.pop_front();
    return nlohmann::json::parse(text);
  }

  // Reads until a message satisfies `wanted`; the others are appended to `skipped` if given.
  std::optional<nlohmann::json> read_until(const std::function<bool(const nlohmann::json&)>& wanted,
                                           std::vector<nlohmann::json>* skipped = nullptr,
                                           std::chrono::milliseconds deadline = kDefaultDeadline) {
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

  // Reads until the connection ends (or the deadline); the messages read on the way are
  // appended to `seen` if given. True when it ended.
  bool read_until_closed(std::vector<nlohmann::json>* seen = nullptr,
                         std::chrono::milliseconds deadline = kDefaultDeadline) {
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
      auto message =
          read(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()));
      if (message) {
        if (seen) seen->push_back(std::move(*message));
        continue;
      }
      if (ended_) return true;
    }
    return ended_;
  }

  // Set once the connection ended: the error that ended it and, for a close frame, its reason.
  bool closed() const { return ended_; }
  boost::beast::error_code end_error() const { return end_error_; }
  const boost::beast::websocket::close_reason& close_reason() const { return ws_.reason(); }

  // Starts the closing handshake and waits for it (best effort).
  void close(std::chrono::milliseconds deadline = kDefaultDeadline) {
    if (ended_ || !ws_.is_open()) return;
    bool done = false;
    ws_.async_close(boost::beast::websocket::close_code::normal,
                    [&](boost::beast::error_code) { done = true; });
    run_until([&] { return done && (!reading_ || ended_); }, deadline);
  }

  // Drops the TCP connection without a closing handshake (a client that vanished).
  void drop() {
    boost::beast::error_code ignored;
    boost::beast::get_lowest_layer(ws_).socket().close(ignored);
    run_until([&] { return !reading_; }, std::chrono::seconds(5));
  }

 private:
  void start_read() {
    if (reading_) return;
    reading_ = true;
    ws_.async_read(buffer_, [this](boost::beast::error_code ec, size_t) {
      reading_ = false;
      if (ec) {
        ended_ = true;
        end_error_ = ec;
        return;
      }
      inbox_.push_back(boost::beast::buffers_to_string(buffer_.data()));
      buffer_.consume(buffer_.size());
    });
  }

  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
    const auto until = Clock::now() + deadline;
    while (!condition()) {
      if (Clock::now() >= until) return false;
      ioc_.restart();
      ioc_.run_one_until(until);
    }
    return true;
  }

  std::uint16_t port_;
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::websocket::response_type response_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> inbox_;
  bool reading_ = false;
  bool ended_ = false;
  boost::beast::error_code end_error_;
};

}  // namespace redress::testing
