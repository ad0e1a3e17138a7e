#include "api/delivery/webhook_sender.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <utility>

#include <date/date.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
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
constexpr std::size_t kMaxDueQueries = 64;    // per cycle (see Impl::deliver)

// What one attempt came to, before the sender decides what it means.
struct AttemptResult {
  std::optional<int> status_code;  // none: no HTTP answer
  std::string retry_after;         // the header's value, if any
  std::string error;               // "" for 2xx
  std::int64_t latency_ms = 0;
};

// A short, printable excerpt of a response body for an error message: valid UTF-8 cut at a
// character boundary, control characters as spaces; bytes of invalid UTF-8 as '?'.
std::string excerpt(std::string_view body) {
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
      if (!reason.empty()) result.error += " " + excerpt(reason);
      const auto body = excerpt(response.body());
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

// The TLS client context every https attempt shares; `error` says why it is unusable.
struct TlsSetup {
  std::shared_ptr<ssl::context> context;
  std::string error;
};

TlsSetup make_tls_context(const WebhookSenderOptions& options) {
  TlsSetup setup;
  try {
    setup.context = std::make_shared<ssl::context>(ssl::context::tls_client);
    setup.context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                               ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                               ssl::context::no_tlsv1_1);
    setup.context->set_verify_mode(options.verify_peer ? ssl::verify_peer : ssl::verify_none);
    beast::error_code ec;
    setup.context->set_default_verify_paths(ec);
    if (ec) setup.error = "cannot use the system's CA certificates: " + ec.message();
    if (!options.ca_file.empty()) {
      setup.context->load_verify_file(options.ca_file, ec);
      if (ec) {
        setup.error = "cannot load CA file '" + options.ca_file + "': " + ec.message();
      }
    }
  } catch (const boost::system::system_error& e) {
    setup.error = std::string("cannot create a TLS context: ") + e.what();
  }
  return setup;
}

// --- HTTP-date (RFC 9110 section 5.6.7) ----------------------------------------------------

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The three forms RFC 9110 lets a recipient accept: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT"
// (what senders must use), and the obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime
// "Sun Nov  6 08:49:37 1994". date::parse checks the calendar (no 31 February) and that a named
// weekday is the date's; the whole value must be consumed.
//
// g++ 12 at -O2 reports a -Wmaybe-uninitialized false positive inside date::from_stream (its
// seconds are set on every path that reads them); the pragma keeps it to this function.
#if defined(__GNUC__) && !defined(__clang__)  // clang has no such warning (and no false positive)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
std::optional<Instant> parse_http_date(std::string_view text) {
  static constexpr const char* kForms[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                                           "%a %b %d %H:%M:%S %Y"};
  for (const char* form : kForms) {
    std::istringstream in{std::string(text)};
    in.imbue(std::locale::classic());
    date::sys_seconds at;
    in >> date::parse(form, at);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof()) {
      return std::chrono::time_point_cast<milliseconds>(at);
    }
  }
  return std::nullopt;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace

