#include "api/transport/http_session.h"

#include <algorithm>
#include <limits>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "api/http/problem.h"

namespace redress::api {

namespace beast = boost::beast;
namespace net = boost::asio;

// The BodyStream a handler reads a streamed body through. It holds the session alive while a
// read is pending and forwards every read to the session's strand.
class HttpSession::StreamedBody : public BodyStream,
                                  public std::enable_shared_from_this<StreamedBody> {
 public:
  explicit StreamedBody(std::shared_ptr<HttpSession> session) : session_(std::move(session)) {}

  void read_some(OnChunk on_chunk) override {
    auto counted = [self = shared_from_this(), on_chunk = std::move(on_chunk)](
                       Status status, std::string_view data, bool last) {
      self->bytes_read_ += data.size();
      on_chunk(status, data, last);
    };
    net::post(session_->executor_, [session = session_, counted = std::move(counted)]() mutable {
      session->read_body_chunk(std::move(counted));
    });
  }
  // Read on the connection's strand (inside on_chunk): no lock needed.
  std::uint64_t bytes_read() const override { return bytes_read_; }

 private:
  std::shared_ptr<HttpSession> session_;
  std::uint64_t bytes_read_ = 0;
};

HttpSession::HttpSession(net::ip::tcp::socket socket, RequestHandler& handler,
                         const TransportLimits& limits, const UpgradeHandler& upgrade,
                         const StaticFiles* static_files)
    : stream_(std::move(socket)),
      executor_(stream_.get_executor()),
      handler_(handler),
      limits_(limits),
      upgrade_(upgrade),
      static_files_(static_files) {}

HttpSession::~HttpSession() = default;

void HttpSession::run() {
  // Start on the strand: the socket was accepted on another executor.
  net::dispatch(executor_,
                beast::bind_front_handler(&HttpSession::wait_for_request, shared_from_this()));
}

void HttpSession::close_when_idle() {
  net::post(executor_, [self = shared_from_this()] {
    self->closing_ = true;
    if (self->upgraded_) return;
    if (!self->busy_ || self->lingering_) self->shutdown();
  });
}

// Waits for the first bytes of the next request under the idle timeout; the request itself is
// then read under the read timeout, so a keep-alive wait and a slow upload are bounded apart.
void HttpSession::wait_for_request() {
  if (closing_) return shutdown();
  if (buffer_.size() > 0) return read_head();  // a pipelined request is already buffered
  stream_.expires_after(limits_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                            self->on_first_bytes(ec, bytes);
                          });
}

void HttpSession::on_first_bytes(beast::error_code ec, size_t bytes) {
  if (ec) return shutdown();  // idle timeout, client closed, or shutdown
  buffer_.commit(bytes);
  read_head();
}

void HttpSession::read_head() {
  head_parser_.emplace();
  head_parser_->header_limit(static_cast<std::uint32_t>(limits_.header_limit));
  // The route chooses the body limit once the head is known (Beast would otherwise hold the
  // Content-Length to its default limit while it parses the head).
  head_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  stream_.expires_after(limits_.read_timeout);
  http::async_read_header(stream_, buffer_, *head_parser_,
                          beast::bind_front_handler(&HttpSession::on_head, shared_from_this()));
}

bool HttpSession::client_gone(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout ||
         ec == net::error::operation_aborted || ec == net::error::connection_reset ||
         ec == net::error::eof || ec == http::error::partial_message;
}

