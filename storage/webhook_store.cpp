#include "storage/webhook_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "storage/webhook_rules.h"

namespace redress::storage {
namespace {

using webhook_rules::check_id;
using webhook_rules::check_patterns;
using webhook_rules::check_secret;
using webhook_rules::check_text;
using webhook_rules::check_url;
using webhook_rules::shown;

constexpr size_t kMaxBatchLimit = 1000;  // due deliveries and purges per call (not listings)
constexpr size_t kMaxDispatchBatch = 10000;
constexpr const char* kCursorName = "webhook_dispatch_cursor";

std::int64_t clamp_limit(size_t limit, size_t max = kMaxBatchLimit) {
  return static_cast<std::int64_t>(std::clamp<size_t>(limit, 1, max));
}

Error subscription_not_found(const std::string& id) {
  return Error::not_found("webhook subscription '" + shown(id) + "' does not exist", "/id");
}

Error delivery_not_found(std::int64_t id) {
  return Error::not_found("webhook delivery " + std::to_string(id) + " does not exist");
}

std::string patterns_json(const std::vector<std::string>& patterns) {
  return nlohmann::json(patterns).dump();
}

std::vector<std::string> stored_patterns(const std::string& text, const std::string& id) {
  try {
    return nlohmann::json::parse(text).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    throw SqliteError(SQLITE_CORRUPT, "webhook subscription '" + shown(id) +
                                          "' has unreadable event_types '" + shown(text) + "'");
  }
}

DeliveryStatus stored_status(const std::string& text, std::int64_t id) {
  if (auto status = parse_delivery_status(text)) return *status;
  throw SqliteError(SQLITE_CORRUPT, "webhook delivery " + std::to_string(id) +
                                        " has unknown status '" + shown(text) + "'");
}

// --- rows ------------------------------------------------------------------------------------

constexpr const char* kSubscriptionColumns =
    "id, url, event_types, secret, previous_secret, previous_secret_expires_at, enabled, "
    "coalesce(disabled_reason, ''), description, created_at, updated_at";

Subscription read_subscription(const Statement& row) {
  Subscription s;
  s.id = row.column_text(0);
  s.url = row.column_text(1);
  s.event_types = stored_patterns(row.column_text(2), s.id);
  s.secret = row.column_text(3);
  if (!row.column_is_null(4)) s.previous_secret = row.column_text(4);
  s.previous_secret_expires_at = column_optional_instant(row, 5);
  s.enabled = row.column_int(6) != 0;
  s.disabled_reason = row.column_text(7);
  s.description = row.column_text(8);
  s.created_at = from_millis(row.column_int(9));
  s.updated_at = from_millis(row.column_int(10));
  return s;
}

constexpr const char* kDeliverySelect =
    "d.id, d.subscription_id, d.outbox_id, o.webhook_id, o.event_type, d.status, d.attempts, "
    "d.round_attempts, d.next_attempt_at, d.last_status_code, d.last_latency_ms, "
    "coalesce(d.last_error, ''), d.created_at, d.updated_at "
    "FROM webhook_deliveries AS d JOIN outbox AS o ON o.id = d.outbox_id";

Delivery read_delivery(const Statement& row) {
  Delivery d;
  d.id = row.column_int(0);
  d.subscription_id = row.column_text(1);
  d.outbox_id = row.column_int(2);
  d.webhook_id = row.column_text(3);
  d.event_type = row.column_text(4);
  d.status = stored_status(row.column_text(5), d.id);
  d.attempts = static_cast<int>(row.column_int(6));
  d.round_attempts = static_cast<int>(row.column_int(7));
  d.next_attempt_at = column_optional_instant(row, 8);
  if (auto code = row.column_optional_int(9)) d.last_status_code = static_cast<int>(*code);
  d.last_latency_ms = row.column_optional_int(10);
  d.last_error = row.column_text(11);
  d.created_at = from_millis(row.column_int(12));
  d.updated_at = from_millis(row.column_int(13));
  return d;
}

// The lookups below serve both the writer (WriteContext) and the readers (ReadContext).

template <typename Context>
std::optional<Subscription> load_subscription(Context& context, const std::string& id) {
  auto select = context.statement(std::string("SELECT ") + kSubscriptionColumns +
                                  " FROM webhook_subscriptions WHERE id = ?");
  select->bind(1, id);
  if (!select->step()) return std::nullopt;
  return read_subscription(*select);
}

template <typename Context>
std::optional<Delivery> load_delivery(Context& context, std::int64_t id) {
  auto select = context.statement(std::string("SELECT ") + kDeliverySelect + " WHERE d.id = ?");
  select->bind(1, id);
  if (!select->step()) return std::nullopt;
  return read_delivery(*select);
}

void store_subscription(WriteContext& context, const Subscription& s) {
  auto update = context.statement(
      "UPDATE webhook_subscriptions SET url = ?, event_types = ?, secret = ?, "
      "previous_secret = ?, previous_secret_expires_at = ?, enabled = ?, disabled_reason = ?, "
      "description = ?, updated_at = ? WHERE id = ?");
  update->bind(1, s.url)
      .bind(2, patterns_json(s.event_types))
      .bind(3, s.secret)
      .bind_or_null(4, s.previous_secret ? std::string_view(*s.previous_secret) : "")
      .bind_or_null(5, optional_millis(s.previous_secret_expires_at))
      .bind(6, s.enabled ? 1 : 0)
      .bind_or_null(7, s.disabled_reason)
      .bind(8, s.description)
      .bind(9, to_millis(s.updated_at))
      .bind(10, s.id);
  update->run();
}

// Runs `change` on the stored subscription `id` and stores the result.
template <typename Change>
std::function<Result<Subscription>(WriteContext&)> modify(std::string id, Change change) {
  // The work may run twice (a batch SQLite aborted is retried write by write): it only reads
  // what it captured.
  return [id = std::move(id),
          change = std::move(change)](WriteContext& context) -> Result<Subscription> {
    auto current = load_subscription(context, id);
    if (!current) return subscription_not_found(id);
    Subscription next = *current;
    if (auto refused = change(next)) return *refused;
    store_subscription(context, next);
    return next;
  };
}

}  // namespace
// Walks the partial index webhook_deliveries_due in due order; the exclusions are bound as JSON
// arrays so that the statement stays one prepared statement.
const char* const kDueDeliveriesSql =
    "SELECT d.id, d.subscription_id, s.url, s.secret, s.previous_secret, "
    "s.previous_secret_expires_at, o.webhook_id, o.event_type, o.payload, d.attempts, "
    "d.round_attempts, d.created_at, d.next_attempt_at, "
    // The round's first attempt, by its ordinal: attempts are numbered 1.. per delivery and
    // the last round_attempts of them belong to this round.
    "(SELECT a.started_at FROM webhook_attempts AS a WHERE a.delivery_id = d.id "
    "AND a.attempt = d.attempts - d.round_attempts + 1 AND d.round_attempts > 0) "
    "FROM webhook_deliveries AS d "
    "JOIN webhook_subscriptions AS s ON s.id = d.subscription_id "
    "JOIN outbox AS o ON o.id = d.outbox_id "
    "WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND s.enabled = 1 "
    "AND d.id NOT IN (SELECT value FROM json_each(?)) "
    "AND d.subscription_id NOT IN (SELECT value FROM json_each(?)) "
    "ORDER BY d.next_attempt_at, d.id LIMIT ?";

// --- free functions ----------------------------------------------------------------------------

std::string_view delivery_status_name(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kSucceeded:
      return "succeeded";
    case DeliveryStatus::kDead:
      return "dead";
  }
  return "pending";
}

