// HttpSession: one client connection speaking HTTP/1.1 with keep-alive (after Beast's
// advanced server example, one role per file).
//
// Each request is read in two steps: its head first, under `read_timeout`; then the handler's
// plan for that head (api/http/request_handler.h) says where it goes and what body it may carry,
// and the body is read accordingly — not at all (a body is 413), whole up to the route's limit
// (a Content-Length above it is 413 before any of it is read), or streamed to the handler chunk by
// chunk through a BodyStream. `Expect: 100-continue` is answered when the body is wanted. A
// WebSocket upgrade is handed to the upgrade handler with the socket; a plan for the console's
// static files is answered from StaticFiles when the server has them.
//
// Every read and write is bounded: an idle keep-alive connection is closed after
// `idle_timeout`; a request's head and buffered body must arrive within `read_timeout` (each
// read of a streamed body too); a response must be sent within `write_timeout`. Headers above
// `header_limit` get 431. Requests on one connection are answered in order, one at a time.
// When the server answers and closes while the client may still be sending (a refused body, an
// answer before the end of a streamed body), it closes lingeringly (TransportLimits), so that
// the answer is not destroyed by a connection reset.
//
// Lifetime: the session lives as long as an operation of it is pending (shared_from_this bound
// into each handler). Shutdown: `close_when_idle` closes at once when waiting for a request or
// lingering, and after the current response otherwise.
//
// Thread-safety: all work runs on the connection's strand; close_when_idle may be called from
// any thread.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/http/http_types.h"
#include "api/http/request_handler.h"
#include "api/transport/static_files.h"
#include "api/transport/transport_limits.h"
#include "engine/error_code.h"

namespace redress::api {

using UpgradeHandler = std::function<void(boost::beast::tcp_stream stream, Request request)>;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `handler`, `limits`, `upgrade` and `static_files` (null: no static files) must outlive the
  // session (the Listener owns or borrows them for its lifetime).
  HttpSession(boost::asio::ip::tcp::socket socket, RequestHandler& handler,
              const TransportLimits& limits, const UpgradeHandler& upgrade,
              const StaticFiles* static_files = nullptr);
  ~HttpSession();

  void run();
  // Thread-safe: ask the session to finish its current request and close.
  void close_when_idle();

 private:
  class StreamedBody;
  using BufferedParser = http::request_parser<http::string_body>;
  using StreamedParser = http::request_parser<http::buffer_body>;

  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, size_t bytes);
  void read_head();
  void on_head(boost::beast::error_code ec, size_t bytes);
  void continue_then(std::function<void()> next);
  void read_buffered_body(std::uint64_t limit, RequestPlan::Destination destination);
  void on_buffered_body(RequestPlan::Destination destination, boost::beast::error_code ec,
                        size_t bytes);
  void start_streamed_body(std::uint64_t limit);
  void read_body_chunk(BodyStream::OnChunk on_chunk);
  void answer(Response response);
  void write(http::message_generator message);
  void on_write(bool close, boost::beast::error_code ec, size_t bytes);
  void reject_and_close(ErrorCode code, const std::string& detail);
  // True for read errors that mean the client is gone (no answer can reach it).
  static bool client_gone(boost::beast::error_code ec);
  void linger();
  void on_linger_read(boost::beast::error_code ec, size_t bytes);
  void shutdown();

  boost::beast::tcp_stream stream_;
  // The connection's strand, kept apart from stream_: close_when_idle runs on another thread,
  // and reading stream_ there would race with an upgrade moving it away on the strand.
  const boost::beast::tcp_stream::executor_type executor_;
  boost::beast::flat_buffer buffer_;
  RequestHandler& handler_;
  const TransportLimits& limits_;
  const UpgradeHandler& upgrade_;
  const StaticFiles* static_files_;
  // One of these parses the current request: the head first, then the parser for its body kind,
  // converted from the head parser (Beast moves the parsed head across).
  std::optional<http::request_parser<http::empty_body>> head_parser_;
  std::optional<BufferedParser> buffered_parser_;
  std::optional<StreamedParser> streamed_parser_;
  std::array<char, 64 * 1024> chunk_{};  // a streamed body's chunks land here
  std::shared_ptr<http::response<http::empty_body>> continue_;  // kept alive while written
  std::uint64_t body_limit_ = 0;  // of the current request, for the 413's detail
  bool busy_ = false;             // a request is being handled or answered
  bool body_pending_ = false;     // the current request's body was not read to its end
  bool closing_ = false;
  bool upgraded_ = false;  // stream_ was handed to the upgrade handler: nothing left to close
  bool lingering_ = false;
  std::chrono::steady_clock::time_point linger_until_{};
  std::uint64_t lingered_bytes_ = 0;
};

}  // namespace redress::api
