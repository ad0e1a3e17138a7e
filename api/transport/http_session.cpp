#include "api/transport/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "api/http/problem.h"

namespace redress::api {

namespace beast = boost::beast;
namespace net = boost::asio;

HttpSession::HttpSession(net::ip::tcp::socket socket, const RequestHandler& handle,
                         const ServerConfig& config, const UpgradeHandler& upgrade)
    : stream_(std::move(socket)),
      executor_(stream_.get_executor()),
      handle_(handle),
      config_(config),
      upgrade_(upgrade) {}

HttpSession::~HttpSession() = default;

void HttpSession::run() {
  // Start on the strand: the socket was accepted on another executor.
  net::dispatch(executor_,
                beast::bind_front_handler(&HttpSession::wait_for_request, shared_from_this()));
}

void HttpSession::close_when_idle() {
  net::post(executor_, [self = shared_from_this()] {
    self->closing_ = true;
    if (!self->busy_ && !self->upgraded_) self->shutdown();
  });
}

// Waits for the first bytes of the next request under the idle timeout; the request itself is
// then read under the read timeout, so a keep-alive wait and a slow upload are bounded apart.
void HttpSession::wait_for_request() {
  if (closing_) return shutdown();
  if (buffer_.size() > 0) return read_request();  // a pipelined request is already buffered
  stream_.expires_after(config_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                            self->on_first_bytes(ec, bytes);
                          });
}

void HttpSession::on_first_bytes(beast::error_code ec, size_t bytes) {
  if (ec) return shutdown();  // idle timeout, client closed, or shutdown
  buffer_.commit(bytes);
  read_request();
}

void HttpSession::read_request() {
  parser_.emplace();
  parser_->body_limit(config_.body_limit);
  parser_->header_limit(static_cast<std::uint32_t>(config_.header_limit));
  stream_.expires_after(config_.read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, size_t) {
  if (ec == http::error::body_limit) {
    return reject_and_close("BODY_TOO_LARGE", "the request body is larger than the limit of " +
                                                  std::to_string(config_.body_limit) + " bytes");
  }
  if (ec == http::error::header_limit) {
    return reject_and_close("HEADERS_TOO_LARGE",
                            "the request line and headers are larger than the limit of " +
                                std::to_string(config_.header_limit) + " bytes");
  }
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset ||
      ec == net::error::eof) {
    return shutdown();
  }
  if (ec) {
    return reject_and_close("BAD_REQUEST", "the request is not valid HTTP/1.1: " + ec.message());
  }
  Request request = parser_->release();
  parser_.reset();
  if (beast::websocket::is_upgrade(request)) {
    // The stream takes over the socket; this session ends here.
    stream_.expires_never();
    upgraded_ = true;
    upgrade_(std::move(stream_), std::move(request));
    return;
  }
  busy_ = true;
  handle_(std::move(request), [self = shared_from_this()](Response response) {
    // Answers may come from the storage writer's thread: back onto the strand.
    net::post(self->executor_, [self, response = std::move(response)]() mutable {
      self->send(std::move(response));
    });
  });
}

void HttpSession::send(Response response) {
  if (closing_) response.keep_alive(false);
  const bool close = !response.keep_alive();
  response_ = std::make_shared<Response>(std::move(response));
  stream_.expires_after(config_.write_timeout);
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), close));
}

void HttpSession::on_write(bool close, beast::error_code ec, size_t) {
  busy_ = false;
  response_.reset();
  if (ec || close) return shutdown();
  wait_for_request();
}

void HttpSession::reject_and_close(const std::string& code, const std::string& detail) {
  // The stream after a framing error cannot be trusted: answer, then close.
  Request request;
  request.version(11);
  request.target("/");
  if (parser_ && parser_->is_header_done()) {
    request.target(parser_->get().target());
  }
  request.keep_alive(false);
  parser_.reset();
  busy_ = true;
  Response response = problem_response(ApiProblem{code, detail, {}, {}, {}}, request);
  response.keep_alive(false);
  send(std::move(response));
}

void HttpSession::shutdown() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace redress::api
