// WebhookStore: webhook subscriptions and the deliveries made to them, kept in the case database.
//
// Webhooks leave Redress through the transactional outbox (case_store.h): a decision's outbox
// rows commit together with its journal entries. From there:
//
//   outbox row ──dispatch──▶ one delivery per matching, enabled subscription (status pending)
//   pending delivery ──due_deliveries──▶ the sender (api/delivery/webhook_sender.h) makes an
//   attempt attempt ──record_attempt──▶ succeeded │ retry at T │ dead │ 410: dead + subscription
//   disabled dead or succeeded delivery ──redeliver──▶ pending again, its retry schedule starting
//   over
//
// `dispatch` reads the outbox after a cursor kept in id_sequences ('webhook_dispatch_cursor'),
// inserts the deliveries and advances the cursor in ONE write (one savepoint), so a crash never
// loses a fan-out nor makes one twice. Outbox rows are matched against the subscriptions enabled
// when the row is dispatched; a subscription created later never receives earlier events.
//
// A delivery counts its attempts twice: `attempts`, every attempt ever made (it numbers the rows
// of webhook_attempts), and `round_attempts`, the attempts of the current round, which pick the
// next delay of the retry schedule; a redelivery by hand starts a new round.
//
// Subscription rules, checked here at the storage boundary (INVALID_FIELD with a JSON pointer):
//   id           1..128 characters of [A-Za-z0-9._-]                                   "/id"
//   url          http:// or https:// with a host, optional port, no user info, no spaces or
//                control characters, at most 2048 bytes                                "/url"
//   event_types  1..50 patterns, each "*" (every type), an exact dot-separated type
//                ("case.escalated") or a prefix pattern ("case.*": every type under case.);
//                a segment is 1+ characters of [A-Za-z0-9_-]; 1..100 characters each
//                                                                         "/event_types/<i>"
//   secret       "whsec_" + base64 of 24..64 bytes (Standard Webhooks)             "/secret"
//   description  valid UTF-8, at most 500 bytes                                "/description"
// Other codes: NOT_FOUND (no such subscription or delivery), ALREADY_EXISTS (the id is taken),
// and the storage errors of case_store.h.
//
// Writes go through the CaseStore's single writer and answer through `done`, called exactly once:
// on the writer thread after the commit is durable, or at once on the calling thread when the
// input is invalid or the store refuses the write (queue full, shutting down). `done` must not
// block: hand the result to your own executor. Reads run on the store's read-only connections,
// never wait for the writer and see only committed state.
//
// Thread-safety: every method may be called from any thread. WebhookStore holds only a reference
// to the CaseStore, which must outlive it and every write it queued.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/result.h"
#include "engine/time.h"
#include "storage/case_store.h"
#include "storage/webhook_rules.h"

