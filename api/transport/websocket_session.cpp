#include "api/transport/websocket_session.h"

#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace redress::api {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = beast::websocket;

namespace {
// RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the close code.
constexpr size_t kMaxCloseReasonBytes = 123;
}  // namespace

WebSocketSession::WebSocketSession(beast::tcp_stream stream, std::uint64_t id, Principal principal,
                                   size_t queue_limit, std::shared_ptr<Owner> owner)
    : ws_(std::move(stream)),
      close_deadline_(ws_.get_executor()),
      id_(id),
      principal_(std::move(principal)),
      queue_limit_(queue_limit == 0 ? 1 : queue_limit),
      owner_(std::move(owner)) {}

WebSocketSession::~WebSocketSession() = default;

void WebSocketSession::run(Request upgrade, std::string subprotocol) {
  net::dispatch(ws_.get_executor(), [self = shared_from_this(), upgrade = std::move(upgrade),
                                     subprotocol = std::move(subprotocol)]() mutable {
    // The websocket stream keeps its own timeouts; the TCP stream's must stay off.
    beast::get_lowest_layer(self->ws_).expires_never();
    self->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    self->ws_.read_message_max(kMaxMessageBytes);
    self->ws_.set_option(
        websocket::stream_base::decorator([subprotocol](websocket::response_type& response) {
          response.set(http::field::server, "redress");
          if (!subprotocol.empty()) response.set(http::field::sec_websocket_protocol, subprotocol);
        }));
    self->ws_.async_accept(upgrade, beast::bind_front_handler(&WebSocketSession::on_accept, self));
  });
}

void WebSocketSession::on_accept(beast::error_code ec) {
  if (ec) return finish();
  bool resume_writing = false;
  {
    MutexLock lock(mutex_);
    accepted_ = true;
    resume_writing = std::exchange(write_parked_, false);
  }
  read();
  if (resume_writing) write_next();
}

void WebSocketSession::read() {
  ws_.async_read(buffer_,
                 beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
}

void WebSocketSession::on_read(beast::error_code ec, size_t) {
  // Closed by the peer, by our own close, a timeout, or a message above the limit (Beast has
  // already answered that one with 1009).
  if (ec) return finish();
  const auto self = shared_from_this();
  if (ws_.got_text()) {
    const auto data = buffer_.cdata();
    owner_->on_text(self, std::string_view(static_cast<const char*>(data.data()), data.size()));
  } else {
    owner_->on_binary(self);
  }
  buffer_.consume(buffer_.size());
  read();
}

WebSocketSession::Offer WebSocketSession::offer(std::shared_ptr<const std::string> message,
                                                std::optional<std::int64_t> position) {
  MutexLock lock(mutex_);
  if (finished_ || close_code_) return Offer::kClosed;
  if (queue_.size() + (in_flight_ ? 1 : 0) >= queue_limit_) return Offer::kFull;
  queue_.push_back({std::move(message), position});
  if (!sending_) {
    sending_ = true;
    net::post(ws_.get_executor(),
              beast::bind_front_handler(&WebSocketSession::write_next, shared_from_this()));
  }
  return Offer::kQueued;
}

void WebSocketSession::close(websocket::close_code code, std::string why) {
  {
    MutexLock lock(mutex_);
    if (finished_ || close_code_) return;
    close_code_ = code;
    close_why_ = std::move(why);
    queue_.clear();
    drain_wanted_ = false;
    if (!sending_) {
      sending_ = true;
      net::post(ws_.get_executor(),
                beast::bind_front_handler(&WebSocketSession::write_next, shared_from_this()));
    }
  }
  net::post(ws_.get_executor(),
            beast::bind_front_handler(&WebSocketSession::arm_close_deadline, shared_from_this()));
}

size_t WebSocketSession::room() const {
  MutexLock lock(mutex_);
  if (finished_ || close_code_) return 0;
  const size_t used = queue_.size() + (in_flight_ ? 1 : 0);
  return used >= queue_limit_ ? 0 : queue_limit_ - used;
}

bool WebSocketSession::notify_when_drained() {
  MutexLock lock(mutex_);
  if (finished_ || close_code_) return false;
  if (queue_.size() + (in_flight_ ? 1 : 0) <= queue_limit_ / 2) return false;
  drain_wanted_ = true;
  return true;
}

std::int64_t WebSocketSession::resume_seq() const {
  MutexLock lock(mutex_);
  return resume_seq_;
}

void WebSocketSession::write_next() {
  MutexLock lock(mutex_);
  if (finished_) {
    sending_ = false;
    return;
  }
  if (!accepted_) {
    // Beast's accept writes its response without the write lock that frames and closes take:
    // a close or a message started now would be a second write on the socket. on_accept
    // resumes (sending_ stays set, so nobody else posts meanwhile).
    write_parked_ = true;
    return;
  }
  if (close_code_) {
    if (close_started_) return;
    close_started_ = true;
    std::string reason = close_why_ + ": resume with after_seq=" + std::to_string(resume_seq_);
    if (reason.size() > kMaxCloseReasonBytes) reason.resize(kMaxCloseReasonBytes);
    const websocket::close_reason close_reason(*close_code_, reason);
    lock.unlock();
    ws_.async_close(close_reason,
                    beast::bind_front_handler(&WebSocketSession::on_close, shared_from_this()));
    return;
  }
  if (queue_.empty()) {
    sending_ = false;
    return;
  }
  writing_ = std::move(queue_.front());
  queue_.pop_front();
  in_flight_ = true;
  lock.unlock();
  ws_.text(true);
  ws_.async_write(net::buffer(*writing_->text),
                  beast::bind_front_handler(&WebSocketSession::on_write, shared_from_this()));
}

void WebSocketSession::on_write(beast::error_code ec, size_t) {
  bool drained = false;
  {
    MutexLock lock(mutex_);
    in_flight_ = false;
    if (!ec && writing_->position) resume_seq_ = *writing_->position;
    if (!ec && drain_wanted_ && queue_.size() <= queue_limit_ / 2) {
      drain_wanted_ = false;
      drained = true;
    }
  }
  writing_.reset();
  if (ec) return finish();
  if (drained) owner_->on_drained(shared_from_this());
  write_next();
}

void WebSocketSession::arm_close_deadline() {
  {
    MutexLock lock(mutex_);
    if (finished_) return;
  }
  close_deadline_.expires_after(kCloseGrace);
  close_deadline_.async_wait(
      beast::bind_front_handler(&WebSocketSession::on_close_deadline, shared_from_this()));
}

void WebSocketSession::on_close_deadline(beast::error_code ec) {
  if (ec == net::error::operation_aborted) return;
  {
    MutexLock lock(mutex_);
    if (finished_) return;
  }
  // The peer neither read our last messages nor answered the close: drop the connection. The
  // pending operations complete with errors and end the session.
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close();
  finish();
}

void WebSocketSession::on_close(beast::error_code) {
  finish();
}

void WebSocketSession::finish() {
  {
    MutexLock lock(mutex_);
    if (finished_) return;
    finished_ = true;
    queue_.clear();
    drain_wanted_ = false;
  }
  close_deadline_.cancel();
  // Whatever ended the session, release the socket now (a failed write may leave a read
  // pending on a half-open connection); pending operations complete with errors.
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  owner_->on_closed(id_);
}

}  // namespace redress::api
