// WebhookStore on real SQLite files: subscriptions and their rules, the outbox fan-out (exactly
// once, across restarts), due work, attempts and their outcomes, redelivery, secret rotation.
#include <future>
#include <map>
#include <memory>
#include <set>

#include "storage/sqlite.h"
#include "storage/webhook_store.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::storage;
using namespace redress::testing;
using namespace std::chrono_literals;

namespace {

// 24 bytes, and 32 bytes after rotation (Standard Webhooks' published example secret first).
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kSecret2 = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

// Blocks until a callback-style write answers (the writer thread calls `done`).
template <typename T, typename Start>
Result<T> await(Start&& start) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto answer = promise->get_future();
  start([promise](Result<T> result) { promise->set_value(std::move(result)); });
  return answer.get();
}

Subscription create(WebhookStore& webhooks, const std::string& id,
                    std::vector<std::string> types = {"*"},
                    const std::string& url = "https://hooks.example.com/redress") {
  return require_ok(await<Subscription>([&](auto done) {
    webhooks.create(NewSubscription{id, url, std::move(types), kSecret, "test endpoint"},
                    monday_morning(), std::move(done));
  }));
}

Error create_error(WebhookStore& webhooks, NewSubscription subscription) {
  auto result = await<Subscription>([&](auto done) {
    webhooks.create(std::move(subscription), monday_morning(), std::move(done));
  });
  BOOST_REQUIRE(!result.ok());
  return result.error();
}

NewSubscription valid_subscription() {
  return NewSubscription{"crm", "https://crm.example.com/hooks", {"case.*"}, kSecret, ""};
}

// Inserts `count` outbox rows as a decision would, in one write; answers the last one's id.
std::int64_t add_outbox(CaseStore& store, const std::string& type, Instant created_at,
                        int count = 1) {
  static int counter = 0;
  return require_ok(store
                        .write<std::int64_t>([=](WriteContext& context) -> Result<std::int64_t> {
                          std::int64_t id = 0;
                          for (int i = 0; i < count; ++i) {
                            auto insert = context.statement(
                                "INSERT INTO outbox (webhook_id, event_type, case_id, payload, "
                                "created_at) VALUES (?, ?, 'C-1', ?, ?) RETURNING id");
                            insert->bind(1, "msg_test_" + std::to_string(++counter))
                                .bind(2, type)
                                .bind(3, R"({"type":")" + type + R"(","data":{}})")
                                .bind(4, to_millis(created_at));
                            BOOST_REQUIRE(insert->step());
                            id = insert->column_int(0);
                          }
                          return id;
                        })
                        .get());
}

DispatchResult dispatch(WebhookStore& webhooks, Instant now, size_t limit = 100) {
  return require_ok(
      await<DispatchResult>([&](auto done) { webhooks.dispatch(now, limit, std::move(done)); }));
}

std::vector<Delivery> deliveries_of(WebhookStore& webhooks, const std::string& subscription) {
  return require_ok(webhooks.deliveries(subscription, std::nullopt, 0, 1000));
}

Delivery record(WebhookStore& webhooks, std::int64_t delivery_id, AttemptRecord attempt,
                AttemptOutcome outcome) {
  return require_ok(await<Delivery>(
      [&](auto done) { webhooks.record_attempt(delivery_id, attempt, outcome, std::move(done)); }));
}

}  // namespace

namespace redress::storage {
inline std::ostream& boost_test_print_type(std::ostream& out, DeliveryStatus status) {
  return out << delivery_status_name(status);
}
}  // namespace redress::storage

BOOST_AUTO_TEST_SUITE(webhook_store)

BOOST_AUTO_TEST_CASE(creates_gets_lists_and_updates_subscriptions) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  WebhookStore webhooks(*store);

  const auto created = create(webhooks, "crm", {"case.*", "approval.requested"});
  BOOST_TEST(created.id == "crm");
  BOOST_TEST(created.enabled);
  BOOST_TEST(created.secret == kSecret);
  BOOST_TEST(created.description == "test endpoint");
  create(webhooks, "audit");
  create(webhooks, "billing", {"compensation.*"});

  auto got = require_ok(webhooks.get("crm"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->url == "https://hooks.example.com/redress");
  BOOST_TEST((got->event_types == std::vector<std::string>{"case.*", "approval.requested"}));
  BOOST_TEST(got->created_at == monday_morning());
  BOOST_TEST(!got->previous_secret.has_value());
  BOOST_TEST(!require_ok(webhooks.get("nobody")).has_value());

  const auto page1 = require_ok(webhooks.list("", 2));
  BOOST_REQUIRE(page1.size() == 2u);
  BOOST_TEST(page1[0].id == "audit");
  BOOST_TEST(page1[1].id == "billing");
  const auto page2 = require_ok(webhooks.list(page1.back().id, 2));
  BOOST_REQUIRE(page2.size() == 1u);
  BOOST_TEST(page2[0].id == "crm");

  const auto later = monday_morning() + 1h;
  SubscriptionPatch patch;
  patch.url = "http://10.0.0.5:8080/in";
  patch.event_types = std::vector<std::string>{"*"};
  patch.description = "moved";
  auto updated = require_ok(await<Subscription>(
      [&](auto done) { webhooks.update("crm", patch, later, std::move(done)); }));
  BOOST_TEST(updated.url == "http://10.0.0.5:8080/in");
  BOOST_TEST((updated.event_types == std::vector<std::string>{"*"}));
  BOOST_TEST(updated.description == "moved");
  BOOST_TEST(updated.updated_at == later);
  BOOST_TEST(updated.created_at == monday_morning());

  // Disabled, then re-enabled: the reason goes away.
  auto disabled = require_ok(await<Subscription>(
      [&](auto done) { webhooks.disable("crm", "maintenance window", later, std::move(done)); }));
  BOOST_TEST(!disabled.enabled);
  BOOST_TEST(disabled.disabled_reason == "maintenance window");
  SubscriptionPatch enable;
  enable.enabled = true;
  auto enabled = require_ok(await<Subscription>(
      [&](auto done) { webhooks.update("crm", enable, later, std::move(done)); }));
  BOOST_TEST(enabled.enabled);
  BOOST_TEST(enabled.disabled_reason == "");
  BOOST_TEST(require_ok(webhooks.get("crm"))->disabled_reason == "");

  auto missing = await<Subscription>(
      [&](auto done) { webhooks.update("nobody", enable, later, std::move(done)); });
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().code == redress::ErrorCode::kNotFound);
  auto duplicate = await<Subscription>(
      [&](auto done) { webhooks.create(valid_subscription(), monday_morning(), std::move(done)); });
  BOOST_REQUIRE(!duplicate.ok());
  BOOST_TEST(duplicate.error().code == redress::ErrorCode::kAlreadyExists);
  BOOST_TEST(duplicate.error().pointer == "/id");
}