std::optional<DeliveryStatus> parse_delivery_status(std::string_view name) {
  if (name == "pending") return DeliveryStatus::kPending;
  if (name == "succeeded") return DeliveryStatus::kSucceeded;
  if (name == "dead") return DeliveryStatus::kDead;
  return std::nullopt;
}

// --- subscriptions ---------------------------------------------------------------------------

void WebhookStore::create(NewSubscription subscription, Instant now,
                          std::function<void(Result<Subscription>)> done) {
  auto invalid = check_id(subscription.id);
  if (!invalid) invalid = check_url(subscription.url);
  if (!invalid) invalid = check_patterns(subscription.event_types);
  if (!invalid) invalid = check_secret(subscription.secret);
  if (!invalid) invalid = check_text(subscription.description, "description", "/description");
  if (invalid) {
    done(*invalid);
    return;
  }
  Subscription s;
  s.id = std::move(subscription.id);
  s.url = std::move(subscription.url);
  s.event_types = std::move(subscription.event_types);
  s.secret = std::move(subscription.secret);
  s.description = std::move(subscription.description);
  s.created_at = now;
  s.updated_at = now;
  auto work = [s = std::move(s)](WriteContext& context) -> Result<Subscription> {
    if (load_subscription(context, s.id)) {
      return Error::already_exists(
          "webhook subscription '" + s.id + "' already exists; choose another id", "/id");
    }
    auto insert = context.statement(
        "INSERT INTO webhook_subscriptions (id, url, event_types, secret, enabled, description, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)");
    insert->bind(1, s.id)
        .bind(2, s.url)
        .bind(3, patterns_json(s.event_types))
        .bind(4, s.secret)
        .bind(5, s.description)
        .bind(6, to_millis(s.created_at))
        .bind(7, to_millis(s.updated_at));
    insert->run();
    return s;
  };
  store_.write<Subscription>(std::move(work), std::move(done));
}

