// A blocking WebSocket client for tests, over a real socket (Boost.Beast).
//
// Every wait has a deadline: operations are started asynchronously on the client's own
// io_context, which is then run until they complete or the deadline passes. A read that missed
// its deadline stays pending and is picked up by the next read, so no message is lost. Nothing
// here sleeps: tests wait on conditions ("the next message arrives"), never on time.
//
// The implementation lives in websocket_test_client.cpp so that the WebSocket stream templates
// are compiled once, not in every test file; this header only needs the handshake response and
// close reason types (rfc6455.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
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
    // The server sends journal entries batched: {"type":"events","seq":S,"events":[..]}. Most
    // tests reason about entries, so read() hands out each entry as its own message,
    // {"type":"event","seq":..,"case_id":..,"case_seq":..,"topics":[..],"event":{..},
    // "batch_seq":S,"batch_size":N}. false: read() returns the server's messages as they are.
    bool split_events = true;
  };

  explicit WebSocketTestClient(std::uint16_t port);
  ~WebSocketTestClient();
  WebSocketTestClient(const WebSocketTestClient&) = delete;
  WebSocketTestClient& operator=(const WebSocketTestClient&) = delete;

  // Connects and performs the handshake. On refusal, `response()` holds the server's answer.
  boost::beast::error_code connect(const Connect& how,
                                   std::chrono::milliseconds deadline = kDefaultDeadline);

  const boost::beast::websocket::response_type& response() const;

  void send_text(const std::string& text, std::chrono::milliseconds deadline = kDefaultDeadline);
  void send(const nlohmann::json& message) { send_text(message.dump()); }

  // The next message, or nullopt when the deadline passed or the connection ended (closed()).
  std::optional<nlohmann::json> read(std::chrono::milliseconds deadline = kDefaultDeadline);

  // Reads until a message satisfies `wanted`; the others are appended to `skipped` if given.
  std::optional<nlohmann::json> read_until(const std::function<bool(const nlohmann::json&)>& wanted,
                                           std::vector<nlohmann::json>* skipped = nullptr,
                                           std::chrono::milliseconds deadline = kDefaultDeadline);

  // Reads until the connection ends (or the deadline); the messages read on the way are
  // appended to `seen` if given. True when it ended.
  bool read_until_closed(std::vector<nlohmann::json>* seen = nullptr,
                         std::chrono::milliseconds deadline = kDefaultDeadline);

  // Set once the connection ended: the error that ended it and, for a close frame, its reason.
  bool closed() const;
  boost::beast::error_code end_error() const;
  const boost::beast::websocket::close_reason& close_reason() const;

  // Starts the closing handshake and waits for it (best effort).
  void close(std::chrono::milliseconds deadline = kDefaultDeadline);

  // Drops the TCP connection without a closing handshake (a client that vanished).
  void drop();

 private:
  struct Impl;  // the io_context, the WebSocket stream and the received messages
  std::unique_ptr<Impl> impl_;
};

}  // namespace redress::testing
