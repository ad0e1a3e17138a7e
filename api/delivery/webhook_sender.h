// WebhookSender: delivers webhook deliveries over HTTP/1.1 and HTTPS, with retries.
//
// The loop, every `poll_interval` and at once after poke():
//   1. dispatch — fan new outbox rows out into deliveries (storage/webhook_store.h), one write;
//   2. deliver  — take the due deliveries and start one attempt each, at most `max_in_flight`
//                 at a time and `max_in_flight_per_subscription` per subscription, so a slow or
//                 dead endpoint holds only its own slots and never delays other endpoints;
//   3. record   — each attempt's outcome is recorded in one write, which also schedules what
//                 comes next.
//
// An attempt POSTs the outbox payload exactly, with the Standard Webhooks headers webhook-id
// (the outbox row's, the same on every retry), webhook-timestamp (Unix seconds of this attempt)
// and webhook-signature (one signature per live secret: the current one, plus the previous one
// during a rotation; webhook_signature.h); one attempt is webhook_attempt.h. Only 2xx is success.
// 410 Gone kills the delivery and disables the subscription. Anything else — another status, a DNS,
// connect, TLS or I/O error, the timeout — is a failed attempt: the next one is scheduled after the
// delay of the retry schedule for the attempts made in this round (with jitter), or later if the
// endpoint's Retry-After asks for it (capped); when the schedule is exhausted the delivery is
// dead-lettered (visible, redeliverable by hand). Every failure is recorded as an attempt with an
// error text for a person; no exception leaves the sender.
//
// Time. `clock` (injected) is the clock of the schedule, next_attempt_at and webhook-timestamp, so
// tests advance a fake clock instead of sleeping. Network timeouts use real (steady) timers.
//
// Threads. The sender owns no threads: it runs on the io_context it is given (any number of
// threads may run it; the sender's state lives on a strand, each attempt on its own). Storage
// writes answer on the store's writer thread and are posted back; the io_context threads never
// wait for a write. Reads (due work) run on the store's read-only connections.
//
// Lifetime. stop() and wait for on_stopped before destroying the WebhookStore or the
// io_context. Pending handlers keep the sender's internals alive, so destroying the WebhookSender
// object itself early is safe (it stops the loop).
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "api/delivery/retry_policy.h"
#include "engine/result.h"
#include "engine/time.h"
#include "storage/webhook_store.h"

namespace redress::api {

struct WebhookSenderOptions {
  // When a failed delivery is attempted again, and when it is dead-lettered (retry_policy.h;
  // default, DESIGN.md: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then every 10 h
  // until at least 72 h have passed since the first attempt, each delay ±10%; Retry-After
  // honoured up to 24 h).
  RetrySchedule retry;
  // Seed of the jitter's generator; none (default): seeded from std::random_device.
  std::optional<std::uint64_t> seed;
  // Bounds one whole attempt: DNS, connect, TLS handshake, write and read (default 15 s).
  std::chrono::milliseconds request_timeout = std::chrono::seconds(15);
  // Response body bytes read at most (default 64 KiB); the rest is ignored, and the status
  // decides. Response headers are limited to 16 KiB.
  std::size_t max_response_bytes = 64 * 1024;
  std::size_t max_in_flight = 32;                  // attempts at once, overall
  std::size_t max_in_flight_per_subscription = 4;  // attempts at once, per subscription
  // How often due work is looked for without a poke (default 1 s).
  std::chrono::milliseconds poll_interval = std::chrono::seconds(1);
  std::size_t dispatch_batch = 500;  // outbox rows fanned out per write
  std::string user_agent = "Redress-Webhooks/1";
  // A PEM file of CA certificates trusted for https endpoints in addition to the system's
  // default verify paths ("" = the system's only).
  std::string ca_file;
  // Whether an https endpoint's certificate chain and host name are verified (default: yes).
  // Turn off only against a development endpoint: without it anyone on the path can read and
  // forge deliveries.
  bool verify_peer = true;
};

// Attempts by outcome since the sender was made (for /metrics).
struct WebhookSenderCounters {
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;  // failed, another attempt scheduled
  std::uint64_t dead = 0;    // failed, schedule exhausted: dead-lettered
  std::uint64_t gone = 0;    // 410 Gone: subscription disabled
  // Attempts whose outcome could not be recorded (a storage error); the delivery stays due and
  // is attempted again after the next poll.
  std::uint64_t unrecorded = 0;
};

class WebhookSender {
 public:
  // `clock` must outlive the sender.
  WebhookSender(boost::asio::io_context& io, storage::WebhookStore& webhooks, const Clock& clock,
                WebhookSenderOptions options = {});
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Checks options before a server starts with them: INVALID_CONFIG naming the option (an
  // empty schedule, zero limits, a jitter outside [0, 1), a ca_file that cannot be loaded).
  // The sender itself never throws: with a bad ca_file every https attempt fails, recorded.
  static Status check_options(const WebhookSenderOptions& options);

  // Starts the loop: a cycle now, then every poll_interval and after each poke().
  void start();
  // New outbox rows exist (or anything else worth a look): run a cycle soon. Ignored unless
  // started.
  void poke();
  // Stops taking new work; attempts in flight finish (each bounded by request_timeout) and are
  // recorded, then `on_stopped` is called (on an io_context thread). Final: no restart.
  void stop(std::function<void()> on_stopped);
  // One cycle (dispatch, then start every due delivery that fits), whether started or not; for
  // tests and tools. `started`, when given, is called on an io_context thread once the cycle's
  // attempts are under way, with how many it started.
  void run_once(std::function<void(std::size_t started)> started = {});

  WebhookSenderCounters counters() const;
  std::size_t in_flight() const;
  // Pending deliveries (due or waiting for their next attempt): WebhookStore::pending_count.
  Result<std::int64_t> queue_depth() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

// The delay a Retry-After header value asks for, measured from `now`: delta-seconds ("120") or
// an HTTP-date (IMF-fixdate, RFC 850 or asctime form); a date in the past asks for no delay.
// nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, Instant now);

}  // namespace redress::api