void HttpSession::on_head(beast::error_code ec, size_t) {
  if (ec == http::error::header_limit) {
    return reject_and_close(ErrorCode::kHeadersTooLarge,
                            "the request line and headers are larger than the limit of " +
                                std::to_string(limits_.header_limit) + " bytes");
  }
  if (client_gone(ec)) return shutdown();
  if (ec) {
    return reject_and_close(ErrorCode::kBadRequest,
                            "the request is not valid HTTP/1.1: " + ec.message());
  }
  const auto& head = head_parser_->get().base();
  const bool has_body = head_parser_->chunked() || head_parser_->content_length().value_or(0) > 0;

  if (beast::websocket::is_upgrade(head_parser_->get())) {
    // The upgrade request carries no body; its handshake is answered by the stream.
    return read_buffered_body(0, RequestPlan::Destination::kApi);
  }

  RequestPlan plan = handler_.plan(head);
  if (plan.destination == RequestPlan::Destination::kStaticFile && static_files_ != nullptr) {
    plan.body = BodyPolicy::none();
  } else {
    plan.destination = RequestPlan::Destination::kApi;
  }
  const std::uint64_t limit = plan.body.kind == BodyPolicy::Kind::kNone ? 0 : plan.body.limit;
  if (const auto length = head_parser_->content_length(); length && *length > limit) {
    body_pending_ = true;
    return reject_and_close(ErrorCode::kBodyTooLarge,
                            limit == 0 ? std::string("this endpoint takes no request body")
                                       : "the request body is larger than the limit of " +
                                             std::to_string(limit) + " bytes");
  }
  const auto destination = plan.destination;
  const auto next = [self = shared_from_this(), plan, limit, destination] {
    if (plan.body.kind == BodyPolicy::Kind::kStreamed) return self->start_streamed_body(limit);
    self->read_buffered_body(limit, destination);
  };
  const auto expect = head[http::field::expect];
  if (has_body && head.version() >= 11 && beast::iequals(expect, "100-continue")) {
    return continue_then(next);
  }
  next();
}

// RFC 9110 §10.1.1: a client that sent `Expect: 100-continue` waits (a while) for this interim
// answer before it sends the body; answering it at once saves the client that wait.
void HttpSession::continue_then(std::function<void()> next) {
  continue_ = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
  stream_.expires_after(limits_.write_timeout);
  http::async_write(
      stream_, *continue_,
      [self = shared_from_this(), next = std::move(next)](beast::error_code ec, size_t) {
        self->continue_.reset();
        if (ec) return self->shutdown();
        next();
      });
}

void HttpSession::read_buffered_body(std::uint64_t limit, RequestPlan::Destination destination) {
  buffered_parser_.emplace(std::move(*head_parser_));
  head_parser_.reset();
  buffered_parser_->body_limit(limit);
  body_limit_ = limit;
  stream_.expires_after(limits_.read_timeout);
  http::async_read(
      stream_, buffer_, *buffered_parser_,
      beast::bind_front_handler(&HttpSession::on_buffered_body, shared_from_this(), destination));
}

void HttpSession::on_buffered_body(RequestPlan::Destination destination, beast::error_code ec,
                                   size_t) {
  if (ec == http::error::body_limit) {
    body_pending_ = true;
    return reject_and_close(ErrorCode::kBodyTooLarge,
                            body_limit_ == 0 ? std::string("this endpoint takes no request body")
                                             : "the request body is larger than the limit of " +
                                                   std::to_string(body_limit_) + " bytes");
  }
  if (client_gone(ec)) return shutdown();
  if (ec) {
    body_pending_ = true;
    return reject_and_close(ErrorCode::kBadRequest,
                            "the request is not valid HTTP/1.1: " + ec.message());
  }
  Request request = buffered_parser_->release();
  buffered_parser_.reset();
  if (beast::websocket::is_upgrade(request)) {
    // The stream takes over the socket; this session ends here.
    stream_.expires_never();
    upgraded_ = true;
    upgrade_(std::move(stream_), std::move(request));
    return;
  }
  busy_ = true;
  if (destination == RequestPlan::Destination::kStaticFile) {
    if (closing_) request.keep_alive(false);
    return write(static_files_->serve(request));
  }
  handler_.handle(std::move(request), [self = shared_from_this()](Response response) {
    // Answers may come from the storage writer's thread: back onto the strand.
    net::post(self->executor_, [self, response = std::move(response)]() mutable {
      self->answer(std::move(response));
    });
  });
}

void HttpSession::start_streamed_body(std::uint64_t limit) {
  streamed_parser_.emplace(std::move(*head_parser_));
  head_parser_.reset();
  streamed_parser_->body_limit(limit);
  body_pending_ = !streamed_parser_->is_done();
  busy_ = true;
  Request head;
  head.base() = streamed_parser_->get().base();
  auto body = std::make_shared<StreamedBody>(shared_from_this());
  handler_.handle_streamed(std::move(head), body, [self = shared_from_this()](Response response) {
    net::post(self->executor_, [self, response = std::move(response)]() mutable {
      self->answer(std::move(response));
    });
  });
}