Result<std::optional<Subscription>> WebhookStore::get(const std::string& id) const {
  return store_.read<std::optional<Subscription>>(
      [&](ReadContext& context) { return load_subscription(context, id); });
}

Result<std::vector<Subscription>> WebhookStore::list(const std::string& after_id,
                                                     size_t limit) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  return store_.read<std::vector<Subscription>>([&](ReadContext& context) {
    auto select = context.statement(std::string("SELECT ") + kSubscriptionColumns +
                                    " FROM webhook_subscriptions WHERE id > ? ORDER BY id LIMIT ?");
    select->bind(1, after_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<Subscription> out;
    while (select->step()) out.push_back(read_subscription(*select));
    return out;
  });
}

void WebhookStore::update(std::string id, SubscriptionPatch patch, Instant now,
                          std::function<void(Result<Subscription>)> done) {
  std::optional<Error> invalid;
  if (patch.url) invalid = check_url(*patch.url);
  if (!invalid && patch.event_types) invalid = check_patterns(*patch.event_types);
  if (!invalid && patch.description) {
    invalid = check_text(*patch.description, "description", "/description");
  }
  if (invalid) {
    done(*invalid);
    return;
  }
  auto change = [patch = std::move(patch), now](Subscription& s) -> std::optional<Error> {
    if (patch.url) s.url = *patch.url;
    if (patch.event_types) s.event_types = *patch.event_types;
    if (patch.description) s.description = *patch.description;
    if (patch.enabled && *patch.enabled != s.enabled) {
      s.enabled = *patch.enabled;
      s.disabled_reason = s.enabled ? "" : "disabled by update";
    } else if (patch.enabled && *patch.enabled) {
      s.disabled_reason.clear();
    }
    s.updated_at = now;
    return std::nullopt;
  };
  store_.write<Subscription>(modify(std::move(id), std::move(change)), std::move(done));
}