BOOST_AUTO_TEST_CASE(invalid_subscriptions_are_refused_with_a_pointer) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  WebhookStore webhooks(*store);

  const auto refused = [&](auto change, const std::string& pointer) {
    auto s = valid_subscription();
    change(s);
    const auto error = create_error(webhooks, s);
    BOOST_TEST(error.code == redress::ErrorCode::kInvalidField);
    BOOST_TEST(error.pointer == pointer, error.message);
  };
  refused([](NewSubscription& s) { s.id = ""; }, "/id");
  refused([](NewSubscription& s) { s.id = "has space"; }, "/id");
  refused([](NewSubscription& s) { s.id = "a@b"; }, "/id");
  refused([](NewSubscription& s) { s.id = std::string(129, 'a'); }, "/id");
  refused([](NewSubscription& s) { s.url = "ftp://example.com/"; }, "/url");
  refused([](NewSubscription& s) { s.url = "https://"; }, "/url");
  refused([](NewSubscription& s) { s.url = "https:///path"; }, "/url");
  refused([](NewSubscription& s) { s.url = "https://user:pw@example.com/"; }, "/url");
  refused([](NewSubscription& s) { s.url = "https://example.com:99999/"; }, "/url");
  refused([](NewSubscription& s) { s.url = "https://example.com:/"; }, "/url");
  refused([](NewSubscription& s) { s.url = "https://exa mple.com/"; }, "/url");
  refused([](NewSubscription& s) { s.url = "https://example.com/" + std::string(2048, 'a'); },
          "/url");
  refused([](NewSubscription& s) { s.event_types = {}; }, "/event_types");
  refused([](NewSubscription& s) { s.event_types = std::vector<std::string>(51, "case.*"); },
          "/event_types");
  refused([](NewSubscription& s) { s.event_types = {"case.created", ""}; }, "/event_types/1");
  refused([](NewSubscription& s) { s.event_types = {"case..created"}; }, "/event_types/0");
  refused([](NewSubscription& s) { s.event_types = {"*.created"}; }, "/event_types/0");
  refused([](NewSubscription& s) { s.event_types = {"case.*.x"}; }, "/event_types/0");
  refused([](NewSubscription& s) { s.event_types = {"case created"}; }, "/event_types/0");
  refused([](NewSubscription& s) { s.event_types = {std::string(101, 'a')}; }, "/event_types/0");
  refused([](NewSubscription& s) { s.secret = ""; }, "/secret");
  refused([](NewSubscription& s) { s.secret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"; }, "/secret");
  refused([](NewSubscription& s) { s.secret = "whsec_c2hvcnQ="; }, "/secret");  // 5 bytes
  refused([](NewSubscription& s) { s.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"; },
          "/secret");
  refused([](NewSubscription& s) { s.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La!aSw"; },
          "/secret");
  refused([](NewSubscription& s) { s.description = std::string(501, 'd'); }, "/description");
  refused([](NewSubscription& s) { s.description = "\xff\xfe"; }, "/description");

  // Patches follow the same rules.
  create(webhooks, "crm");
  SubscriptionPatch patch;
  patch.event_types = std::vector<std::string>{};
  auto result = await<Subscription>(
      [&](auto done) { webhooks.update("crm", patch, monday_morning(), std::move(done)); });
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().pointer == "/event_types");
  auto same = await<Subscription>([&](auto done) {
    webhooks.rotate_secret("crm", kSecret, monday_morning(), std::move(done));
  });
  BOOST_REQUIRE(!same.ok());
  BOOST_TEST(same.error().pointer == "/secret");
  BOOST_TEST(require_ok(webhooks.list("", 10)).size() == 1u);
}

BOOST_AUTO_TEST_CASE(urls_are_taken_apart_for_connecting) {
  auto plain = require_ok(parse_webhook_url("http://example.com"));
  BOOST_TEST(!plain.tls);
  BOOST_TEST(plain.host == "example.com");
  BOOST_TEST(plain.port == "80");
  BOOST_TEST(plain.target == "/");

  auto tls = require_ok(parse_webhook_url("HTTPS://Example.com:8443/in/hook?x=1#frag"));
  BOOST_TEST(tls.tls);
  BOOST_TEST(tls.host == "Example.com");
  BOOST_TEST(tls.port == "8443");
  BOOST_TEST(tls.target == "/in/hook?x=1");

  auto query = require_ok(parse_webhook_url("https://example.com?token=abc"));
  BOOST_TEST(query.port == "443");
  BOOST_TEST(query.target == "/?token=abc");

  auto v6 = require_ok(parse_webhook_url("http://[::1]:9000/x"));
  BOOST_TEST(v6.host == "::1");
  BOOST_TEST(v6.port == "9000");
  BOOST_TEST(!parse_webhook_url("http://[::1/x").ok());
  BOOST_TEST(!parse_webhook_url("http://[::1]x/").ok());
  BOOST_TEST(!parse_webhook_url("http://example.com:0/").ok());
}

BOOST_AUTO_TEST_CASE(url_refusals_name_the_problem) {
  const auto why = [](std::string_view url) {
    auto parsed = parse_webhook_url(url);
    BOOST_REQUIRE_MESSAGE(!parsed.ok(), std::string(url) + " was accepted");
    BOOST_TEST(parsed.error().code == redress::ErrorCode::kInvalidField);
    BOOST_TEST(parsed.error().pointer == "/url");
    return parsed.error().message;
  };
  const auto names = [&](std::string_view url, std::string_view problem) {
    const auto message = why(url);
    BOOST_TEST(message.find(problem) != std::string::npos, url << ": " << message);
  };
  names("ftp://example.com/", "must start with http:// or https://");
  names("mailto:ops@example.com", "must start with http:// or https://");
  names("https:example.com/in", "must start with http:// or https://");
  names("example.com/in", "must start with http:// or https://");
  names("https://", "has no host");
  names("https:///path", "has no host");
  names("https://user:pw@example.com/", "carries user info");
  names("https://user@example.com/", "carries user info");
  names("https://example.com:99999/", "has a port outside 1..65535");
  names("http://example.com:0/", "has a port outside 1..65535");
  names("https://example.com:123456/", "has an invalid port");
  names("https://example.com:/", "has an empty port");
  names("https://example.com:8x/", "has an invalid host name or port");
  names("https://exa mple.com/", "contains a space, a control character or non-ASCII");
  names("https://ex\xC3\xA4mple.com/", "contains a space, a control character or non-ASCII");
  names("https://exa%41mple.com/", "has an invalid host name");
  names("https://exa!mple.com/", "has an invalid host name");
  names("http://[::1/x", "has an unterminated IPv6 address");
  names("http://[::1]x/", "has an invalid IPv6 address");
  names("http://[::g]/", "has an invalid IPv6 address");
  names("http://[v1.x]/", "has an invalid IPv6 address");
  names("https://example.com/a|b", "has a path, query or fragment that is not valid");
  names("https://example.com/?q=%zz", "has a path, query or fragment that is not valid");
  names("https://example.com/#a#b", "has a path, query or fragment that is not valid");
  names("https://example.com/" + std::string(2048, 'a'), "the maximum is 2048 bytes");
}

BOOST_AUTO_TEST_CASE(url_hosts_ports_and_targets) {
  auto v4 = require_ok(parse_webhook_url("http://10.0.0.5:8080/in"));
  BOOST_TEST(v4.host == "10.0.0.5");
  BOOST_TEST(v4.port == "8080");
  BOOST_TEST(v4.target == "/in");
  auto names = require_ok(parse_webhook_url("https://hooks_1.example-corp.com/a/b%20c/?x=1&y=%2F"));
  BOOST_TEST(names.host == "hooks_1.example-corp.com");
  BOOST_TEST(names.target == "/a/b%20c/?x=1&y=%2F");  // sent as written, still encoded
  auto empty_query = require_ok(parse_webhook_url("https://example.com/in?"));
  BOOST_TEST(empty_query.target == "/in?");
  auto fragment_only = require_ok(parse_webhook_url("https://example.com#top"));
  BOOST_TEST(fragment_only.target == "/");
  auto max_port = require_ok(parse_webhook_url("https://example.com:65535"));
  BOOST_TEST(max_port.port == "65535");
  auto v6 = require_ok(parse_webhook_url("https://[2001:db8::1]/in"));
  BOOST_TEST(v6.host == "2001:db8::1");
  BOOST_TEST(v6.port == "443");
}

BOOST_AUTO_TEST_CASE(event_type_patterns_match_exactly_or_by_prefix) {
  BOOST_TEST(event_type_matches("*", "case.created"));
  BOOST_TEST(event_type_matches("case.*", "case.created"));
  BOOST_TEST(event_type_matches("case.*", "case.sla.breached"));
  BOOST_TEST(!event_type_matches("case.*", "case"));
  BOOST_TEST(!event_type_matches("case.*", "cases.created"));
  BOOST_TEST(!event_type_matches("case.*", "compensation.approved"));
  BOOST_TEST(event_type_matches("case.escalated", "case.escalated"));
  BOOST_TEST(!event_type_matches("case.escalated", "case.escalated.again"));
  BOOST_TEST(!event_type_matches("case.escalated", "case.escalate"));
}

BOOST_AUTO_TEST_CASE(dispatch_fans_out_to_matching_enabled_subscriptions_exactly_once) {
  TempDir dir;
  const auto options = options_for(dir);
  const auto now = monday_morning();
  std::vector<std::int64_t> outbox;
  {
    auto store = open_store(options);
    WebhookStore webhooks(*store);
    create(webhooks, "all", {"*"});
    create(webhooks, "cases", {"case.*"});
    create(webhooks, "escalations", {"case.escalated"});
    create(webhooks, "off", {"*"});
    require_ok(await<Subscription>(
        [&](auto done) { webhooks.disable("off", "not yet", now, std::move(done)); }));

    outbox.push_back(add_outbox(*store, "case.escalated", now - 2min));
    outbox.push_back(add_outbox(*store, "compensation.approved", now - 1min));
    BOOST_TEST(require_ok(webhooks.has_undispatched()));

    const auto first = dispatch(webhooks, now);
    BOOST_TEST(first.outbox_rows == 2u);
    BOOST_TEST(first.deliveries == 4u);  // all x2, cases x1, escalations x1
    BOOST_TEST(!require_ok(webhooks.has_undispatched()));
    const auto again = dispatch(webhooks, now);
    BOOST_TEST(again.outbox_rows == 0u);
    BOOST_TEST(again.deliveries == 0u);

    BOOST_TEST(deliveries_of(webhooks, "all").size() == 2u);
    BOOST_TEST(deliveries_of(webhooks, "cases").size() == 1u);
    BOOST_TEST(deliveries_of(webhooks, "escalations").size() == 1u);
    BOOST_TEST(deliveries_of(webhooks, "off").empty());
    const auto escalation = deliveries_of(webhooks, "escalations").front();
    BOOST_TEST(escalation.event_type == "case.escalated");
    BOOST_TEST(escalation.outbox_id == outbox[0]);
    BOOST_TEST(escalation.status == DeliveryStatus::kPending);
    BOOST_TEST(escalation.attempts == 0);
    BOOST_REQUIRE(escalation.next_attempt_at.has_value());
    BOOST_TEST(*escalation.next_attempt_at == now - 2min);  // due since the event happened
  }
  {
    // Reopened: the cursor was durable, nothing is fanned out twice.
    auto store = open_store(options);
    WebhookStore webhooks(*store);
    BOOST_TEST(!require_ok(webhooks.has_undispatched()));
    const auto after_restart = dispatch(webhooks, now);
    BOOST_TEST(after_restart.outbox_rows == 0u);
    BOOST_TEST(after_restart.deliveries == 0u);

    // A real command's outbox rows (case.created, ...) reach the matching subscriptions.
    const auto outcome = accept(*store, create_complaint(now + 1h));
    BOOST_REQUIRE(!outcome.webhook_ids.empty());
    const auto real = dispatch(webhooks, now + 1h);
    BOOST_TEST(real.outbox_rows == outcome.webhook_ids.size());
    const auto all = deliveries_of(webhooks, "all");
    BOOST_TEST(all.size() == 2u + outcome.webhook_ids.size());
    BOOST_TEST(all.back().outbox_id == outbox[0]);  // newest first
    bool created_delivered = false;
    for (const auto& d : deliveries_of(webhooks, "cases")) {
      if (d.event_type == "case.created") created_delivered = true;
      BOOST_TEST(d.event_type.rfind("case.", 0) == 0u);
    }
    BOOST_TEST(created_delivered);
    BOOST_TEST(deliveries_of(webhooks, "off").empty());
    const auto pending = require_ok(webhooks.pending_count());
    BOOST_TEST(pending ==
               static_cast<std::int64_t>(all.size() + deliveries_of(webhooks, "cases").size() +
                                         deliveries_of(webhooks, "escalations").size()));
  }
}

BOOST_AUTO_TEST_CASE(the_dispatch_cursor_moves_batch_by_batch_and_survives_restart) {
  TempDir dir;
  const auto options = options_for(dir);
  const auto now = monday_morning();
  {
    auto store = open_store(options);
    WebhookStore webhooks(*store);
    create(webhooks, "all");
    for (int i = 0; i < 5; ++i) add_outbox(*store, "case.updated", now);
    const auto first = dispatch(webhooks, now, 2);
    BOOST_TEST(first.outbox_rows == 2u);
    BOOST_TEST(first.deliveries == 2u);
  }
  {
    auto store = open_store(options);
    WebhookStore webhooks(*store);
    BOOST_TEST(require_ok(webhooks.has_undispatched()));
    const auto second = dispatch(webhooks, now, 2);
    BOOST_TEST(second.outbox_rows == 2u);
    const auto third = dispatch(webhooks, now, 2);
    BOOST_TEST(third.outbox_rows == 1u);
    BOOST_TEST(dispatch(webhooks, now, 2).outbox_rows == 0u);
    const auto all = deliveries_of(webhooks, "all");
    BOOST_REQUIRE(all.size() == 5u);
    std::set<std::int64_t> outbox_ids;
    for (const auto& d : all) outbox_ids.insert(d.outbox_id);
    BOOST_TEST(outbox_ids.size() == 5u);  // each row once
  }
}

BOOST_AUTO_TEST_CASE(due_deliveries_come_in_due_order_without_disabled_or_excluded_ones) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  WebhookStore webhooks(*store);
  const auto now = monday_morning();
  create(webhooks, "a");
  create(webhooks, "b");
  add_outbox(*store, "case.created", now - 3min);
  add_outbox(*store, "case.updated", now - 5min);  // older event, later row
  // An event stamped later than the dispatcher's clock (clock skew) is due at once.
  add_outbox(*store, "case.closed", now + 10min);
  dispatch(webhooks, now);

  auto due = require_ok(webhooks.due_deliveries(now, 100));
  BOOST_REQUIRE(due.size() == 6u);
  const std::vector<std::string> order = {"case.updated", "case.updated", "case.created",
                                          "case.created", "case.closed",  "case.closed"};
  for (size_t i = 0; i < due.size(); ++i) {
    BOOST_TEST(due[i].event_type == order[i]);
    if (i > 0) BOOST_TEST(due[i - 1].next_attempt_at <= due[i].next_attempt_at);
  }
  BOOST_TEST(due[0].url == "https://hooks.example.com/redress");
  // The delivery carries its endpoint parsed: the sender connects without parsing the URL.
  BOOST_REQUIRE(due[0].endpoint.has_value());
  BOOST_TEST(due[0].endpoint->tls);
  BOOST_TEST(due[0].endpoint->host == "hooks.example.com");
  BOOST_TEST(due[0].endpoint->port == "443");
  BOOST_TEST(due[0].endpoint->target == "/redress");
  BOOST_TEST(due[0].url_error.empty());
  BOOST_TEST((due[0].secrets == std::vector<std::string>{kSecret}));
  BOOST_TEST(due[0].payload == R"({"type":"case.updated","data":{}})");
  BOOST_TEST(due[0].webhook_id.rfind("msg_test_", 0) == 0u);
  BOOST_TEST(due[0].attempts == 0);
  BOOST_TEST(due[0].next_attempt_at == now - 5min);

  BOOST_TEST(require_ok(webhooks.due_deliveries(now, 1)).size() == 1u);
  BOOST_TEST(require_ok(webhooks.due_deliveries(now - 4min, 100)).size() == 2u);  // not yet due

  // In-flight deliveries and saturated subscriptions are left out.
  DueFilter filter;
  filter.exclude_deliveries = {due[0].id};
  filter.exclude_subscriptions = {"b"};
  const auto filtered = require_ok(webhooks.due_deliveries(now, 100, filter));
  for (const auto& d : filtered) {
    BOOST_TEST(d.id != due[0].id);
    BOOST_TEST(d.subscription_id == "a");
  }

  // A disabled subscription's deliveries wait, and come back when it is enabled again.
  require_ok(await<Subscription>(
      [&](auto done) { webhooks.disable("b", "paused", now, std::move(done)); }));
  for (const auto& d : require_ok(webhooks.due_deliveries(now, 100))) {
    BOOST_TEST(d.subscription_id == "a");
  }
  SubscriptionPatch enable;
  enable.enabled = true;
  require_ok(
      await<Subscription>([&](auto done) { webhooks.update("b", enable, now, std::move(done)); }));
  BOOST_TEST(require_ok(webhooks.due_deliveries(now, 100)).size() == 6u);
}

BOOST_AUTO_TEST_CASE(record_attempt_applies_each_outcome) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  WebhookStore webhooks(*store);
  const auto now = monday_morning();
  create(webhooks, "a");
  for (int i = 0; i < 3; ++i) add_outbox(*store, "case.updated", now);
  dispatch(webhooks, now);
  const auto due = require_ok(webhooks.due_deliveries(now, 100));
  BOOST_REQUIRE(due.size() == 3u);

  // Retry, then success.
  auto retried = record(webhooks, due[0].id, AttemptRecord{now, 500, 12, "HTTP 500"},
                        AttemptOutcome::retry_at(now + 5s));
  BOOST_TEST(retried.status == DeliveryStatus::kPending);
  BOOST_TEST(retried.attempts == 1);
  BOOST_TEST(retried.round_attempts == 1);
  BOOST_TEST((retried.next_attempt_at == std::optional<Instant>(now + 5s)));
  BOOST_TEST((retried.last_status_code == std::optional<int>(500)));
  BOOST_TEST((retried.last_latency_ms == std::optional<std::int64_t>(12)));
  BOOST_TEST(retried.last_error == "HTTP 500");
  BOOST_TEST(require_ok(webhooks.due_deliveries(now, 100)).size() == 2u);  // not due until +5s

  auto succeeded =
      record(webhooks, due[0].id, AttemptRecord{now + 5s, 204, 7, ""}, AttemptOutcome::succeeded());
  BOOST_TEST(succeeded.status == DeliveryStatus::kSucceeded);
  BOOST_TEST(succeeded.attempts == 2);
  BOOST_TEST(!succeeded.next_attempt_at.has_value());
  BOOST_TEST((succeeded.last_status_code == std::optional<int>(204)));
  BOOST_TEST(succeeded.last_error == "");

  const auto attempts = require_ok(webhooks.attempts(due[0].id));
  BOOST_REQUIRE(attempts.size() == 2u);
  BOOST_TEST(attempts[0].attempt == 1);
  BOOST_TEST(attempts[0].record.started_at == now);
  BOOST_TEST((attempts[0].record.status_code == std::optional<int>(500)));
  BOOST_TEST(attempts[0].record.error == "HTTP 500");
  BOOST_TEST(attempts[1].attempt == 2);
  BOOST_TEST(attempts[1].record.latency_ms == 7);
  BOOST_TEST(attempts[1].record.error == "");

  // No HTTP answer at all, schedule exhausted: dead.
  auto dead =
      record(webhooks, due[1].id, AttemptRecord{now, std::nullopt, 15000, "timed out after 15 s"},
             AttemptOutcome::dead());
  BOOST_TEST(dead.status == DeliveryStatus::kDead);
  BOOST_TEST(!dead.last_status_code.has_value());
  BOOST_TEST(!dead.next_attempt_at.has_value());
  BOOST_TEST(dead.last_error == "timed out after 15 s");
  BOOST_TEST(require_ok(webhooks.dead_count()) == 1);
  BOOST_TEST(require_ok(webhooks.pending_count()) == 1);

  // Unknown delivery.
  auto missing = await<Delivery>([&](auto done) {
    webhooks.record_attempt(999999, AttemptRecord{now, 200, 1, ""}, AttemptOutcome::succeeded(),
                            std::move(done));
  });
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().code == redress::ErrorCode::kNotFound);

  // Listing by status.
  const auto dead_list = require_ok(webhooks.deliveries("a", DeliveryStatus::kDead, 0, 10));
  BOOST_REQUIRE(dead_list.size() == 1u);
  BOOST_TEST(dead_list[0].id == due[1].id);
  BOOST_TEST(require_ok(webhooks.deliveries("a", DeliveryStatus::kSucceeded, 0, 10)).size() == 1u);
  const auto page = require_ok(webhooks.deliveries("a", std::nullopt, 0, 2));
  BOOST_REQUIRE(page.size() == 2u);
  BOOST_TEST(page[0].id > page[1].id);
  const auto rest = require_ok(webhooks.deliveries("a", std::nullopt, page.back().id, 2));
  BOOST_REQUIRE(rest.size() == 1u);
  BOOST_TEST(rest[0].id < page.back().id);
  auto unknown = webhooks.deliveries("nobody", std::nullopt, 0, 10);
  BOOST_REQUIRE(!unknown.ok());
  BOOST_TEST(unknown.error().code == redress::ErrorCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(a_410_kills_the_delivery_and_disables_the_subscription) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  WebhookStore webhooks(*store);
  const auto now = monday_morning();
  create(webhooks, "gone");
  add_outbox(*store, "case.updated", now);
  add_outbox(*store, "case.updated", now);
  dispatch(webhooks, now);
  const auto due = require_ok(webhooks.due_deliveries(now, 100));
  BOOST_REQUIRE(due.size() == 2u);

  auto dead = record(webhooks, due[0].id, AttemptRecord{now, 410, 3, "HTTP 410"},
                     AttemptOutcome::subscription_gone());
  BOOST_TEST(dead.status == DeliveryStatus::kDead);
  BOOST_TEST(dead.last_error == kGoneReason);
  BOOST_TEST((dead.last_status_code == std::optional<int>(410)));
  const auto subscription = require_ok(webhooks.get("gone"));
  BOOST_REQUIRE(subscription.has_value());
  BOOST_TEST(!subscription->enabled);
  BOOST_TEST(subscription->disabled_reason == kGoneReason);
  // The other delivery waits (pending, not due) while the subscription is disabled.
  BOOST_TEST(require_ok(webhooks.due_deliveries(now, 100)).empty());
  BOOST_TEST(require_ok(webhooks.delivery(due[1].id))->status == DeliveryStatus::kPending);
  // New events are not fanned out to it.
  add_outbox(*store, "case.updated", now);
  BOOST_TEST(dispatch(webhooks, now).deliveries == 0u);
}