namespace redress::storage {

struct Subscription {
  std::string id;
  std::string url;
  std::vector<std::string> event_types;  // patterns, see above
  std::string secret;                    // "whsec_..."; signs every attempt
  // The secret before the last rotation: attempts are signed with it too until it expires, so
  // that a receiver can switch to the new secret at its own pace.
  std::optional<std::string> previous_secret;
  std::optional<Instant> previous_secret_expires_at;
  bool enabled = true;
  std::string disabled_reason;  // why it was disabled ("" while enabled)
  std::string description;
  Instant created_at{};
  Instant updated_at{};
};

struct NewSubscription {
  std::string id;
  std::string url;
  std::vector<std::string> event_types;
  std::string secret;  // e.g. from api/delivery/webhook_signature.h new_secret()
  std::string description;
};

// Changes to a subscription; fields left empty keep their value.
struct SubscriptionPatch {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> event_types;
  std::optional<bool> enabled;  // true clears disabled_reason
  std::optional<std::string> description;
};

enum class DeliveryStatus { kPending, kSucceeded, kDead };
std::string_view delivery_status_name(DeliveryStatus status);  // "pending", "succeeded", "dead"
std::optional<DeliveryStatus> parse_delivery_status(std::string_view name);

// A delivery as listings show it.
struct Delivery {
  std::int64_t id = 0;
  std::string subscription_id;
  std::int64_t outbox_id = 0;
  std::string webhook_id;  // the outbox row's: the same on every attempt
  std::string event_type;
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;                        // every attempt ever made
  int round_attempts = 0;                  // attempts since the delivery was (re)scheduled
  std::optional<Instant> next_attempt_at;  // pending only
  std::optional<int> last_status_code;     // none: no attempt yet, or no HTTP answer
  std::optional<std::int64_t> last_latency_ms;
  std::string last_error;  // "" after a success
  Instant created_at{};
  Instant updated_at{};
};

// What the sender needs for one attempt.
struct DueDelivery {
  std::int64_t id = 0;
  std::string subscription_id;
  std::string url;
  // The URL taken apart (parse_webhook_url), so the sender connects without parsing it again.
  // Empty only when a stored URL no longer parses under today's rules; url_error says why.
  std::optional<WebhookEndpoint> endpoint;
  std::string url_error;
  // Secrets to sign with: the current one first, then the previous one while it has not expired
  // (at the `now` given to due_deliveries).
  std::vector<std::string> secrets;
  std::string webhook_id;
  std::string event_type;
  std::string payload;  // the exact body to send
  int attempts = 0;
  int round_attempts = 0;
  Instant created_at{};
  Instant next_attempt_at{};
  // When the first attempt of this round started (the retry schedule runs from it); none when
  // this round has made no attempt yet.
  std::optional<Instant> round_started_at;
};

// Rows due_deliveries must not return: deliveries already in flight, and subscriptions that
// have as many attempts in flight as they may (so that their backlog does not take the places
// of other subscriptions' deliveries in the answer).
struct DueFilter {
  std::vector<std::int64_t> exclude_deliveries;
  std::vector<std::string> exclude_subscriptions;
};

// One attempt as the webhook_attempts table keeps it.
struct AttemptRecord {
  Instant started_at{};
  std::optional<int> status_code;  // none: no HTTP answer (network error, timeout, TLS)
  std::int64_t latency_ms = 0;
  std::string error;  // "" on success; otherwise what went wrong, for a person
};

struct DeliveryAttempt {
  int attempt = 0;  // 1, 2, ... per delivery
  AttemptRecord record;
};

// What an attempt means for its delivery (the sender decides; the store records).
struct AttemptOutcome {
  enum class Kind {
    kSucceeded,         // 2xx: done
    kRetry,             // failed; try again at `next_attempt_at`
    kDead,              // failed and the retry schedule is exhausted: dead-lettered
    kSubscriptionGone,  // 410 Gone: the delivery is dead and the subscription disabled
  };
  Kind kind = Kind::kSucceeded;
  Instant next_attempt_at{};  // kRetry only

  static AttemptOutcome succeeded() { return {Kind::kSucceeded, {}}; }
  static AttemptOutcome retry_at(Instant t) { return {Kind::kRetry, t}; }
  static AttemptOutcome dead() { return {Kind::kDead, {}}; }
  static AttemptOutcome subscription_gone() { return {Kind::kSubscriptionGone, {}}; }
};

// How long a rotated-out secret is still signed with, unless told otherwise.
inline constexpr std::chrono::milliseconds kDefaultSecretOverlap = std::chrono::hours(24);

// The error recorded on a delivery, and the reason recorded on its subscription, after a 410.
inline constexpr const char* kGoneReason = "endpoint answered 410 Gone; subscription disabled";

struct PurgeResult {
  size_t deliveries = 0;   // settled deliveries deleted
  size_t attempts = 0;     // their attempt rows
  size_t outbox_rows = 0;  // outbox rows deleted
};

struct DispatchResult {
  size_t outbox_rows = 0;  // outbox rows consumed (the cursor moved past them)
  size_t deliveries = 0;   // deliveries created
};

// The SQL of due_deliveries (for the query-plan test: it must walk webhook_deliveries_due), and
// of the retention and metrics queries (each must walk its index, not the delivery table).
extern const char* const kDueDeliveriesSql;
extern const char* const kSettledDeliveriesSql;
extern const char* const kPurgeableOutboxSql;
extern const char* const kDeadCountSql;

class WebhookStore {
 public:
  explicit WebhookStore(CaseStore& store) : store_(store) {}
  WebhookStore(const WebhookStore&) = delete;
  WebhookStore& operator=(const WebhookStore&) = delete;

