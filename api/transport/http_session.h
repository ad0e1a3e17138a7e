// HttpSession: one client connection speaking HTTP/1.1 with keep-alive (after Beast's
// advanced server example, one role per file).
//
// Every read and write is bounded: an idle keep-alive connection is closed after
// `idle_timeout`; once a request starts it must arrive within `read_timeout`; a response must
// be sent within `write_timeout`. Bodies above `body_limit` get 413 and headers above
// `header_limit` get 431, then the connection closes (the rest of the stream cannot be trusted).
// Requests on one connection are answered in order, one at a time. A WebSocket upgrade to
// /v1/stream is handed to the server's upgrade handler with the socket.
//
// Lifetime: the session lives as long as an operation of it is pending (shared_from_this bound
// into each handler). Shutdown: `close_when_idle` closes at once when waiting for a request and
// after the current response otherwise.
//
// Thread-safety: all work runs on the connection's strand.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/http/http_types.h"
#include "api/http/server_config.h"

namespace redress::api {

using UpgradeHandler = std::function<void(boost::beast::tcp_stream stream, Request request)>;
// Answers one request; `send` is called exactly once, possibly from another thread
// (RequestPipeline::handle).
using RequestHandler = std::function<void(Request request, std::function<void(Response)> send)>;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `handle` and `upgrade` must outlive the session (the Listener owns them).
  HttpSession(boost::asio::ip::tcp::socket socket, const RequestHandler& handle,
              const ServerConfig& config, const UpgradeHandler& upgrade);
  ~HttpSession();

  void run();
  // Thread-safe: ask the session to finish its current request and close.
  void close_when_idle();

 private:
  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, size_t bytes);
  void read_request();
  void on_read(boost::beast::error_code ec, size_t bytes);
  void send(Response response);
  void on_write(bool close, boost::beast::error_code ec, size_t bytes);
  void reject_and_close(const std::string& code, const std::string& detail);
  void shutdown();

  boost::beast::tcp_stream stream_;
  // The connection's strand, kept apart from stream_: close_when_idle runs on another thread,
  // and reading stream_ there would race with an upgrade moving it away on the strand.
  const boost::beast::tcp_stream::executor_type executor_;
  boost::beast::flat_buffer buffer_;
  const RequestHandler& handle_;
  const ServerConfig& config_;
  const UpgradeHandler& upgrade_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> response_;  // kept alive while it is written
  bool busy_ = false;                   // a request is being handled or answered
  bool closing_ = false;
  bool upgraded_ = false;  // stream_ was handed to the upgrade handler: nothing left to close
};

}  // namespace redress::api
