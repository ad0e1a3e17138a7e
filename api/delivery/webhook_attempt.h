// WebhookAttempt: one HTTP(S) delivery attempt of a webhook — build the signed POST, resolve,
// connect, TLS handshake, send, read the answer — and what the answer means (classify_attempt).
// It knows nothing of retries, storage writes or the sender's loop (webhook_sender.h).
//
// The request carries the outbox payload exactly, with the Standard Webhooks headers
// webhook-id, webhook-timestamp (the `timestamp_seconds` given) and webhook-signature (one
// signature per secret of the delivery; webhook_signature.h). One deadline bounds the whole
// attempt (DNS, connect, TLS, write and read); the answer's headers are limited to 16 KiB and
// its body to `max_response_bytes` (the status decides, a longer body is not read).
//
// An attempt never throws: every failure (no endpoint, an unusable TLS context, DNS, connect,
// TLS, I/O, the timeout) becomes an AttemptResult with an error text for a person, given to
// `done` exactly once, on an io_context thread (or at once, on the caller's thread, when the
// attempt cannot even start).
//
// Thread-safety: start_webhook_attempt may be called from any thread; each attempt runs on its
// own strand and lives as long as its pending operations. A TlsClient is immutable once made and
// shared by concurrent attempts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "storage/webhook_store.h"

namespace redress::api {

// What one attempt came to, before the sender decides what it means for the delivery.
struct AttemptResult {
  std::optional<int> status_code;  // none: no HTTP answer
  std::string retry_after;         // the answer's Retry-After value, if any
  std::string error;               // "" for 2xx; otherwise what went wrong, for a person
  std::int64_t latency_ms = 0;     // until the answer's header (or the failure)
};

// What an answer means: only 2xx is success; 410 Gone disables the subscription; anything else
// (another status, no answer at all) is a failed attempt, to be retried by the schedule.
enum class AttemptVerdict { kSucceeded, kGone, kFailed };
AttemptVerdict classify_attempt(const AttemptResult& result);

// The TLS client context every https attempt shares; `error` says why it is unusable (then
// every https attempt fails with it, recorded, and plain http still works).
struct TlsClient {
  std::shared_ptr<boost::asio::ssl::context> context;
  std::string error;
};

// TLS 1.2 and later; the system's CA certificates plus `ca_file` (a PEM file, "" for none);
// with `verify_peer` off the chain and host name are not checked (development endpoints only).
TlsClient make_tls_client(const std::string& ca_file, bool verify_peer);

struct AttemptOptions {
  std::chrono::milliseconds timeout = std::chrono::seconds(15);  // the whole attempt
  std::size_t max_response_bytes = 64 * 1024;                    // of the answer's body
  bool verify_peer = true;  // https: check the certificate chain and the host name
  std::string user_agent = "Redress-Webhooks/1";
};

// Makes one attempt of `delivery`, signed at `timestamp_seconds` (Unix seconds), and calls
// `done` with its result.
void start_webhook_attempt(boost::asio::io_context& io, const TlsClient& tls,
                           const storage::DueDelivery& delivery, std::int64_t timestamp_seconds,
                           const AttemptOptions& options, std::function<void(AttemptResult)> done);

// A short, printable excerpt of an answer's body or reason for an error text: at most about 200
// bytes of valid UTF-8 cut at a character boundary, control characters as spaces, bytes of
// invalid UTF-8 as '?'.
std::string response_excerpt(std::string_view body);

}  // namespace redress::api