std::optional<milliseconds> parse_retry_after(std::string_view value, Instant now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (all_digits(value)) {
    // More than nine digits is more than thirty years: far beyond any cap.
    if (value.size() > 9) return std::chrono::duration_cast<milliseconds>(std::chrono::years(30));
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  if (auto at = parse_http_date(value)) {
    return std::max(milliseconds::zero(), *at - now);
  }
  return std::nullopt;
}

// --- the sender ------------------------------------------------------------------------------

class WebhookSender::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, storage::WebhookStore& webhooks, const Clock& clock,
       WebhookSenderOptions options)
      : io_(io),
        strand_(asio::make_strand(io)),
        poll_timer_(strand_),
        webhooks_(webhooks),
        options_(std::move(options)),
        clock_(clock),
        tls_(make_tls_context(options_)),
        random_(options_.seed ? *options_.seed : std::random_device{}()),
        retry_policy_(options_.retry) {
    options_.max_in_flight = std::max<std::size_t>(options_.max_in_flight, 1);
    options_.max_in_flight_per_subscription =
        std::max<std::size_t>(options_.max_in_flight_per_subscription, 1);
    options_.dispatch_batch = std::max<std::size_t>(options_.dispatch_batch, 1);
    if (options_.poll_interval <= milliseconds::zero()) options_.poll_interval = milliseconds(1000);
  }

  void start() {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->running_ || self->stopping_) return;
      self->running_ = true;
      self->arm_poll_timer();
      self->cycle();
    });
  }

  void poke() {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->running_) self->cycle();
    });
  }

  void run_once(std::function<void(std::size_t)> started) {
    asio::post(strand_, [self = shared_from_this(), started = std::move(started)]() mutable {
      if (self->stopping_) {
        if (started) started(0);
        return;
      }
      if (started) self->cycle_listeners_.push_back(std::move(started));
      self->cooling_.clear();  // an explicit cycle tries everything due
      self->cycle();
    });
  }

  void stop(std::function<void()> on_stopped) {
    asio::post(strand_, [self = shared_from_this(), on_stopped = std::move(on_stopped)]() mutable {
      self->running_ = false;
      self->stopping_ = true;
      self->poll_timer_.cancel();
      if (on_stopped) self->on_stopped_.push_back(std::move(on_stopped));
      self->maybe_stopped();
    });
  }

  WebhookSenderCounters counters() const {
    WebhookSenderCounters c;
    c.succeeded = succeeded_.load();
    c.failed = failed_.load();
    c.dead = dead_.load();
    c.gone = gone_.load();
    c.unrecorded = unrecorded_.load();
    return c;
  }
  std::size_t in_flight() const { return in_flight_count_.load(); }
  Result<std::int64_t> queue_depth() const { return webhooks_.pending_count(); }

 private:
  // --- the loop (everything below runs on strand_) ---------------------------------------------

  void arm_poll_timer() {
    poll_timer_waiting_ = true;
    poll_timer_.expires_after(options_.poll_interval);
    poll_timer_.async_wait(
        asio::bind_executor(strand_, [self = shared_from_this()](beast::error_code ec) {
          self->poll_timer_waiting_ = false;
          if (ec || !self->running_) return self->maybe_stopped();
          self->cooling_.clear();
          self->cycle();
          self->arm_poll_timer();
        }));
  }

  void cycle() {
    if (cycle_active_) {
      cycle_again_ = true;
      return;
    }
    cycle_active_ = true;
    started_in_cycle_ = 0;
    auto backlog = webhooks_.has_undispatched();
    if (!backlog.ok() || !backlog.value()) {
      deliver();
      return finish_cycle();
    }
    webhooks_.dispatch(
        clock_.now(), options_.dispatch_batch,
        [self = shared_from_this()](Result<storage::DispatchResult> result) {
          asio::post(self->strand_, [self, result = std::move(result)] {
            if (result.ok() && result.value().outbox_rows >= self->options_.dispatch_batch) {
              self->cycle_again_ = true;  // more rows are waiting
            }
            if (!self->stopping_) self->deliver();
            self->finish_cycle();
          });
        });
  }

  void finish_cycle() {
    cycle_active_ = false;
    auto listeners = std::move(cycle_listeners_);
    cycle_listeners_.clear();
    for (auto& listener : listeners) listener(started_in_cycle_);
    if (cycle_again_ && !stopping_) {
      cycle_again_ = false;
      asio::post(strand_, [self = shared_from_this()] { self->cycle(); });
      return;
    }
    cycle_again_ = false;
    maybe_stopped();
  }

  // Starts every due delivery that fits. A subscription at its limit is excluded from the query
  // (its backlog must not fill the answer); when rows were skipped because a subscription filled
  // up during this pass, the query runs again without it.
  void deliver() {
    for (std::size_t query = 0; query < kMaxDueQueries; ++query) {
      const std::size_t free =
          options_.max_in_flight - std::min(options_.max_in_flight, in_flight_.size());
      if (free == 0) return;
      storage::DueFilter filter;
      for (const auto& [id, subscription] : in_flight_) filter.exclude_deliveries.push_back(id);
      filter.exclude_deliveries.insert(filter.exclude_deliveries.end(), cooling_.begin(),
                                       cooling_.end());
      for (const auto& [subscription, count] : per_subscription_) {
        if (count >= options_.max_in_flight_per_subscription) {
          filter.exclude_subscriptions.push_back(subscription);
        }
      }
      auto due = webhooks_.due_deliveries(clock_.now(), free, filter);
      if (!due.ok() || due.value().empty()) return;
      bool skipped = false;
      for (auto& delivery : due.value()) {
        if (per_subscription_[delivery.subscription_id] >=
            options_.max_in_flight_per_subscription) {
          skipped = true;
          continue;
        }
        begin_attempt(std::move(delivery));
      }
      if (!skipped || due.value().size() < free) return;
    }
  }

  void begin_attempt(storage::DueDelivery delivery) {
    in_flight_[delivery.id] = delivery.subscription_id;
    ++per_subscription_[delivery.subscription_id];
    in_flight_count_.store(in_flight_.size());
    ++started_in_cycle_;

    const Instant started_at = clock_.now();
    const auto timestamp =
        std::chrono::duration_cast<std::chrono::seconds>(started_at.time_since_epoch()).count();
    auto shared = std::make_shared<storage::DueDelivery>(std::move(delivery));
    auto done = [self = shared_from_this(), shared, started_at](AttemptResult result) {
      asio::post(self->strand_, [self, shared, started_at, result = std::move(result)]() mutable {
        self->on_attempt_done(*shared, started_at, std::move(result));
      });
    };

    if (!shared->endpoint) {
      AttemptResult result;
      result.error = "cannot deliver to the subscription's URL: " + shared->url_error;
      return done(std::move(result));
    }
    const auto& ep = *shared->endpoint;
    if (ep.tls && !tls_.error.empty()) {
      AttemptResult result;
      result.error = "TLS setup: " + tls_.error;
      return done(std::move(result));
    }

    http::request<http::string_body> request{http::verb::post, ep.target, 11};
    const bool default_port = ep.port == (ep.tls ? "443" : "80");
    const bool ipv6 = ep.host.find(':') != std::string::npos;
    request.set(http::field::host,
                (ipv6 ? "[" + ep.host + "]" : ep.host) + (default_port ? "" : ":" + ep.port));
    request.set(http::field::user_agent, options_.user_agent);
    request.set(http::field::content_type, "application/json");
    request.set(http::field::connection, "close");
    request.set("webhook-id", shared->webhook_id);
    request.set("webhook-timestamp", std::to_string(timestamp));
    request.set("webhook-signature",
                signature_header(shared->secrets, shared->webhook_id, timestamp, shared->payload));
    request.body() = shared->payload;
    request.prepare_payload();

    try {
      std::make_shared<HttpAttempt>(io_, tls_.context, ep, std::move(request),
                                    options_.request_timeout, options_.max_response_bytes,
                                    options_.verify_peer, done)
          ->run();
    } catch (const std::exception& e) {  // e.g. OpenSSL cannot make a connection object
      AttemptResult result;
      result.error = std::string("cannot start the attempt: ") + e.what();
      done(std::move(result));
    }
  }

  void on_attempt_done(const storage::DueDelivery& delivery, Instant started_at,
                       AttemptResult result) {
    using storage::AttemptOutcome;
    const Instant finished_at = clock_.now();
    const int code = result.status_code.value_or(0);
    AttemptOutcome outcome = AttemptOutcome::succeeded();
    if (code >= 200 && code <= 299) {
      outcome = AttemptOutcome::succeeded();
    } else if (code == 410) {
      outcome = AttemptOutcome::subscription_gone();
    } else {
      const int made = delivery.round_attempts + 1;  // attempts of this round, this one included
      // The round's first attempt: recorded in storage, or this one when it is the first.
      const Instant first_attempt_at = delivery.round_started_at.value_or(started_at);
      std::optional<milliseconds> asked;
      if (!result.retry_after.empty()) asked = parse_retry_after(result.retry_after, finished_at);
      const auto next = retry_policy_.next_attempt_at(
          made, first_attempt_at, finished_at,
          [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }, asked);
      outcome = next ? AttemptOutcome::retry_at(*next) : AttemptOutcome::dead();
    }
    storage::AttemptRecord record{started_at, result.status_code, result.latency_ms,
                                  std::move(result.error)};
    const auto kind = outcome.kind;
    webhooks_.record_attempt(
        delivery.id, std::move(record), outcome,
        [self = shared_from_this(), id = delivery.id, subscription = delivery.subscription_id,
         kind](Result<storage::Delivery> recorded) {
          const bool ok = recorded.ok();
          asio::post(self->strand_, [self, id, subscription, kind, ok] {
            self->on_recorded(id, subscription, kind, ok);
          });
        });
  }

  void on_recorded(std::int64_t id, const std::string& subscription,
                   storage::AttemptOutcome::Kind kind, bool ok) {
    using Kind = storage::AttemptOutcome::Kind;
    // Counted once durable, so a reader of the counters finds the attempt in storage.
    if (!ok) {
      ++unrecorded_;
      cooling_.insert(id);  // not again before the next poll: no hot loop on a storage fault
    } else if (kind == Kind::kSucceeded) {
      ++succeeded_;
    } else if (kind == Kind::kRetry) {
      ++failed_;
    } else if (kind == Kind::kDead) {
      ++dead_;
    } else {
      ++gone_;
    }
    in_flight_.erase(id);
    if (auto it = per_subscription_.find(subscription);
        it != per_subscription_.end() && --it->second == 0) {
      per_subscription_.erase(it);
    }
    in_flight_count_.store(in_flight_.size());
    if (running_) {
      cycle();  // a slot is free: more may be due
    } else {
      maybe_stopped();
    }
  }

  void maybe_stopped() {
    if (!stopping_ || !in_flight_.empty() || cycle_active_ || poll_timer_waiting_) return;
    auto callbacks = std::move(on_stopped_);
    on_stopped_.clear();
    for (auto& callback : callbacks) asio::post(io_, std::move(callback));
  }

  asio::io_context& io_;
  Strand strand_;
  asio::steady_timer poll_timer_;
  storage::WebhookStore& webhooks_;
  WebhookSenderOptions options_;
  const Clock& clock_;
  TlsSetup tls_;
  std::mt19937_64 random_;  // the retry policy's jitter source; used on the strand only
  const RetryPolicy retry_policy_;

  bool running_ = false;
  bool stopping_ = false;
  bool poll_timer_waiting_ = false;
  bool cycle_active_ = false;
  bool cycle_again_ = false;
  std::size_t started_in_cycle_ = 0;
  std::vector<std::function<void(std::size_t)>> cycle_listeners_;
  std::vector<std::function<void()>> on_stopped_;
  std::map<std::int64_t, std::string> in_flight_;        // delivery id -> subscription
  std::map<std::string, std::size_t> per_subscription_;  // attempts in flight
  std::set<std::int64_t> cooling_;                       // unrecorded: wait for a poll

  std::atomic<std::size_t> in_flight_count_{0};
  std::atomic<std::uint64_t> succeeded_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> dead_{0};
  std::atomic<std::uint64_t> gone_{0};
  std::atomic<std::uint64_t> unrecorded_{0};
};