  // --- subscriptions ---------------------------------------------------------------------------
  void create(NewSubscription subscription, Instant now,
              std::function<void(Result<Subscription>)> done);
  Result<std::optional<Subscription>> get(const std::string& id) const;
  // Subscriptions with id > after_id ("" = from the start), by id; limit 1..kMaxListingRows
  // (listing_limit.h), else INVALID_ARGUMENT.
  Result<std::vector<Subscription>> list(const std::string& after_id, size_t limit) const;
  // Applies `patch` with the rules of create. Enabling clears disabled_reason; disabling this way
  // records the reason "disabled by update".
  void update(std::string id, SubscriptionPatch patch, Instant now,
              std::function<void(Result<Subscription>)> done);
  // Makes `new_secret` the signing secret; the current one becomes previous_secret, still signed
  // with until now + keep_previous_for (zero or less: dropped at once). INVALID_FIELD "/secret"
  // when the new secret is the current one.
  void rotate_secret(std::string id, std::string new_secret, Instant now,
                     std::chrono::milliseconds keep_previous_for,
                     std::function<void(Result<Subscription>)> done);
  // The same, keeping the previous secret for kDefaultSecretOverlap.
  void rotate_secret(std::string id, std::string new_secret, Instant now,
                     std::function<void(Result<Subscription>)> done) {
    rotate_secret(std::move(id), std::move(new_secret), now, kDefaultSecretOverlap,
                  std::move(done));
  }
  // Stops deliveries to the subscription (its pending deliveries wait until it is enabled again).
  void disable(std::string id, std::string reason, Instant now,
               std::function<void(Result<Subscription>)> done);

  // --- fan-out ---------------------------------------------------------------------------------
  // Consumes up to `limit` outbox rows after the cursor (see above). A new delivery is due at
  // the outbox row's created_at, or `now` if that is earlier.
  void dispatch(Instant now, size_t limit, std::function<void(Result<DispatchResult>)> done);
  // Whether outbox rows wait to be dispatched (a cheap read: spares an idle sender its writes).
  Result<bool> has_undispatched() const;

  // --- attempts --------------------------------------------------------------------------------
  // Pending deliveries with next_attempt_at <= now whose subscription is enabled, in
  // (next_attempt_at, id) order, at most `limit` (clamped to 1..1000).
  Result<std::vector<DueDelivery>> due_deliveries(Instant now, size_t limit,
                                                  const DueFilter& filter = {}) const;
  // Inserts the attempt's row and updates its delivery (attempts and round_attempts + 1, last
  // status code, latency and error) according to `outcome`, in one write. NOT_FOUND when there
  // is no such delivery. Answers the delivery as updated.
  void record_attempt(std::int64_t delivery_id, AttemptRecord record, AttemptOutcome outcome,
                      std::function<void(Result<Delivery>)> done);
  // Makes a delivery (dead, succeeded, or pending) due at `now` with a new round of the retry
  // schedule. NOT_FOUND when there is no such delivery.
  void redeliver(std::int64_t delivery_id, Instant now, std::function<void(Result<Delivery>)> done);

  // --- listings and metrics -----------------------------------------------------------------
  // The subscription's deliveries, newest first: with id < after_id when after_id > 0 (the last
  // id of the previous page), only `status` when given; limit 1..kMaxListingRows, else
  // INVALID_ARGUMENT. NOT_FOUND when there is no such subscription.
  Result<std::vector<Delivery>> deliveries(const std::string& subscription_id,
                                           std::optional<DeliveryStatus> status,
                                           std::int64_t after_id, size_t limit) const;
  Result<std::optional<Delivery>> delivery(std::int64_t delivery_id) const;
  // Every attempt of a delivery, oldest first.
  Result<std::vector<DeliveryAttempt>> attempts(std::int64_t delivery_id) const;
  Result<std::int64_t> pending_count() const;
  Result<std::int64_t> dead_count() const;

  // --- retention -------------------------------------------------------------------------------
  // Deletes, in one write, at most `limit` settled deliveries (succeeded or dead) last updated
  // before `before`, oldest first, with their attempts; then at most `limit` outbox rows created
  // before `before` that have been dispatched and that no delivery refers to any more. Pending
  // deliveries are kept whatever their age (a disabled subscription's backlog waits for it to be
  // enabled again), and so are the outbox rows they send.
  void purge_settled(Instant before, size_t limit, std::function<void(Result<PurgeResult>)> done);

 private:
  CaseStore& store_;
};

}  // namespace redress::storage
