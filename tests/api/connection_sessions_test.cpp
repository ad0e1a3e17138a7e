// The transport halves of a connection — HttpSession and WebSocketSession — on a one-thread
// io_context over real loopback sockets, where the order of handlers is deterministic. These
// tests pin down races a running server only hits now and then: a close or a message
// requested while the WebSocket handshake is still being written, and a shutdown reaching a
// session whose socket was just handed over to the stream.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/test/unit_test.hpp>

#include "api/transport/http_session.h"
#include "api/transport/transport_limits.h"
#include "api/transport/websocket_session.h"

namespace redress::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

class RecordingOwner : public api::WebSocketSession::Owner {
 public:
  void on_text(const std::shared_ptr<api::WebSocketSession>&, std::string_view text) override {
    texts.emplace_back(text);
  }
  void on_binary(const std::shared_ptr<api::WebSocketSession>&) override {}
  void on_drained(const std::shared_ptr<api::WebSocketSession>&) override {}
  void on_closed(std::uint64_t) override { ++closed; }

  std::vector<std::string> texts;
  int closed = 0;
};

// A client socket connected to a server-side socket, both on one io_context.
struct LoopbackPair {
  LoopbackPair()
      : acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)), client(ioc) {
    client.next_layer().connect(acceptor.local_endpoint());
    server = std::make_unique<tcp::socket>(acceptor.accept());
  }

  // Runs handlers until `done` holds; false when the io_context ran out of work or 10 s passed.
  bool run_until(const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= until) return false;
      ioc.restart();
      if (ioc.run_one_until(until) == 0 && ioc.stopped() && !done()) return false;
    }
    return true;
  }

  // Starts the client's handshake and reads its upgrade request on the server socket.
  api::Request start_handshake() {
    client.async_handshake("127.0.0.1", "/v1/stream", [this](beast::error_code ec) {
      handshake_error = ec;
      handshake_done = true;
    });
    BOOST_REQUIRE(run_until([this] {
      beast::error_code ec;
      return server->available(ec) > 0;
    }));
    beast::flat_buffer buffer;
    api::Request upgrade;
    http::read(*server, buffer, upgrade);
    BOOST_REQUIRE(websocket::is_upgrade(upgrade));
    return upgrade;
  }

  // Reads one message on the client; nullopt when the stream ended (see read_error).
  std::optional<std::string> read_message() {
    beast::flat_buffer buffer;
    bool done = false;
    client.async_read(buffer, [&](beast::error_code ec, size_t) {
      read_error = ec;
      done = true;
    });
    BOOST_REQUIRE(run_until([&] { return done; }));
    if (read_error) return std::nullopt;
    return beast::buffers_to_string(buffer.data());
  }

  net::io_context ioc;
  tcp::acceptor acceptor;
  websocket::stream<beast::tcp_stream> client;
  std::unique_ptr<tcp::socket> server;
  bool handshake_done = false;
  beast::error_code handshake_error;
  beast::error_code read_error;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(connection_sessions)

// Beast's accept writes its 101 response without the write lock that frames and closes take,
// so a close started before that write completed was a second write on the socket (Beast
// asserts on it; without assertions the bytes could interleave). Server shutdown and token
// revocation close sessions from other threads at any moment, handshake or not.
BOOST_AUTO_TEST_CASE(a_close_requested_during_the_handshake_follows_it) {
  LoopbackPair pair;
  auto upgrade = pair.start_handshake();
  auto owner = std::make_shared<RecordingOwner>();
  auto session = std::make_shared<api::WebSocketSession>(beast::tcp_stream(std::move(*pair.server)),
                                                         1, api::Principal{}, 4, owner);
  session->run(std::move(upgrade), "");
  // Queued behind the accept on the session's executor: it runs while the response is written.
  session->close(websocket::close_code::going_away, "server shutting down");
  BOOST_REQUIRE(pair.run_until([&] { return pair.handshake_done; }));
  BOOST_TEST(!pair.handshake_error, pair.handshake_error.message());
  BOOST_TEST(!pair.read_message().has_value());
  BOOST_TEST((pair.read_error == websocket::error::closed), pair.read_error.message());
  BOOST_TEST(pair.client.reason().code == websocket::close_code::going_away);
  BOOST_TEST(std::string(pair.client.reason().reason.c_str()) ==
             "server shutting down: resume with after_seq=0");
  BOOST_REQUIRE(pair.run_until([&] { return owner->closed > 0; }));
  BOOST_TEST(owner->closed == 1);
}