BOOST_AUTO_TEST_CASE(redeliver_starts_a_new_round) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  WebhookStore webhooks(*store);
  const auto now = monday_morning();
  create(webhooks, "a");
  add_outbox(*store, "case.updated", now);
  add_outbox(*store, "case.updated", now);
  dispatch(webhooks, now);
  const auto due = require_ok(webhooks.due_deliveries(now, 100));
  BOOST_REQUIRE(due.size() == 2u);

  // The round's first attempt, which the retry schedule runs from; none before it is made.
  const auto round_start = [&](Instant at) -> std::optional<Instant> {
    for (const auto& d : require_ok(webhooks.due_deliveries(at, 100))) {
      if (d.id == due[0].id) return d.round_started_at;
    }
    BOOST_FAIL("the delivery is not due");
    return std::nullopt;
  };
  BOOST_TEST(!due[0].round_started_at.has_value());
  record(webhooks, due[0].id, AttemptRecord{now, 500, 1, "HTTP 500"},
         AttemptOutcome::retry_at(now + 5s));
  BOOST_TEST((round_start(now + 5s) == std::optional<Instant>(now)));
  record(webhooks, due[0].id, AttemptRecord{now + 5s, 500, 1, "HTTP 500"}, AttemptOutcome::dead());
  const auto later = now + 3h;
  auto again = require_ok(
      await<Delivery>([&](auto done) { webhooks.redeliver(due[0].id, later, std::move(done)); }));
  BOOST_TEST(again.status == DeliveryStatus::kPending);
  BOOST_TEST(again.round_attempts == 0);
  BOOST_TEST(again.attempts == 2);  // history kept
  BOOST_TEST((again.next_attempt_at == std::optional<Instant>(later)));
  BOOST_TEST(again.last_error == "HTTP 500");
  const auto due_again = require_ok(webhooks.due_deliveries(later, 100));
  BOOST_REQUIRE(due_again.size() == 2u);
  BOOST_TEST(due_again[1].id == due[0].id);  // due at `later`, after the untouched one
  BOOST_TEST(due_again[1].round_attempts == 0);
  BOOST_TEST(!due_again[1].round_started_at.has_value());
  auto third =
      record(webhooks, due[0].id, AttemptRecord{later, 200, 1, ""}, AttemptOutcome::succeeded());
  BOOST_TEST(third.attempts == 3);
  BOOST_TEST(third.round_attempts == 1);
  BOOST_TEST(require_ok(webhooks.attempts(due[0].id)).size() == 3u);

  // A succeeded delivery can be sent again too.
  auto resend = require_ok(await<Delivery>(
      [&](auto done) { webhooks.redeliver(due[0].id, later + 1h, std::move(done)); }));
  BOOST_TEST(resend.status == DeliveryStatus::kPending);
  record(webhooks, due[0].id, AttemptRecord{later + 2h, 500, 1, "HTTP 500"},
         AttemptOutcome::retry_at(later + 3h));
  BOOST_TEST((round_start(later + 3h) == std::optional<Instant>(later + 2h)));  // not `now`

  auto missing =
      await<Delivery>([&](auto done) { webhooks.redeliver(424242, later, std::move(done)); });
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().code == redress::ErrorCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(rotate_secret_keeps_the_previous_secret_until_it_expires) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  WebhookStore webhooks(*store);
  const auto now = monday_morning();
  create(webhooks, "a");
  add_outbox(*store, "case.updated", now);
  dispatch(webhooks, now);

  auto rotated = require_ok(await<Subscription>(
      [&](auto done) { webhooks.rotate_secret("a", kSecret2, now, 2h, std::move(done)); }));
  BOOST_TEST(rotated.secret == kSecret2);
  BOOST_TEST((rotated.previous_secret == std::optional<std::string>(kSecret)));
  BOOST_TEST((rotated.previous_secret_expires_at == std::optional<Instant>(now + 2h)));

  auto during = require_ok(webhooks.due_deliveries(now + 1h, 10));
  BOOST_REQUIRE(during.size() == 1u);
  BOOST_TEST((during[0].secrets == std::vector<std::string>{kSecret2, kSecret}));
  auto after = require_ok(webhooks.due_deliveries(now + 2h, 10));
  BOOST_REQUIRE(after.size() == 1u);
  BOOST_TEST((after[0].secrets == std::vector<std::string>{kSecret2}));

  // The default overlap is a day; zero drops the old secret at once.
  auto back = require_ok(await<Subscription>(
      [&](auto done) { webhooks.rotate_secret("a", kSecret, now + 3h, std::move(done)); }));
  BOOST_TEST((back.previous_secret == std::optional<std::string>(kSecret2)));
  BOOST_TEST((back.previous_secret_expires_at == std::optional<Instant>(now + 3h + 24h)));
  auto immediate = require_ok(await<Subscription>(
      [&](auto done) { webhooks.rotate_secret("a", kSecret2, now + 4h, 0ms, std::move(done)); }));
  BOOST_TEST(!immediate.previous_secret.has_value());
  BOOST_TEST(!immediate.previous_secret_expires_at.has_value());

  auto missing = await<Subscription>(
      [&](auto done) { webhooks.rotate_secret("nobody", kSecret, now, std::move(done)); });
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().code == redress::ErrorCode::kNotFound);
}

