#include "api/delivery/webhook_sender.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <utility>

#include <date/date.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>

#include "api/delivery/webhook_attempt.h"

namespace redress::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Strand = asio::strand<asio::io_context::executor_type>;
using std::chrono::milliseconds;

constexpr std::size_t kMaxDueQueries = 64;  // per cycle (see Impl::deliver)

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
        tls_(make_tls_client(options_.ca_file, options_.verify_peer)),
        attempt_options_{options_.request_timeout, options_.max_response_bytes,
                         options_.verify_peer, options_.user_agent},
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
    start_webhook_attempt(io_, tls_, *shared, timestamp, attempt_options_,
                          [self = shared_from_this(), shared, started_at](AttemptResult result) {
                            asio::post(self->strand_, [self, shared, started_at,
                                                       result = std::move(result)]() mutable {
                              self->on_attempt_done(*shared, started_at, std::move(result));
                            });
                          });
  }

  void on_attempt_done(const storage::DueDelivery& delivery, Instant started_at,
                       AttemptResult result) {
    using storage::AttemptOutcome;
    const Instant finished_at = clock_.now();
    const auto verdict = classify_attempt(result);
    AttemptOutcome outcome = AttemptOutcome::succeeded();
    if (verdict == AttemptVerdict::kSucceeded) {
      outcome = AttemptOutcome::succeeded();
    } else if (verdict == AttemptVerdict::kGone) {
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
  const TlsClient tls_;
  const AttemptOptions attempt_options_;
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
    const auto setup = make_tls_client(options.ca_file, options.verify_peer);
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
