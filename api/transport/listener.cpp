#include "api/transport/listener.h"

#include <boost/asio/post.hpp>

namespace redress::api {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

Listener::Listener(net::io_context& ioc, RequestHandler& handler, TransportLimits limits,
                   UpgradeHandler upgrade, std::shared_ptr<const StaticFiles> static_files,
                   std::function<size_t()> other_connections)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      handler_(handler),
      limits_(limits),
      upgrade_(std::move(upgrade)),
      static_files_(std::move(static_files)),
      other_connections_(std::move(other_connections)) {}

Status Listener::listen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) {
    return Error::invalid_config("--host " + host + " is not an IP address: " + ec.message());
  }
  const tcp::endpoint endpoint{address, port};
  const auto failed = [&](const char* step) {
    return Error(ErrorCode::kListenFailed, std::string("cannot ") + step + " " + host + ":" +
                                               std::to_string(port) + ": " + ec.message());
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return failed("open a socket for");
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return failed("set SO_REUSEADDR on");
  acceptor_.bind(endpoint, ec);
  if (ec) return failed("bind");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen on");
  port_ = acceptor_.local_endpoint().port();
  return Status::Ok();
}

void Listener::start() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
}

void Listener::accept() {
  // Each connection gets its own strand.
  acceptor_.async_accept(net::make_strand(ioc_),
                         beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted) return;  // stopped
  if (!ec) {
    MutexLock lock(mutex_);
    std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
    if (stopped_) return;
    if (sessions_.size() + other_connections_() >= limits_.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);  // over the limit: refuse rather than exhaust descriptors
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      auto session = std::make_shared<HttpSession>(std::move(socket), handler_, limits_, upgrade_,
                                                   static_files_.get());
      sessions_.push_back(session);
      session->run();
    }
  }
  accept();
}

void Listener::stop() {
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    MutexLock lock(mutex_);
    stopped_ = true;
    for (auto& weak : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor_.close(ignored);
  });
  for (auto& s : live) s->close_when_idle();
}

size_t Listener::session_count() {
  MutexLock lock(mutex_);
  std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
  return sessions_.size();
}

}  // namespace redress::api