WebhookSender::WebhookSender(asio::io_context& io, storage::WebhookStore& webhooks,
                             const Clock& clock, WebhookSenderOptions options)
    : impl_(std::make_shared<Impl>(io, webhooks, clock, std::move(options))) {}

WebhookSender::~WebhookSender() {
  impl_->stop({});
}

Status WebhookSender::check_options(const WebhookSenderOptions& options) {
  const auto invalid = [](const std::string& message) { return Error::invalid_config(message); };
  if (auto retry = check_retry_schedule(options.retry); !retry.ok()) return retry;
  if (options.request_timeout <= milliseconds::zero()) {
    return invalid("webhook request timeout must be positive");
  }
  if (options.poll_interval <= milliseconds::zero()) {
    return invalid("webhook poll interval must be positive");
  }
  if (options.max_in_flight == 0 || options.max_in_flight_per_subscription == 0) {
    return invalid("webhook concurrency limits must be at least 1");
  }
  if (options.dispatch_batch == 0) return invalid("webhook dispatch batch must be at least 1");
  if (!options.ca_file.empty()) {
    const auto setup = make_tls_context(options);
    if (!setup.error.empty()) return invalid("webhook " + setup.error);
  }
  return Status::Ok();
}

void WebhookSender::start() {
  impl_->start();
}
void WebhookSender::poke() {
  impl_->poke();
}
void WebhookSender::stop(std::function<void()> on_stopped) {
  impl_->stop(std::move(on_stopped));
}
void WebhookSender::run_once(std::function<void(std::size_t)> started) {
  impl_->run_once(std::move(started));
}
WebhookSenderCounters WebhookSender::counters() const {
  return impl_->counters();
}
std::size_t WebhookSender::in_flight() const {
  return impl_->in_flight();
}
Result<std::int64_t> WebhookSender::queue_depth() const {
  return impl_->queue_depth();
}

}  // namespace redress::api