void WebhookStore::rotate_secret(std::string id, std::string new_secret, Instant now,
                                 std::chrono::milliseconds keep_previous_for,
                                 std::function<void(Result<Subscription>)> done) {
  if (auto invalid = check_secret(new_secret)) {
    done(*invalid);
    return;
  }
  auto change = [new_secret = std::move(new_secret), now,
                 keep_previous_for](Subscription& s) -> std::optional<Error> {
    if (s.secret == new_secret) {
      return Error::invalid_field("the new secret is the current secret; generate a new one",
                                  "/secret");
    }
    if (keep_previous_for > std::chrono::milliseconds::zero()) {
      s.previous_secret = s.secret;
      s.previous_secret_expires_at = now + keep_previous_for;
    } else {
      s.previous_secret.reset();
      s.previous_secret_expires_at.reset();
    }
    s.secret = new_secret;
    s.updated_at = now;
    return std::nullopt;
  };
  store_.write<Subscription>(modify(std::move(id), std::move(change)), std::move(done));
}

void WebhookStore::disable(std::string id, std::string reason, Instant now,
                           std::function<void(Result<Subscription>)> done) {
  if (auto invalid = check_text(reason, "reason", "/reason")) {
    done(*invalid);
    return;
  }
  auto change = [reason = std::move(reason), now](Subscription& s) -> std::optional<Error> {
    s.enabled = false;
    s.disabled_reason = reason.empty() ? "disabled" : reason;
    s.updated_at = now;
    return std::nullopt;
  };
  store_.write<Subscription>(modify(std::move(id), std::move(change)), std::move(done));
}

// --- fan-out ---------------------------------------------------------------------------------

void WebhookStore::dispatch(Instant now, size_t limit,
                            std::function<void(Result<DispatchResult>)> done) {
  const auto batch = clamp_limit(limit, kMaxDispatchBatch);
  auto work = [now, batch](WriteContext& context) -> Result<DispatchResult> {
    // The cursor holds the first outbox id not yet fanned out.
    {
      auto ensure =
          context.statement("INSERT OR IGNORE INTO id_sequences (name, next_value) VALUES (?, 1)");
      ensure->bind(1, kCursorName);
      ensure->run();
    }
    std::int64_t cursor = 1;
    {
      auto select = context.statement("SELECT next_value FROM id_sequences WHERE name = ?");
      select->bind(1, kCursorName);
      if (select->step()) cursor = select->column_int(0);
    }
    struct Target {
      std::string id;
      std::vector<std::string> patterns;
    };
    std::vector<Target> targets;
    {
      auto select = context.statement(
          "SELECT id, event_types FROM webhook_subscriptions WHERE enabled = 1 ORDER BY id");
      while (select->step()) {
        auto id = select->column_text(0);
        auto patterns = stored_patterns(select->column_text(1), id);
        targets.push_back({std::move(id), std::move(patterns)});
      }
    }
    struct Row {
      std::int64_t id;
      std::string type;
      std::int64_t created_at;
    };
    std::vector<Row> rows;
    {
      auto select = context.statement(
          "SELECT id, event_type, created_at FROM outbox WHERE id >= ? ORDER BY id LIMIT ?");
      select->bind(1, cursor).bind(2, batch);
      while (select->step()) {
        rows.push_back({select->column_int(0), select->column_text(1), select->column_int(2)});
      }
    }
    DispatchResult result;
    const auto now_ms = to_millis(now);
    for (const auto& row : rows) {
      for (const auto& target : targets) {
        const bool matches =
            std::any_of(target.patterns.begin(), target.patterns.end(),
                        [&](const std::string& p) { return event_type_matches(p, row.type); });
        if (!matches) continue;
        auto insert = context.statement(
            "INSERT INTO webhook_deliveries (subscription_id, outbox_id, status, attempts, "
            "round_attempts, next_attempt_at, created_at, updated_at) "
            "VALUES (?, ?, 'pending', 0, 0, ?, ?, ?) "
            "ON CONFLICT (subscription_id, outbox_id) DO NOTHING");
        insert->bind(1, target.id)
            .bind(2, row.id)
            .bind(3, std::min(row.created_at, now_ms))
            .bind(4, now_ms)
            .bind(5, now_ms);
        insert->run();
        result.deliveries += static_cast<size_t>(context.db().changes());
      }
    }
    if (!rows.empty()) {
      auto advance = context.statement("UPDATE id_sequences SET next_value = ? WHERE name = ?");
      advance->bind(1, rows.back().id + 1).bind(2, kCursorName);
      advance->run();
    }
    result.outbox_rows = rows.size();
    return result;
  };
  store_.write<DispatchResult>(std::move(work), std::move(done));
}