BOOST_AUTO_TEST_CASE(the_due_query_walks_the_due_index) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  SqliteDb db(options_for(dir).path, OpenOptions{true, false, nullptr, 1000});
  Statement plan(db, std::string("EXPLAIN QUERY PLAN ") + kDueDeliveriesSql);
  std::string text;
  while (plan.step()) text += plan.column_text(3) + "\n";
  BOOST_TEST(text.find("INDEX webhook_deliveries_due") != std::string::npos, text);
  BOOST_TEST(text.find("TEMP B-TREE") == std::string::npos, text);
}

std::int64_t count_rows(const TempDir& dir, const std::string& table) {
  SqliteDb db(options_for(dir).path, OpenOptions{true, false, nullptr, 1000});
  return db.query_int("SELECT count(*) FROM " + table);
}

PurgeResult purge(WebhookStore& webhooks, Instant before, size_t limit = 1000) {
  return require_ok(await<PurgeResult>(
      [&](auto done) { webhooks.purge_settled(before, limit, std::move(done)); }));
}

BOOST_AUTO_TEST_CASE(retention_purges_settled_deliveries_and_the_outbox_rows_they_sent) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  WebhookStore webhooks(*store);
  const auto now = monday_morning();
  create(webhooks, "a");
  create(webhooks, "b");
  std::vector<std::int64_t> rows;
  for (int i = 0; i < 4; ++i) rows.push_back(add_outbox(*store, "case.updated", now));
  dispatch(webhooks, now);
  const auto undispatched = add_outbox(*store, "case.updated", now);
  // Row 0: both succeeded. Row 1: a succeeded, b dead. Row 2: a succeeded, b retrying.
  // Row 3: nothing tried yet.
  const auto delivery_of = [&](const std::string& subscription, std::int64_t outbox_id) {
    for (const auto& d : deliveries_of(webhooks, subscription)) {
      if (d.outbox_id == outbox_id) return d.id;
    }
    BOOST_FAIL("no delivery of outbox row " << outbox_id << " to " << subscription);
    return std::int64_t{0};
  };
  const AttemptRecord ok{now, 204, 5, ""};
  const AttemptRecord failed{now, 503, 5, "HTTP 503"};
  record(webhooks, delivery_of("a", rows[0]), ok, AttemptOutcome::succeeded());
  record(webhooks, delivery_of("b", rows[0]), failed, AttemptOutcome::retry_at(now + 5s));
  record(webhooks, delivery_of("b", rows[0]), ok, AttemptOutcome::succeeded());
  record(webhooks, delivery_of("a", rows[1]), ok, AttemptOutcome::succeeded());
  record(webhooks, delivery_of("b", rows[1]), failed, AttemptOutcome::dead());
  record(webhooks, delivery_of("a", rows[2]), ok, AttemptOutcome::succeeded());
  record(webhooks, delivery_of("b", rows[2]), failed, AttemptOutcome::retry_at(now + 1h));
  BOOST_TEST(require_ok(webhooks.dead_count()) == 1);

  // Nothing settled before `now`: nothing goes.
  const auto none = purge(webhooks, now);
  BOOST_TEST(none.deliveries == 0u);
  BOOST_TEST(none.outbox_rows == 0u);

  // A limit bounds one write; the oldest settle first.
  const auto first = purge(webhooks, now + 1h, 2);
  BOOST_TEST(first.deliveries == 2u);
  BOOST_TEST(count_rows(dir, "webhook_deliveries") == 6);

  const auto rest = purge(webhooks, now + 1h);
  BOOST_TEST(rest.deliveries == 3u);
  BOOST_TEST(first.attempts + rest.attempts == 6u);
  // Rows 0 and 1 have no delivery left; row 2 still has b's retry, row 3 two pending
  // deliveries, and the last row was never dispatched.
  BOOST_TEST(first.outbox_rows + rest.outbox_rows == 2u);
  BOOST_TEST(count_rows(dir, "outbox") == 3);
  BOOST_TEST(count_rows(dir, "webhook_deliveries") == 3);
  BOOST_TEST(count_rows(dir, "webhook_attempts") == 1);  // b's retrying attempt on row 2
  BOOST_TEST(require_ok(webhooks.dead_count()) == 0);
  BOOST_TEST(require_ok(webhooks.pending_count()) == 3);
  for (const auto& d : deliveries_of(webhooks, "a")) BOOST_TEST(d.outbox_id != rows[0]);

  // Pending deliveries are never purged, whatever their age; the undispatched row waits for its
  // fan-out, and afterwards the sender still finds everything it has to send.
  const auto later = purge(webhooks, now + std::chrono::hours(24 * 365));
  BOOST_TEST(later.deliveries == 0u);
  BOOST_TEST(later.outbox_rows == 0u);
  dispatch(webhooks, now + 2h);
  BOOST_TEST(require_ok(webhooks.due_deliveries(now + 2h, 100)).size() == 5u);
  BOOST_TEST(undispatched > rows.back());
}