BOOST_AUTO_TEST_CASE(messages_offered_during_the_handshake_follow_it_in_order) {
  LoopbackPair pair;
  auto upgrade = pair.start_handshake();
  auto owner = std::make_shared<RecordingOwner>();
  auto session = std::make_shared<api::WebSocketSession>(beast::tcp_stream(std::move(*pair.server)),
                                                         2, api::Principal{}, 4, owner);
  session->run(std::move(upgrade), "");
  BOOST_TEST((session->offer(std::make_shared<const std::string>("first"), 3) ==
              api::WebSocketSession::Offer::kQueued));
  BOOST_TEST((session->offer(std::make_shared<const std::string>("second"), 4) ==
              api::WebSocketSession::Offer::kQueued));
  BOOST_REQUIRE(pair.run_until([&] { return pair.handshake_done; }));
  BOOST_TEST(!pair.handshake_error, pair.handshake_error.message());
  BOOST_TEST(pair.read_message().value_or("(ended)") == "first");
  BOOST_TEST(pair.read_message().value_or("(ended)") == "second");
  BOOST_TEST(session->resume_seq() == 4);
  session->close(websocket::close_code::going_away, "server shutting down");
  BOOST_TEST(!pair.read_message().has_value());
  BOOST_TEST(std::string(pair.client.reason().reason.c_str()) ==
             "server shutting down: resume with after_seq=4");
}

// The Listener's stop() asks every live HttpSession to close, and one may have just handed its
// socket to the stream: closing must leave that socket alone.
BOOST_AUTO_TEST_CASE(closing_an_upgraded_http_session_leaves_the_stream_alone) {
  LoopbackPair pair;
  const api::TransportLimits limits;
  std::optional<beast::tcp_stream> handed_over;
  std::optional<api::Request> upgrade_request;
  const api::UpgradeHandler upgrade = [&](beast::tcp_stream stream, api::Request request) {
    handed_over.emplace(std::move(stream));
    upgrade_request.emplace(std::move(request));
  };
  class NeverHandler : public api::RequestHandler {
   public:
    api::RequestPlan plan(const api::RequestHead&) const override { return {}; }
    void handle(api::Request, api::ResponseSender) override { handled = true; }
    void handle_streamed(api::Request, std::shared_ptr<api::BodyStream>,
                         api::ResponseSender) override {
      handled = true;
    }
    bool handled = false;
  } handler;
  auto session =
      std::make_shared<api::HttpSession>(std::move(*pair.server), handler, limits, upgrade);
  session->run();
  pair.client.async_handshake("127.0.0.1", "/v1/stream", [&](beast::error_code ec) {
    pair.handshake_error = ec;
    pair.handshake_done = true;
  });
  BOOST_REQUIRE(pair.run_until([&] { return handed_over.has_value(); }));
  session->close_when_idle();  // what Listener::stop() does, holding the session alive
  pair.ioc.restart();
  pair.ioc.poll();
  // The stream that took the socket over completes the handshake on it.
  websocket::stream<beast::tcp_stream> server_side(std::move(*handed_over));
  beast::error_code accept_error = net::error::would_block;
  server_side.async_accept(*upgrade_request, [&](beast::error_code ec) { accept_error = ec; });
  BOOST_REQUIRE(pair.run_until([&] { return pair.handshake_done; }));
  BOOST_TEST(!pair.handshake_error, pair.handshake_error.message());
  BOOST_REQUIRE(pair.run_until([&] { return accept_error != net::error::would_block; }));
  BOOST_TEST(!accept_error, accept_error.message());
  BOOST_TEST(!handler.handled);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::testing