Result<bool> WebhookStore::has_undispatched() const {
  return store_.read<bool>([](ReadContext& context) {
    auto select = context.statement(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE id >= coalesce((SELECT next_value FROM "
        "id_sequences WHERE name = 'webhook_dispatch_cursor'), 1))");
    return select->step() && select->column_int(0) != 0;
  });
}

// --- attempts --------------------------------------------------------------------------------

Result<std::vector<DueDelivery>> WebhookStore::due_deliveries(Instant now, size_t limit,
                                                              const DueFilter& filter) const {
  const auto excluded_deliveries = nlohmann::json(filter.exclude_deliveries).dump();
  const auto excluded_subscriptions = nlohmann::json(filter.exclude_subscriptions).dump();
  return store_.read<std::vector<DueDelivery>>([&](ReadContext& context) {
    auto select = context.statement(kDueDeliveriesSql);
    select->bind(1, to_millis(now))
        .bind(2, excluded_deliveries)
        .bind(3, excluded_subscriptions)
        .bind(4, clamp_limit(limit));
    std::vector<DueDelivery> out;
    while (select->step()) {
      DueDelivery d;
      d.id = select->column_int(0);
      d.subscription_id = select->column_text(1);
      d.url = select->column_text(2);
      if (auto endpoint = parse_webhook_url(d.url); endpoint.ok()) {
        d.endpoint = std::move(endpoint).value();
      } else {
        d.url_error = endpoint.error().message;
      }
      d.secrets.push_back(select->column_text(3));
      const auto previous_expires = select->column_optional_int(5);
      if (!select->column_is_null(4) && previous_expires && *previous_expires > to_millis(now)) {
        d.secrets.push_back(select->column_text(4));
      }
      d.webhook_id = select->column_text(6);
      d.event_type = select->column_text(7);
      d.payload = select->column_text(8);
      d.attempts = static_cast<int>(select->column_int(9));
      d.round_attempts = static_cast<int>(select->column_int(10));
      d.created_at = from_millis(select->column_int(11));
      d.next_attempt_at = from_millis(select->column_int(12));
      if (const auto started = select->column_optional_int(13)) {
        d.round_started_at = from_millis(*started);
      }
      out.push_back(std::move(d));
    }
    return out;
  });
}

void WebhookStore::record_attempt(std::int64_t delivery_id, AttemptRecord record,
                                  AttemptOutcome outcome,
                                  std::function<void(Result<Delivery>)> done) {
  auto work = [delivery_id, record = std::move(record),
               outcome](WriteContext& context) -> Result<Delivery> {
    std::int64_t attempts = 0;
    std::string subscription_id;
    {
      auto select = context.statement(
          "SELECT attempts, subscription_id FROM webhook_deliveries WHERE id = ?");
      select->bind(1, delivery_id);
      if (!select->step()) return delivery_not_found(delivery_id);
      attempts = select->column_int(0);
      subscription_id = select->column_text(1);
    }
    using Kind = AttemptOutcome::Kind;
    const bool gone = outcome.kind == Kind::kSubscriptionGone;
    const auto finished_at =
        to_millis(record.started_at) + std::max<std::int64_t>(0, record.latency_ms);
    const std::optional<std::int64_t> status_code =
        record.status_code ? std::optional<std::int64_t>(*record.status_code) : std::nullopt;
    {
      auto insert = context.statement(
          "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, status_code, "
          "latency_ms, error) VALUES (?, ?, ?, ?, ?, ?)");
      insert->bind(1, delivery_id)
          .bind(2, attempts + 1)
          .bind(3, to_millis(record.started_at))
          .bind_or_null(4, status_code)
          .bind(5, record.latency_ms)
          .bind_or_null(6, record.error.empty() && gone ? std::string_view(kGoneReason)
                                                        : std::string_view(record.error));
      insert->run();
    }
    std::string_view status = "pending";
    std::optional<std::int64_t> next_attempt_at;
    std::string_view last_error = record.error;
    switch (outcome.kind) {
      case Kind::kSucceeded:
        status = "succeeded";
        last_error = "";
        break;
      case Kind::kRetry:
        next_attempt_at = to_millis(outcome.next_attempt_at);
        break;
      case Kind::kDead:
        status = "dead";
        break;
      case Kind::kSubscriptionGone:
        status = "dead";
        last_error = kGoneReason;
        break;
    }
    {
      auto update = context.statement(
          "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, "
          "round_attempts = round_attempts + 1, next_attempt_at = ?, last_status_code = ?, "
          "last_latency_ms = ?, last_error = ?, updated_at = ? WHERE id = ?");
      update->bind(1, status)
          .bind_or_null(2, next_attempt_at)
          .bind_or_null(3, status_code)
          .bind(4, record.latency_ms)
          .bind_or_null(5, last_error)
          .bind(6, finished_at)
          .bind(7, delivery_id);
      update->run();
    }
    if (gone) {
      auto update = context.statement(
          "UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = ?, updated_at = ? "
          "WHERE id = ?");
      update->bind(1, kGoneReason).bind(2, finished_at).bind(3, subscription_id);
      update->run();
    }
    auto stored = load_delivery(context, delivery_id);
    if (!stored) return delivery_not_found(delivery_id);
    return *stored;
  };
  store_.write<Delivery>(std::move(work), std::move(done));
}

void WebhookStore::redeliver(std::int64_t delivery_id, Instant now,
                             std::function<void(Result<Delivery>)> done) {
  auto work = [delivery_id, now](WriteContext& context) -> Result<Delivery> {
    {
      auto update = context.statement(
          "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, "
          "round_attempts = 0, updated_at = ? WHERE id = ?");
      update->bind(1, to_millis(now)).bind(2, to_millis(now)).bind(3, delivery_id);
      update->run();
    }
    if (context.db().changes() == 0) return delivery_not_found(delivery_id);
    auto stored = load_delivery(context, delivery_id);
    if (!stored) return delivery_not_found(delivery_id);
    return *stored;
  };
  store_.write<Delivery>(std::move(work), std::move(done));
}

// --- listings and metrics -------------------------------------------------------------------

Result<std::vector<Delivery>> WebhookStore::deliveries(const std::string& subscription_id,
                                                       std::optional<DeliveryStatus> status,
                                                       std::int64_t after_id, size_t limit) const {
  if (auto checked = check_listing_limit(limit); !checked.ok()) return checked.error();
  std::optional<std::vector<Delivery>> found;
  auto read = store_.read<bool>([&](ReadContext& context) {
    Transaction snapshot(context.db(), Transaction::Kind::kDeferred);
    {
      auto exists = context.statement("SELECT 1 FROM webhook_subscriptions WHERE id = ?");
      exists->bind(1, subscription_id);
      if (!exists->step()) return false;
    }
    auto select = context.statement(
        std::string("SELECT ") + kDeliverySelect +
        " WHERE d.subscription_id = ? AND d.id < ? AND (? IS NULL OR d.status = ?) "
        "ORDER BY d.id DESC LIMIT ?");
    const std::string status_name = status ? std::string(delivery_status_name(*status)) : "";
    select->bind(1, subscription_id)
        .bind(2, after_id > 0 ? after_id : std::numeric_limits<std::int64_t>::max())
        .bind_or_null(3, status_name)
        .bind_or_null(4, status_name)
        .bind(5, static_cast<std::int64_t>(limit));
    found.emplace();
    while (select->step()) found->push_back(read_delivery(*select));
    snapshot.commit();
    return true;
  });
  if (!read.ok()) return read.error();
  if (!read.value()) return subscription_not_found(subscription_id);
  return std::move(*found);
}

Result<std::optional<Delivery>> WebhookStore::delivery(std::int64_t delivery_id) const {
  return store_.read<std::optional<Delivery>>(
      [&](ReadContext& context) { return load_delivery(context, delivery_id); });
}

Result<std::vector<DeliveryAttempt>> WebhookStore::attempts(std::int64_t delivery_id) const {
  return store_.read<std::vector<DeliveryAttempt>>([&](ReadContext& context) {
    auto select = context.statement(
        "SELECT attempt, started_at, status_code, latency_ms, coalesce(error, '') "
        "FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt");
    select->bind(1, delivery_id);
    std::vector<DeliveryAttempt> out;
    while (select->step()) {
      DeliveryAttempt a;
      a.attempt = static_cast<int>(select->column_int(0));
      a.record.started_at = from_millis(select->column_int(1));
      if (auto code = select->column_optional_int(2))
        a.record.status_code = static_cast<int>(*code);
      a.record.latency_ms = select->column_optional_int(3).value_or(0);
      a.record.error = select->column_text(4);
      out.push_back(std::move(a));
    }
    return out;
  });
}

Result<std::int64_t> WebhookStore::pending_count() const {
  return store_.read<std::int64_t>([](ReadContext& context) {
    auto select =
        context.statement("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'");
    return select->step() ? select->column_int(0) : 0;
  });
}

const char* const kDeadCountSql = "SELECT count(*) FROM webhook_deliveries WHERE status = 'dead'";

Result<std::int64_t> WebhookStore::dead_count() const {
  return store_.read<std::int64_t>([](ReadContext& context) {
    auto select = context.statement(kDeadCountSql);
    return select->step() ? select->column_int(0) : 0;
  });
}

// --- retention -------------------------------------------------------------------------------

const char* const kSettledDeliveriesSql =
    "SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < ?1 "
    "ORDER BY updated_at, id LIMIT ?2";

// Outbox ids grow with created_at, so the oldest rows come first and the walk stops early. A
// row at or past the dispatch cursor has not been fanned out yet.
const char* const kPurgeableOutboxSql =
    "SELECT o.id FROM outbox AS o "
    "WHERE o.id < coalesce((SELECT next_value FROM id_sequences "
    "WHERE name = 'webhook_dispatch_cursor'), 1) AND o.created_at < ?1 "
    "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS d WHERE d.outbox_id = o.id) "
    "ORDER BY o.id LIMIT ?2";

void WebhookStore::purge_settled(Instant before, size_t limit,
                                 std::function<void(Result<PurgeResult>)> done) {
  const auto bounded = clamp_limit(limit);
  auto work = [before, bounded](WriteContext& context) -> Result<PurgeResult> {
    const auto ids_of = [&](const char* sql) {
      std::vector<std::int64_t> ids;
      auto select = context.statement(sql);
      select->bind(1, to_millis(before)).bind(2, bounded);
      while (select->step()) ids.push_back(select->column_int(0));
      return ids;
    };
    PurgeResult result;
    for (const auto id : ids_of(kSettledDeliveriesSql)) {
      auto attempts = context.statement("DELETE FROM webhook_attempts WHERE delivery_id = ?");
      attempts->bind(1, id);
      attempts->run();
      result.attempts += static_cast<size_t>(context.db().changes());
      auto delivery = context.statement("DELETE FROM webhook_deliveries WHERE id = ?");
      delivery->bind(1, id);
      delivery->run();
      ++result.deliveries;
    }
    for (const auto id : ids_of(kPurgeableOutboxSql)) {
      auto outbox = context.statement("DELETE FROM outbox WHERE id = ?");
      outbox->bind(1, id);
      outbox->run();
      ++result.outbox_rows;
    }
    return result;
  };
  store_.write<PurgeResult>(std::move(work), std::move(done));
}

}  // namespace redress::storage