BOOST_AUTO_TEST_CASE(retention_and_dead_count_walk_their_indexes) {
  TempDir dir;
  auto store = open_store(options_for(dir));
  SqliteDb db(options_for(dir).path, OpenOptions{true, false, nullptr, 1000});
  const auto plan_of = [&](const char* sql) {
    Statement plan(db, std::string("EXPLAIN QUERY PLAN ") + sql);
    std::string text;
    while (plan.step()) text += plan.column_text(3) + "\n";
    return text;
  };
  const auto settled = plan_of(kSettledDeliveriesSql);
  BOOST_TEST(settled.find("INDEX webhook_deliveries_settled") != std::string::npos, settled);
  BOOST_TEST(settled.find("TEMP B-TREE") == std::string::npos, settled);
  const auto outbox = plan_of(kPurgeableOutboxSql);
  BOOST_TEST(outbox.find("INDEX webhook_deliveries_by_outbox") != std::string::npos, outbox);
  BOOST_TEST(outbox.find("TEMP B-TREE") == std::string::npos, outbox);
  const auto dead = plan_of(kDeadCountSql);
  BOOST_TEST(dead.find("INDEX webhook_deliveries_dead") != std::string::npos, dead);
}

// A listing reads a page and one more row (listing_limit.h): the API asks for page_size + 1 rows
// to tell whether another page follows. These listings clamped that to 1000, so /v1/webhooks and
// a webhook's deliveries gave no next_page_token at page_size=1000 while more rows existed.
BOOST_AUTO_TEST_CASE(listings_read_the_largest_page_and_one_more_row) {
  TempDir dir;
  auto options = options_for(dir);
  options.synchronous = Synchronous::kNormal;  // a thousand rows; durability is not the point
  auto store = open_store(options);
  WebhookStore webhooks(*store);
  const auto now = monday_morning();
  std::vector<std::future<Result<Subscription>>> created;
  for (size_t i = 0; i < kMaxListingRows; ++i) {
    auto promise = std::make_shared<std::promise<Result<Subscription>>>();
    created.push_back(promise->get_future());
    // Only the first receives the events below.
    const std::vector<std::string> types = {i == 0 ? "*" : "case.escalated"};
    webhooks.create(NewSubscription{"hook-" + std::to_string(10000 + i),
                                    "https://hooks.example.com/redress", types, kSecret, ""},
                    now, [promise](Result<Subscription> s) { promise->set_value(std::move(s)); });
  }
  for (auto& subscription : created) require_ok(subscription.get());
  add_outbox(*store, "case.updated", now, static_cast<int>(kMaxListingRows));
  BOOST_TEST(dispatch(webhooks, now, 10000).outbox_rows == kMaxListingRows);

  BOOST_TEST(require_ok(webhooks.list("", kMaxListingRows)).size() == kMaxListingRows);
  BOOST_TEST(
      require_ok(webhooks.deliveries("hook-10000", std::nullopt, 0, kMaxListingRows)).size() ==
      kMaxListingRows);
  for (const size_t limit : {size_t{0}, kMaxListingRows + 1}) {
    const auto listed = webhooks.list("", limit);
    BOOST_REQUIRE(!listed.ok());
    BOOST_TEST(listed.error().code == ErrorCode::kInvalidArgument);
    const auto delivered = webhooks.deliveries("hook-10000", std::nullopt, 0, limit);
    BOOST_REQUIRE(!delivered.ok());
    BOOST_TEST(delivered.error().code == ErrorCode::kInvalidArgument);
  }
}

BOOST_AUTO_TEST_SUITE_END()
