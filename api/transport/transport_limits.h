// TransportLimits: the bounds every connection is held to, whatever it asks for. Body limits
// are not here: the route a request matches chooses its own (api/http/request_handler.h).
//
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace redress::api {

struct TransportLimits {
  // A keep-alive connection waiting this long for the first byte of its next request is closed.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // Once a request starts, its head and (buffered) body must arrive within this time; a streamed
  // body must keep moving: each of its reads must complete within it.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  // A response must be written within this time.
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // Bytes of the request line and headers; more is answered 431.
  std::size_t header_limit = 16 * 1024;
  // Open connections (HTTP and upgraded WebSocket) beyond which new ones are closed at once.
  std::size_t max_connections = 10000;
  // Lingering close, after nginx's: when the server answers and closes while the client may
  // still be sending (a refused body), it shuts down its sending side and reads and discards what
  // still arrives — until the client closes, `linger_time` passes or `linger_bytes` were read —
  // before it closes the socket. Closing at once with unread bytes makes the kernel reset the
  // connection, which destroys the answer before the client reads it.
  std::chrono::milliseconds linger_time{std::chrono::seconds(5)};
  std::uint64_t linger_bytes = 64 * 1024 * 1024;
};

}  // namespace redress::api
