#include "api/delivery/webhook_attempt.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "api/delivery/webhook_signature.h"
#include "engine/utf8.h"

namespace redress::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;
using std::chrono::milliseconds;

constexpr std::size_t kMaxResponseHeaderBytes = 16 * 1024;
constexpr std::size_t kErrorBodyBytes = 200;  // of a failed answer's body, kept in the error

}  // namespace

std::string response_excerpt(std::string_view body) {
  const bool valid = utf8_length(body).has_value();
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (out.size() >= kErrorBodyBytes) {
      // Do not end inside a multi-byte character.
      while (valid && !out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) {
        out.pop_back();
      }
      if (valid && !out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
      out += "...";
      break;
    }
    if (c < 0x20 || c == 0x7F) {
      out += ' ';
    } else if (c >= 0x80 && !valid) {
      out += '?';
    } else {
      out += static_cast<char>(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string seconds_text(milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// One HTTP(S) POST, from name resolution to the response, on its own strand and bounded by one
// deadline. Lives as long as its pending operations (each handler holds a shared_ptr).
class HttpAttempt : public std::enable_shared_from_this<HttpAttempt> {
 public:
  using Done = std::function<void(AttemptResult)>;

  HttpAttempt(asio::io_context& io, std::shared_ptr<ssl::context> tls,
              storage::WebhookEndpoint endpoint, http::request<http::string_body> request,
              milliseconds timeout, std::size_t max_body, bool verify_peer, Done done)
      : strand_(asio::make_strand(io)),
        resolver_(strand_),
        deadline_(strand_),
        tls_context_(std::move(tls)),
        endpoint_(std::move(endpoint)),
        request_(std::move(request)),
        timeout_(timeout),
        max_body_(max_body),
        verify_peer_(verify_peer),
        done_(std::move(done)) {
    if (endpoint_.tls) {
      secure_.emplace(strand_, *tls_context_);
    } else {
      plain_.emplace(strand_);
    }
  }

  void run() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->start(); });
  }

 private:
  beast::tcp_stream& tcp() { return secure_ ? secure_->next_layer() : *plain_; }

  template <typename F>
  void with_stream(F&& f) {
    if (secure_) {
      f(*secure_);
    } else {
      f(*plain_);
    }
  }

  void start() {
    started_ = std::chrono::steady_clock::now();
    deadline_.expires_after(timeout_);
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->on_deadline();
    });
    if (secure_) {
      // SNI is for names only; verification checks the name (or the IP address) either way.
      if (!is_ip_literal(endpoint_.host) &&
          !SSL_set_tlsext_host_name(secure_->native_handle(), endpoint_.host.c_str())) {
        fail("TLS setup", beast::error_code(static_cast<int>(::ERR_get_error()),
                                            asio::error::get_ssl_category()));
        return;
      }
      if (verify_peer_) {
        secure_->set_verify_mode(ssl::verify_peer);
        secure_->set_verify_callback(ssl::host_name_verification(endpoint_.host));
      } else {
        secure_->set_verify_mode(ssl::verify_none);
      }
    }
    stage_ = "resolving " + endpoint_.host;
    resolver_.async_resolve(
        endpoint_.host, endpoint_.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          self->on_resolve(ec, std::move(results));
        });
  }

  void on_deadline() {
    if (finished_) return;
    timed_out_ = true;
    resolver_.cancel();
    tcp().close();  // every pending operation completes with an error
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail("resolve " + endpoint_.host, ec);
    stage_ = "connecting";
    tcp().async_connect(results,
                        [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                          self->on_connect(ec);
                        });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail("connect to " + endpoint_.host + ":" + endpoint_.port, ec);
    if (!secure_) return write();
    stage_ = "TLS handshake";
    secure_->async_handshake(ssl::stream_base::client,
                             [self = shared_from_this()](beast::error_code ec) {
                               if (ec) return self->fail_tls(ec);
                               self->write();
                             });
  }

  void write() {
    stage_ = "sending the request";
    with_stream([this](auto& stream) {
      http::async_write(
          stream, request_,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
    });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail("send the request", ec);
    stage_ = "waiting for the response";
    parser_.emplace();
    parser_->header_limit(kMaxResponseHeaderBytes);
    parser_->body_limit(max_body_);
    with_stream([this](auto& stream) {
      http::async_read_header(
          stream, buffer_, *parser_,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
    });
  }

  void on_header(beast::error_code ec) {
    // A Content-Length beyond the limit is refused as soon as the header is parsed: the status
    // is there, and the body is not worth reading.
    const bool too_long = ec == http::error::body_limit && parser_->is_header_done();
    if (ec && !too_long) return fail("read the response", ec);
    latency_ = std::chrono::steady_clock::now() - started_;
    have_status_ = true;
    if (too_long || parser_->is_done()) return finish();
    with_stream([this](auto& stream) {
      http::async_read(stream, buffer_, *parser_,
                       [self = shared_from_this()](beast::error_code, std::size_t) {
                         // The status decides: a body over the limit, cut short or too slow
                         // changes nothing.
                         self->finish();
                       });
    });
  }

  void finish() {
    if (finished_) return;
    AttemptResult result;
    const auto& response = parser_->get();
    result.status_code = response.result_int();
    result.retry_after = std::string(response[http::field::retry_after]);
    result.latency_ms = std::chrono::duration_cast<milliseconds>(latency_).count();
    if (*result.status_code < 200 || *result.status_code > 299) {
      result.error = "HTTP " + std::to_string(*result.status_code);
      const auto reason = std::string(response.reason());
      if (!reason.empty()) result.error += " " + response_excerpt(reason);
      const auto body = response_excerpt(response.body());
      if (!body.empty()) result.error += ": " + body;
    }
    complete(std::move(result));
  }

  void fail_tls(beast::error_code ec) {
    std::string what = "TLS handshake with " + endpoint_.host;
    const long verify = SSL_get_verify_result(secure_->native_handle());
    if (verify != X509_V_OK) {
      what += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) + ")";
    }
    fail(what, ec);
  }

  void fail(const std::string& what, beast::error_code ec) {
    if (finished_) return;
    if (have_status_) return finish();
    AttemptResult result;
    result.latency_ms =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started_)
            .count();
    if (timed_out_) {
      result.error = "timed out after " + seconds_text(timeout_) + " while " + stage_;
    } else {
      result.error = what + ": " + ec.message();
    }
    complete(std::move(result));
  }

  void complete(AttemptResult result) {
    finished_ = true;
    deadline_.cancel();
    resolver_.cancel();
    beast::error_code ignored;
    tcp().socket().close(ignored);
    auto done = std::move(done_);
    done(std::move(result));
  }

  Strand strand_;
  tcp::resolver resolver_;
  asio::steady_timer deadline_;
  std::shared_ptr<ssl::context> tls_context_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure_;
  storage::WebhookEndpoint endpoint_;
  http::request<http::string_body> request_;
  milliseconds timeout_;
  std::size_t max_body_;
  bool verify_peer_;
  Done done_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::chrono::steady_clock::time_point started_{};
  std::chrono::steady_clock::duration latency_{};
  std::string stage_ = "starting";
  bool have_status_ = false;
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace

TlsClient make_tls_client(const std::string& ca_file, bool verify_peer) {
  TlsClient setup;
  try {
    setup.context = std::make_shared<ssl::context>(ssl::context::tls_client);
    setup.context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                               ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                               ssl::context::no_tlsv1_1);
    setup.context->set_verify_mode(verify_peer ? ssl::verify_peer : ssl::verify_none);
    beast::error_code ec;
    setup.context->set_default_verify_paths(ec);
    if (ec) setup.error = "cannot use the system's CA certificates: " + ec.message();
    if (!ca_file.empty()) {
      setup.context->load_verify_file(ca_file, ec);
      if (ec) {
        setup.error = "cannot load CA file '" + ca_file + "': " + ec.message();
      }
    }
  } catch (const boost::system::system_error& e) {
    setup.error = std::string("cannot create a TLS context: ") + e.what();
  }
  return setup;
}

namespace {

http::request<http::string_body> webhook_request(const storage::DueDelivery& delivery,
                                                 const storage::WebhookEndpoint& ep,
                                                 std::int64_t timestamp,
                                                 const std::string& user_agent) {
  http::request<http::string_body> request{http::verb::post, ep.target, 11};
  const bool default_port = ep.port == (ep.tls ? "443" : "80");
  const bool ipv6 = ep.host.find(':') != std::string::npos;
  request.set(http::field::host,
              (ipv6 ? "[" + ep.host + "]" : ep.host) + (default_port ? "" : ":" + ep.port));
  request.set(http::field::user_agent, user_agent);
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  request.set("webhook-id", delivery.webhook_id);
  request.set("webhook-timestamp", std::to_string(timestamp));
  request.set("webhook-signature",
              signature_header(delivery.secrets, delivery.webhook_id, timestamp, delivery.payload));
  request.body() = delivery.payload;
  request.prepare_payload();
  return request;
}

}  // namespace

AttemptVerdict classify_attempt(const AttemptResult& result) {
  const int code = result.status_code.value_or(0);
  if (code >= 200 && code <= 299) return AttemptVerdict::kSucceeded;
  if (code == 410) return AttemptVerdict::kGone;
  return AttemptVerdict::kFailed;
}

void start_webhook_attempt(asio::io_context& io, const TlsClient& tls,
                           const storage::DueDelivery& delivery, std::int64_t timestamp_seconds,
                           const AttemptOptions& options, std::function<void(AttemptResult)> done) {
  if (!delivery.endpoint) {
    AttemptResult result;
    result.error = "cannot deliver to the subscription's URL: " + delivery.url_error;
    return done(std::move(result));
  }
  const auto& ep = *delivery.endpoint;
  if (ep.tls && !tls.error.empty()) {
    AttemptResult result;
    result.error = "TLS setup: " + tls.error;
    return done(std::move(result));
  }
  try {
    std::make_shared<HttpAttempt>(
        io, tls.context, ep, webhook_request(delivery, ep, timestamp_seconds, options.user_agent),
        options.timeout, options.max_response_bytes, options.verify_peer, std::move(done))
        ->run();
  } catch (const std::exception& e) {  // e.g. OpenSSL cannot make a connection object
    AttemptResult result;
    result.error = std::string("cannot start the attempt: ") + e.what();
    done(std::move(result));
  }
}

}  // namespace redress::api
