// WebSocketSession: one client of GET /v1/stream after its upgrade — the transport half of the
// live-update stream (after Beast's chat-multi websocket_session, one role per file).
//
// It completes the WebSocket handshake on the upgrade request it was handed, then reads text
// messages and passes each to its Owner (the StreamHub, which speaks the protocol), and writes
// the messages offered to it in order. What it adds to the example:
//   - a bounded send queue: `offer` refuses a message once `queue_limit` messages are waiting
//     (the one being written included) — the owner then closes the session as a slow consumer
//     instead of buffering without limit;
//   - a resume point: each offered message may carry a journal position; the position of the
//     last message actually written is the `after_seq` a client can resume from, and every
//     close the server starts tells it: "<why>: resume with after_seq=<N>";
//   - bounded reads: at most kMaxMessageBytes per message (larger: Beast closes with 1009), and
//     Beast's suggested server timeouts (handshake 30 s, idle pings);
//   - a bounded close: a close that cannot be sent or answered within kCloseGrace (a peer that
//     stopped reading leaves the last write stuck) closes the socket.
//
// Lifetime: the session lives as long as an operation of it is pending (shared_from_this bound
// into each handler) and keeps its Owner alive through a shared_ptr.
//
// Thread-safety: `offer`, `close`, `room`, `notify_when_drained`, `resume_seq` and the
// accessors may be called from any thread (a small mutex guards the queue). Everything else
// runs on the stream's executor, which must be a strand when the io_context has several threads
// (the Listener gives each connection its own).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "api/http/http_types.h"
#include "api/http/request_context.h"
#include "engine/mutex.h"

namespace redress::api {

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  static constexpr size_t kMaxMessageBytes = 64 * 1024;
  static constexpr std::chrono::seconds kCloseGrace{5};

  // What the session reports to whoever speaks the protocol over it. Calls come from the
  // session's strand; implementations must not block.
  class Owner {
   public:
    virtual ~Owner() = default;
    // One complete text message from the client.
    virtual void on_text(const std::shared_ptr<WebSocketSession>& session,
                         std::string_view text) = 0;
    // A binary message (the protocol is text only).
    virtual void on_binary(const std::shared_ptr<WebSocketSession>& session) = 0;
    // The queue fell to half its limit after notify_when_drained() asked for it.
    virtual void on_drained(const std::shared_ptr<WebSocketSession>& session) = 0;
    // The session ended (handshake failed, peer closed, error, or a close completed). Called
    // exactly once, also when the handshake never completed.
    virtual void on_closed(std::uint64_t session_id) = 0;
  };

  enum class Offer { kQueued, kFull, kClosed };

  // `subprotocol`: echoed in Sec-WebSocket-Protocol when non-empty (it must be one the client
  // offered).
  WebSocketSession(boost::beast::tcp_stream stream, std::uint64_t id, Principal principal,
                   size_t queue_limit, std::shared_ptr<Owner> owner);
  ~WebSocketSession();

  // Answers the upgrade request, then reads messages until the connection ends.
  void run(Request upgrade, std::string subprotocol);

  // Queues a text message. `position`: the journal sequence the client has seen everything of
  // (for its subscription) once this message is written; nullopt for messages that say nothing
  // about the journal (pong, errors). kFull: the queue is at its limit and nothing was queued.
  Offer offer(std::shared_ptr<const std::string> message,
              std::optional<std::int64_t> position = std::nullopt);
  // Drops what is queued, lets the message being written finish, then sends a close frame with
  // `code` and the reason "<why>: resume with after_seq=<resume_seq()>". Later calls are
  // ignored.
  void close(boost::beast::websocket::close_code code, std::string why);

  // How many more messages offer() would accept now.
  size_t room() const;
  // Asks for one Owner::on_drained call once the queue is at most half full. Returns false,
  // asking for nothing, when it already is (or the session is closing): act now instead.
  bool notify_when_drained();
  // The position of the last message written to the socket (0 before any).
  std::int64_t resume_seq() const;

  std::uint64_t id() const { return id_; }
  const Principal& principal() const { return principal_; }

 private:
  struct Outgoing {
    std::shared_ptr<const std::string> text;
    std::optional<std::int64_t> position;
  };

  void on_accept(boost::beast::error_code ec);
  void read();
  void on_read(boost::beast::error_code ec, size_t bytes);
  void write_next();
  void on_write(boost::beast::error_code ec, size_t bytes);
  void on_close(boost::beast::error_code ec);
  void arm_close_deadline();
  void on_close_deadline(boost::beast::error_code ec);
  void finish();  // on the strand: the session is over

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  boost::asio::steady_timer close_deadline_;
  const std::uint64_t id_;
  const Principal principal_;
  const size_t queue_limit_;
  std::shared_ptr<Owner> owner_;
  std::optional<Outgoing> writing_;  // strand only: the message being written

  mutable Mutex mutex_;
  std::deque<Outgoing> queue_ GUARDED_BY(mutex_);  // waiting to be written
  bool sending_ GUARDED_BY(mutex_) =
      false;  // a write, a close, or a post of write_next is under way
  bool in_flight_ GUARDED_BY(mutex_) =
      false;  // writing_ holds a message (counted against the limit)
  std::optional<boost::beast::websocket::close_code> close_code_
      GUARDED_BY(mutex_);  // a close was requested
  std::string close_why_ GUARDED_BY(mutex_);
  bool close_started_ GUARDED_BY(mutex_) = false;
  bool accepted_ GUARDED_BY(mutex_) = false;  // the handshake completed: frames may be written
  bool write_parked_ GUARDED_BY(mutex_) =
      false;  // write_next found the handshake under way; on_accept resumes
  bool drain_wanted_ GUARDED_BY(mutex_) = false;
  bool finished_ GUARDED_BY(mutex_) = false;
  std::int64_t resume_seq_ GUARDED_BY(mutex_) = 0;
};

}  // namespace redress::api
