// Listener: accepts connections and starts an HttpSession for each (Beast's example shape).
//
// It keeps weak references to its sessions so that shutdown can ask each one to close, and
// refuses connections beyond `max_connections` (closed at once) so that a flood of sockets
// cannot exhaust file descriptors. WebSocket streams count too: they are connections that began
// here and were handed over.
//
// Thread-safety: accept runs on its own strand; stop() and session_count() may be called from
// any thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include "api/http/request_handler.h"
#include "api/transport/http_session.h"
#include "api/transport/static_files.h"
#include "api/transport/transport_limits.h"
#include "engine/mutex.h"

namespace redress::api {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // `other_connections`: connections counted against max_connections besides the listener's
  // own HTTP sessions (the WebSocket streams they were upgraded to).
  // `handler` must outlive the listener and its sessions; `static_files` may be null (no
  // console).
  Listener(
      boost::asio::io_context& ioc, RequestHandler& handler, TransportLimits limits,
      UpgradeHandler upgrade, std::shared_ptr<const StaticFiles> static_files = nullptr,
      std::function<size_t()> other_connections = [] { return size_t{0}; });

  // Binds and listens; error INVALID_CONFIG / LISTEN_FAILED with the OS's reason.
  Status listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const { return port_; }
  void start();
  // Stops accepting and asks every session to close after its current request.
  void stop();
  size_t session_count();

 private:
  void accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  RequestHandler& handler_;
  const TransportLimits limits_;  // every session reads these
  UpgradeHandler upgrade_;
  const std::shared_ptr<const StaticFiles> static_files_;
  std::function<size_t()> other_connections_;
  std::uint16_t port_ = 0;
  Mutex mutex_;
  std::vector<std::weak_ptr<HttpSession>> sessions_ GUARDED_BY(mutex_);
  bool stopped_ GUARDED_BY(mutex_) = false;
};

}  // namespace redress::api