void HttpSession::read_body_chunk(BodyStream::OnChunk on_chunk) {
  const auto deliver = [this](BodyStream::OnChunk& callback, BodyStream::Status status,
                              size_t bytes, bool last) {
    // Never inside read_some(): the callback may call it again.
    net::post(executor_, [callback = std::move(callback), status, data = chunk_.data(), bytes,
                          last] { callback(status, std::string_view(data, bytes), last); });
  };
  if (!streamed_parser_ || lingering_) {
    return deliver(on_chunk, BodyStream::Status::kAborted, 0, true);
  }
  if (streamed_parser_->is_done()) {
    body_pending_ = false;
    return deliver(on_chunk, BodyStream::Status::kOk, 0, true);
  }
  streamed_parser_->get().body().data = chunk_.data();
  streamed_parser_->get().body().size = chunk_.size();
  streamed_parser_->get().body().more = true;
  stream_.expires_after(limits_.read_timeout);
  http::async_read(
      stream_, buffer_, *streamed_parser_,
      [self = shared_from_this(), on_chunk = std::move(on_chunk), deliver](beast::error_code ec,
                                                                           size_t) mutable {
        if (ec == http::error::need_buffer) ec = {};
        const size_t bytes = self->chunk_.size() - self->streamed_parser_->get().body().size;
        if (ec == http::error::body_limit) {
          return deliver(on_chunk, BodyStream::Status::kTooLarge, 0, true);
        }
        if (client_gone(ec)) {
          self->closing_ = true;  // nothing more can be read or answered on this connection
          return deliver(on_chunk, BodyStream::Status::kAborted, 0, true);
        }
        if (ec) return deliver(on_chunk, BodyStream::Status::kMalformed, 0, true);
        const bool last = self->streamed_parser_->is_done();
        if (last) self->body_pending_ = false;
        deliver(on_chunk, BodyStream::Status::kOk, bytes, last);
      });
}

void HttpSession::answer(Response response) {
  if (upgraded_) return;
  // Tell the client when this answer is the connection's last.
  if (closing_ || body_pending_) response.keep_alive(false);
  write(http::message_generator(std::move(response)));
}

void HttpSession::write(http::message_generator message) {
  // A body not read to its end leaves the stream in an unknown place: answer, then close.
  const bool close = closing_ || body_pending_ || !message.keep_alive();
  stream_.expires_after(limits_.write_timeout);
  beast::async_write(stream_, std::move(message),
                     beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), close));
}

void HttpSession::on_write(bool close, beast::error_code ec, size_t) {
  busy_ = false;
  streamed_parser_.reset();
  if (ec) return shutdown();
  if (close) return linger();
  wait_for_request();
}

void HttpSession::reject_and_close(ErrorCode code, const std::string& detail) {
  // The stream after a framing error or a refused body cannot be trusted: answer, then close.
  Request request;
  request.version(11);
  request.target("/");
  if (head_parser_ && head_parser_->is_header_done()) {
    request.target(head_parser_->get().target());
  } else if (buffered_parser_ && buffered_parser_->is_header_done()) {
    request.target(buffered_parser_->get().target());
  }
  request.keep_alive(false);
  head_parser_.reset();
  buffered_parser_.reset();
  busy_ = true;
  body_pending_ = true;
  Response response = problem_response(ApiProblem(code, detail), request);
  response.keep_alive(false);
  write(http::message_generator(std::move(response)));
}

// Lingering close: see TransportLimits. The answer is written; shut down the sending side (the
// client sees the end of the answer) and read what the client still sends until it closes or
// the bounds are reached, so the kernel has no unread bytes to answer with a reset.
void HttpSession::linger() {
  if (closing_ && !body_pending_) return shutdown();
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  lingering_ = true;
  busy_ = true;  // not idle: close_when_idle ends the linger, nothing else starts
  linger_until_ = std::chrono::steady_clock::now() + limits_.linger_time;
  lingered_bytes_ = 0;
  on_linger_read({}, 0);
}

void HttpSession::on_linger_read(beast::error_code ec, size_t bytes) {
  lingered_bytes_ += bytes;
  buffer_.consume(buffer_.size());
  const auto now = std::chrono::steady_clock::now();
  if (ec || !stream_.socket().is_open() || now >= linger_until_ ||
      lingered_bytes_ >= limits_.linger_bytes) {
    return shutdown();
  }
  stream_.expires_after(linger_until_ - now);
  stream_.async_read_some(buffer_.prepare(64 * 1024),
                          [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                            self->buffer_.commit(bytes);
                            self->on_linger_read(ec, bytes);
                          });
}

void HttpSession::shutdown() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace redress::api
