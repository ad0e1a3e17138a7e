// Webhook delivery end to end: Standard Webhooks signatures, then WebhookSender against real
// HTTP and HTTPS endpoints on 127.0.0.1 (tests/api/webhook_test_receiver.h), real SQLite files
// and a fake clock that the tests advance through the retry schedule.
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "api/delivery/retry_policy.h"
#include "api/delivery/webhook_sender.h"
#include "api/delivery/webhook_signature.h"
#include "storage/webhook_store.h"
#include "tests/api/webhook_test_receiver.h"
#include "tests/storage/storage_test_support.h"

using namespace redress;
using namespace redress::api;
using namespace redress::storage;
using namespace redress::testing;
using namespace std::chrono_literals;

namespace {

constexpr auto kDeadline = 10s;  // generous: a condition that holds is met in milliseconds

// Polls `condition` until it holds or the deadline passes; answers whether it held.
template <typename Condition>
bool wait_until(Condition condition, std::chrono::milliseconds deadline = kDeadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

template <typename T, typename Start>
Result<T> await(Start&& start) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto answer = promise->get_future();
  start([promise](Result<T> result) { promise->set_value(std::move(result)); });
  return answer.get();
}

std::uint64_t attempts_made(const WebhookSenderCounters& c) {
  return c.succeeded + c.failed + c.dead + c.gone + c.unrecorded;
}

std::int64_t unix_seconds(Instant t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") of an instant.
std::string http_date(Instant t) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date{days};
  const std::chrono::weekday weekday{days};
  const std::chrono::hh_mm_ss time{std::chrono::floor<std::chrono::seconds>(t - days)};
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                kDays[weekday.c_encoding()], static_cast<unsigned>(date.day()),
                kMonths[static_cast<unsigned>(date.month()) - 1], static_cast<int>(date.year()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return text;
}

WebhookSenderOptions test_options() {
  WebhookSenderOptions options;
  options.seed = 42;
  options.request_timeout = 10s;
  options.poll_interval = 1h;  // the tests drive cycles themselves (run_once, poke)
  return options;
}

// A store, a WebhookStore, a fake clock and an io_context run by two threads; the sender is made
// by each test with its own options.
struct SenderFixture {
  SenderFixture() : clock(monday_morning()) {
    store = open_store(options_for(dir));
    webhooks = std::make_unique<WebhookStore>(*store);
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }

  ~SenderFixture() {
    stop_sender();
    // The writer may still be answering a delivery's write, which posts to `io`: let it finish
    // while `io` runs, not after (TSan saw the post race the io_context's destruction).
    store->wait_until_idle();
    guard.reset();
    for (auto& t : threads) t.join();
  }

  void make_sender(WebhookSenderOptions options = test_options()) {
    stop_sender();
    sender = std::make_unique<WebhookSender>(io, *webhooks, clock, options);
  }

  void stop_sender() {
    if (!sender) return;
    auto stopped = std::make_shared<std::promise<void>>();
    auto done = stopped->get_future();
    sender->stop([stopped] { stopped->set_value(); });
    BOOST_TEST((done.wait_for(30s) == std::future_status::ready), "the sender did not stop");
    sender.reset();
  }

  // One cycle; answers how many attempts it started.
  size_t run_cycle() {
    auto started = std::make_shared<std::promise<size_t>>();
    auto count = started->get_future();
    sender->run_once([started](size_t n) { started->set_value(n); });
    BOOST_REQUIRE(count.wait_for(kDeadline) == std::future_status::ready);
    return count.get();
  }

  // Waits until `n` attempts in all have been made and recorded.
  void wait_for_attempts(std::uint64_t n) {
    BOOST_REQUIRE_MESSAGE(
        wait_until([&] { return attempts_made(sender->counters()) >= n; }),
        "only " << attempts_made(sender->counters()) << " of " << n << " attempts were recorded");
  }

  Subscription subscribe(const std::string& id, const std::string& url,
                         std::vector<std::string> types = {"*"}, std::string secret = "") {
    if (secret.empty()) secret = new_secret();
    return require_ok(await<Subscription>([&](auto done) {
      webhooks->create(NewSubscription{id, url, std::move(types), secret, ""}, clock.now(),
                       std::move(done));
    }));
  }

  // An outbox row as a decision writes it; answers its webhook id.
  std::string emit(const std::string& type, const std::string& data = R"({"case_id":"C-1"})") {
    static int counter = 0;
    const auto webhook_id = "msg_sender_test_" + std::to_string(++counter);
    const auto payload = R"({"type":")" + type + R"(","timestamp":")" +
                         format_rfc3339(clock.now()) + R"(","data":)" + data + "}";
    const auto created_at = to_millis(clock.now());
    require_ok(store
                   ->write<bool>([=](WriteContext& context) -> Result<bool> {
                     auto insert = context.statement(
                         "INSERT INTO outbox (webhook_id, event_type, case_id, payload, "
                         "created_at) VALUES (?, ?, 'C-1', ?, ?)");
                     insert->bind(1, webhook_id).bind(2, type).bind(3, payload).bind(4, created_at);
                     insert->run();
                     return true;
                   })
                   .get());
    return webhook_id;
  }

  std::vector<Delivery> deliveries(const std::string& subscription) {
    return require_ok(webhooks->deliveries(subscription, std::nullopt, 0, 1000));
  }
  Delivery only_delivery(const std::string& subscription) {
    auto all = deliveries(subscription);
    BOOST_REQUIRE_EQUAL(all.size(), 1u);
    return all.front();
  }

  TempDir dir;
  std::unique_ptr<CaseStore> store;
  std::unique_ptr<WebhookStore> webhooks;
  FakeClock clock;
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard{
      io.get_executor()};
  std::vector<std::thread> threads;
  std::unique_ptr<WebhookSender> sender;
};

}  // namespace

namespace redress::storage {
inline std::ostream& boost_test_print_type(std::ostream& out, DeliveryStatus status) {
  return out << delivery_status_name(status);
}
}  // namespace redress::storage

BOOST_AUTO_TEST_SUITE(webhook_sender)

// --- signatures ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(signature_matches_the_published_standard_webhooks_vector) {
  // From the Standard Webhooks reference libraries' tests; cross-checked with
  //   openssl dgst -sha256 -mac HMAC -macopt hexkey:<base64-decoded secret> -binary | base64
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  const std::string body = R"({"test": 2432232314})";
  const std::string expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  BOOST_TEST(sign(secret, id, 1614265330, body) == expected);
  // The tests' own HMAC (webhook_test_receiver.h), which checks what the sender sends, agrees.
  BOOST_TEST(testing::expected_signature(secret, id, 1614265330, body) == expected);
  BOOST_TEST(verify(secret, id, 1614265330, body, expected));
  BOOST_TEST(!verify(secret, id, 1614265331, body, expected));        // other timestamp
  BOOST_TEST(!verify(secret, id, 1614265330, body + " ", expected));  // other body
  BOOST_TEST(!verify(secret, "msg_other", 1614265330, body, expected));
  BOOST_TEST(!verify("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX", id, 1614265330, body, expected));
  // Several signatures, unknown versions and junk are tolerated.
  BOOST_TEST(verify(secret, id, 1614265330, body, "v1,AAAA " + expected));
  BOOST_TEST(verify(secret, id, 1614265330, body, "v2,xyz " + expected + " junk"));
  BOOST_TEST(!verify(secret, id, 1614265330, body, ""));
  BOOST_TEST(!verify(secret, id, 1614265330, body, "v1,"));
  BOOST_TEST(!verify(secret, id, 1614265330, body, "v1,!!!!"));
}

BOOST_AUTO_TEST_CASE(signature_header_carries_one_signature_per_secret) {
  const std::vector<std::string> secrets = {new_secret(), new_secret()};
  const auto header = signature_header(secrets, "msg_1", 1700000000, "{}");
  const auto space = header.find(' ');
  BOOST_REQUIRE(space != std::string::npos);
  const auto first = header.substr(0, space);
  const auto second = header.substr(space + 1);
  BOOST_TEST(first == sign(secrets[0], "msg_1", 1700000000, "{}"));
  BOOST_TEST(second == sign(secrets[1], "msg_1", 1700000000, "{}"));
  BOOST_TEST(verify(secrets[0], "msg_1", 1700000000, "{}", header));
  BOOST_TEST(verify(secrets[1], "msg_1", 1700000000, "{}", header));
  BOOST_TEST(!verify(secrets[0], "msg_1", 1700000000, "{}", second));
}

BOOST_AUTO_TEST_CASE(new_secrets_are_random_32_byte_whsec_values) {
  const auto a = new_secret();
  const auto b = new_secret();
  BOOST_TEST(a != b);
  BOOST_TEST(a.rfind("whsec_", 0) == 0u);
  const auto key = base64_decode(a.substr(6));
  BOOST_REQUIRE(key.has_value());
  BOOST_TEST(key->size() == 32u);
  BOOST_TEST(a.size() == 6u + 44u);
}

BOOST_AUTO_TEST_CASE(retry_after_is_read_as_seconds_or_an_http_date) {
  const auto now = *parse_rfc3339("1994-11-06T08:49:00Z");
  BOOST_TEST((parse_retry_after("120", now) == std::optional<std::chrono::milliseconds>(120s)));
  BOOST_TEST((parse_retry_after(" 0 ", now) == std::optional<std::chrono::milliseconds>(0s)));
  BOOST_TEST((parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) ==
              std::optional<std::chrono::milliseconds>(37s)));
  BOOST_TEST((parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) ==
              std::optional<std::chrono::milliseconds>(37s)));
  BOOST_TEST((parse_retry_after("Sun Nov  6 08:49:37 1994", now) ==
              std::optional<std::chrono::milliseconds>(37s)));
  BOOST_TEST((parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) ==
              std::optional<std::chrono::milliseconds>(0s)));  // the past: no delay
  BOOST_TEST((parse_retry_after(http_date(now + 1h), now) ==
              std::optional<std::chrono::milliseconds>(1h)));
  BOOST_TEST(parse_retry_after("99999999999999999999", now).value() > 24h);
  BOOST_TEST(!parse_retry_after("", now).has_value());
  BOOST_TEST(!parse_retry_after("-5", now).has_value());
  BOOST_TEST(!parse_retry_after("1.5", now).has_value());
  BOOST_TEST(!parse_retry_after("soon", now).has_value());
  BOOST_TEST(!parse_retry_after("Sun, 31 Feb 1994 08:49:37 GMT", now).has_value());
  BOOST_TEST(!parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", now).has_value());
}

BOOST_AUTO_TEST_CASE(retry_after_dates_invalid_past_and_far) {
  const auto now = *parse_rfc3339("2026-12-03T10:00:00Z");
  using Delay = std::optional<std::chrono::milliseconds>;
  // Not dates: a wrong weekday, a bad month or zone, trailing text, a missing field.
  for (const auto* value :
       {"Wed, 03 Dec 2026 10:00:30 GMT", "Thu, 03 Dec 2026 10:00:30 UTC",
        "Thu, 03 Foo 2026 10:00:30 GMT", "Thu, 03 Dec 2026 10:00:30 GMT junk",
        "Thu, 03 Dec 2026 10:00 GMT", "Thu, 32 Dec 2026 10:00:30 GMT",
        "Thu, 03 Dec 2026 10:60:30 GMT", "2026-12-03T10:00:30Z", "GMT", "Thu,"}) {
    BOOST_TEST(!parse_retry_after(value, now).has_value(), value);
  }
  BOOST_TEST((parse_retry_after("Thu, 03 Dec 2026 10:00:30 GMT", now) == Delay(30s)));
  BOOST_TEST((parse_retry_after("\tThu, 03 Dec 2026 10:00:30 GMT ", now) == Delay(30s)));
  // A date in the past asks for no delay at all.
  BOOST_TEST((parse_retry_after("Wed, 02 Dec 2026 10:00:00 GMT", now) == Delay(0s)));
  BOOST_TEST((parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", now) == Delay(0s)));
  // A far date is read as it is; the retry policy caps it at max_retry_after (24 h).
  const auto far = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now);
  BOOST_REQUIRE(far.has_value());
  BOOST_TEST((*far > std::chrono::hours(24 * 365 * 7000)));
  const RetryPolicy policy;
  const auto next = policy.next_attempt_at(
      1, now, now, [] { return 0.5; }, far);
  BOOST_REQUIRE(next.has_value());
  BOOST_TEST((*next == now + RetrySchedule{}.max_retry_after));
}

BOOST_AUTO_TEST_CASE(options_are_checked_before_use) {
  BOOST_TEST(WebhookSender::check_options(WebhookSenderOptions{}).ok());
  auto empty = WebhookSenderOptions{};
  empty.retry.steps.clear();
  BOOST_TEST(!WebhookSender::check_options(empty).ok());
  auto jitter = WebhookSenderOptions{};
  jitter.retry.jitter = 1.5;
  BOOST_TEST(!WebhookSender::check_options(jitter).ok());
  auto limits = WebhookSenderOptions{};
  limits.max_in_flight_per_subscription = 0;
  BOOST_TEST(!WebhookSender::check_options(limits).ok());
  TempDir dir;
  auto ca = WebhookSenderOptions{};
  ca.ca_file = dir.file("missing.pem");
  const auto status = WebhookSender::check_options(ca);
  BOOST_REQUIRE(!status.ok());
  BOOST_TEST(status.error().code == redress::ErrorCode::kInvalidConfig);
  BOOST_TEST(status.error().message.find("missing.pem") != std::string::npos);
  std::ofstream(dir.file("ca.pem")) << make_self_signed_certificate().cert_pem;
  ca.ca_file = dir.file("ca.pem");
  BOOST_TEST(WebhookSender::check_options(ca).ok());
}

// --- delivery --------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(delivers_the_payload_signed_with_the_subscription_secret) {
  SenderFixture f;
  WebhookTestReceiver receiver;
  // A large answer body is read up to the limit and ignored.
  receiver.push_reply({200, {{"Content-Type", "text/plain"}}, std::string(1 << 20, 'x'), false});
  const auto subscription = f.subscribe("crm", receiver.url("/in?src=redress"));
  const auto webhook_id = f.emit("case.escalated");
  f.make_sender();

  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(1);
  BOOST_TEST(f.sender->counters().succeeded == 1u);
  BOOST_TEST(f.sender->in_flight() == 0u);

  const auto requests = receiver.requests();
  BOOST_REQUIRE(requests.size() == 1u);
  const auto& r = requests[0];
  BOOST_TEST(r.method == "POST");
  BOOST_TEST(r.target == "/in?src=redress");
  BOOST_TEST(r.header("content-type") == "application/json");
  BOOST_TEST(r.header("user-agent") == "Redress-Webhooks/1");
  BOOST_TEST(r.header("webhook-id") == webhook_id);
  BOOST_TEST(r.header("webhook-timestamp") == std::to_string(unix_seconds(f.clock.now())));
  BOOST_TEST(r.body.find(R"("type":"case.escalated")") != std::string::npos);
  // One secret, one signature: computed here, not by the code under test.
  BOOST_TEST(r.header("webhook-signature") ==
             testing::expected_signature(subscription.secret, webhook_id,
                                         unix_seconds(f.clock.now()), r.body));

  const auto delivery = f.only_delivery("crm");
  BOOST_TEST(delivery.status == DeliveryStatus::kSucceeded, delivery.last_error);
  BOOST_TEST(delivery.attempts == 1);
  BOOST_TEST((delivery.last_status_code == std::optional<int>(200)));
  const auto attempts = require_ok(f.webhooks->attempts(delivery.id));
  BOOST_REQUIRE(attempts.size() == 1u);
  BOOST_TEST(attempts[0].record.started_at == f.clock.now());
  BOOST_TEST(require_ok(f.sender->queue_depth()) == 0);
  BOOST_TEST(f.run_cycle() == 0u);  // nothing left
}

BOOST_AUTO_TEST_CASE(retries_on_the_schedule_until_the_endpoint_answers_2xx) {
  SenderFixture f;
  WebhookTestReceiver receiver;
  receiver.push_reply({500, {}, "database down " + std::string(1000, 'z'), false});
  receiver.push_reply({502, {}, "", false});
  const auto subscription = f.subscribe("crm", receiver.url());
  const auto webhook_id = f.emit("case.created");
  f.make_sender();
  const auto t0 = f.clock.now();

  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(1);
  auto delivery = f.only_delivery("crm");
  BOOST_TEST(delivery.status == DeliveryStatus::kPending);
  BOOST_TEST(delivery.round_attempts == 1);
  BOOST_REQUIRE(delivery.next_attempt_at.has_value());
  BOOST_TEST(*delivery.next_attempt_at >= t0 + 4500ms);  // 5 s ± 10%
  BOOST_TEST(*delivery.next_attempt_at <= t0 + 5500ms);
  BOOST_TEST(delivery.last_error.rfind("HTTP 500 Internal Server Error: database down", 0) == 0u);
  BOOST_TEST(delivery.last_error.size() < 300u);  // the body is cut short
  BOOST_TEST(f.run_cycle() == 0u);                // not due yet

  f.clock.advance(6s);
  const auto t1 = f.clock.now();
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(2);
  delivery = f.only_delivery("crm");
  BOOST_TEST(*delivery.next_attempt_at >= t1 + 270s);  // 5 min ± 10%
  BOOST_TEST(*delivery.next_attempt_at <= t1 + 330s);
  BOOST_TEST((delivery.last_status_code == std::optional<int>(502)));

  f.clock.advance(6min);
  const auto t2 = f.clock.now();
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(3);
  delivery = f.only_delivery("crm");
  BOOST_TEST(delivery.status == DeliveryStatus::kSucceeded);
  BOOST_TEST(delivery.attempts == 3);
  const auto c = f.sender->counters();
  BOOST_TEST(c.failed == 2u);
  BOOST_TEST(c.succeeded == 1u);

  // Same webhook-id every time, the timestamp of each attempt, each signature valid.
  const auto requests = receiver.requests();
  BOOST_REQUIRE(requests.size() == 3u);
  const Instant times[] = {t0, t1, t2};
  for (size_t i = 0; i < 3; ++i) {
    BOOST_TEST(requests[i].header("webhook-id") == webhook_id);
    BOOST_TEST(requests[i].header("webhook-timestamp") == std::to_string(unix_seconds(times[i])));
    BOOST_TEST(requests[i].header("webhook-signature") ==
               testing::expected_signature(subscription.secret, webhook_id, unix_seconds(times[i]),
                                           requests[i].body));
    BOOST_TEST(requests[i].body == requests[0].body);
  }
  const auto attempts = require_ok(f.webhooks->attempts(delivery.id));
  BOOST_REQUIRE(attempts.size() == 3u);
  BOOST_TEST((attempts[0].record.status_code == std::optional<int>(500)));
  BOOST_TEST((attempts[1].record.status_code == std::optional<int>(502)));
  BOOST_TEST((attempts[2].record.status_code == std::optional<int>(200)));
  BOOST_TEST(attempts[2].record.error == "");
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured_when_later_than_the_schedule) {
  SenderFixture f;
  WebhookTestReceiver receiver;
  f.subscribe("crm", receiver.url());
  f.emit("case.created");
  f.make_sender();

  // 1st attempt: 503, Retry-After 120 s (schedule: 5 s) -> exactly 120 s.
  receiver.push_reply({503, {{"Retry-After", "120"}}, "", false});
  const auto t0 = f.clock.now();
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(1);
  BOOST_TEST((f.only_delivery("crm").next_attempt_at == std::optional<Instant>(t0 + 120s)));

  // 2nd: a week asked for -> capped at 24 h.
  receiver.push_reply({503, {{"Retry-After", "604800"}}, "", false});
  f.clock.advance(121s);
  const auto t1 = f.clock.now();
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(2);
  BOOST_TEST((f.only_delivery("crm").next_attempt_at == std::optional<Instant>(t1 + 24h)));

  // 3rd: an HTTP-date an hour ahead (schedule: 30 min).
  const auto t2 = t1 + 24h + 1s;
  receiver.push_reply({429, {{"Retry-After", http_date(t2 + 1h)}}, "", false});
  f.clock.set(t2);
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(3);
  BOOST_TEST((f.only_delivery("crm").next_attempt_at == std::optional<Instant>(t2 + 1h)));

  // 4th: Retry-After shorter than the schedule (2 h) -> the schedule wins.
  receiver.push_reply({503, {{"Retry-After", "1"}}, "", false});
  f.clock.advance(1h + 1s);
  const auto t3 = f.clock.now();
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(4);
  const auto next = *f.only_delivery("crm").next_attempt_at;
  BOOST_TEST(next >= t3 + 108min);
  BOOST_TEST(next <= t3 + 132min);

  f.clock.advance(3h);
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(5);
  BOOST_TEST(f.only_delivery("crm").status == DeliveryStatus::kSucceeded);
}

BOOST_AUTO_TEST_CASE(a_410_disables_the_subscription) {
  SenderFixture f;
  WebhookTestReceiver receiver;
  receiver.set_default_reply({410, {}, "gone", false});
  f.subscribe("old", receiver.url());
  f.emit("case.created");
  f.emit("case.assigned");
  f.make_sender([] {
    auto o = test_options();
    o.max_in_flight_per_subscription = 1;  // one at a time: the first 410 stops the rest
    return o;
  }());

  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(1);
  BOOST_TEST(f.sender->counters().gone == 1u);
  const auto subscription = require_ok(f.webhooks->get("old"));
  BOOST_TEST(!subscription->enabled);
  BOOST_TEST(subscription->disabled_reason == kGoneReason);
  const auto dead = require_ok(f.webhooks->deliveries("old", DeliveryStatus::kDead, 0, 10));
  BOOST_REQUIRE(dead.size() == 1u);
  BOOST_TEST(dead[0].last_error == kGoneReason);
  // The other delivery waits; new events are not fanned out; nothing more is sent.
  f.emit("case.closed");
  BOOST_TEST(f.run_cycle() == 0u);
  BOOST_TEST(f.deliveries("old").size() == 2u);
  BOOST_TEST(receiver.request_count() == 1u);
}

BOOST_AUTO_TEST_CASE(failures_are_retried_for_72_hours_then_dead_lettered) {
  SenderFixture f;
  WebhookTestReceiver receiver;
  receiver.set_default_reply({500, {}, "", false});
  f.subscribe("crm", receiver.url());
  f.emit("case.created");
  auto options = test_options();
  options.retry.jitter = 0;  // the exact schedule of docs/api.md
  f.make_sender(options);

  // Each attempt when the delivery says it is due: past the eight published steps (about
  // 27.6 h) it goes on every 10 h while less than 72 h have passed since the first attempt
  // (retry_policy_test checks every step), so the 13th attempt, at 77 h 35 min 5 s, is the last.
  const Instant first = f.clock.now();
  std::vector<Instant> attempts;
  for (int i = 0; i < 20; ++i) {
    BOOST_REQUIRE(f.run_cycle() == 1u);
    attempts.push_back(f.clock.now());
    f.wait_for_attempts(attempts.size());
    const auto delivery = f.only_delivery("crm");
    if (delivery.status != DeliveryStatus::kPending) break;
    BOOST_REQUIRE(delivery.next_attempt_at.has_value());
    f.clock.set(*delivery.next_attempt_at);
  }
  BOOST_REQUIRE_EQUAL(attempts.size(), 13u);
  BOOST_TEST((attempts[8] - first == 37h + 35min + 5s));
  BOOST_TEST((attempts.back() - first == 77h + 35min + 5s));
  const auto delivery = f.only_delivery("crm");
  BOOST_TEST(delivery.status == DeliveryStatus::kDead);
  BOOST_TEST(delivery.attempts == 13);
  BOOST_TEST(f.sender->counters().dead == 1u);
}

BOOST_AUTO_TEST_CASE(an_exhausted_schedule_dead_letters_then_redelivery_succeeds) {
  SenderFixture f;
  WebhookTestReceiver receiver;
  receiver.set_default_reply({500, {}, "", false});
  f.subscribe("crm", receiver.url());
  const auto webhook_id = f.emit("case.created");
  f.make_sender();

  // 11 h apart (beyond the longest delay with jitter): the 8th attempt, 77 h after the first,
  // comes after the 72 h of retries and ends the round.
  const size_t schedule = 8;
  for (size_t i = 0; i < schedule; ++i) {
    BOOST_TEST_CONTEXT("attempt " << i + 1) {
      BOOST_REQUIRE(f.run_cycle() == 1u);
      f.wait_for_attempts(i + 1);
      f.clock.advance(11h);
    }
  }
  auto delivery = f.only_delivery("crm");
  BOOST_TEST(delivery.status == DeliveryStatus::kDead);
  BOOST_TEST(delivery.attempts == static_cast<int>(schedule));
  BOOST_TEST(!delivery.next_attempt_at.has_value());
  BOOST_TEST(f.sender->counters().failed == schedule - 1);
  BOOST_TEST(f.sender->counters().dead == 1u);
  BOOST_TEST(require_ok(f.webhooks->attempts(delivery.id)).size() == schedule);
  BOOST_TEST(require_ok(f.webhooks->dead_count()) == 1);
  BOOST_TEST(f.run_cycle() == 0u);

  receiver.set_default_reply({204, {}, "", false});
  require_ok(await<Delivery>(
      [&](auto done) { f.webhooks->redeliver(delivery.id, f.clock.now(), std::move(done)); }));
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(schedule + 1);
  delivery = f.only_delivery("crm");
  BOOST_TEST(delivery.status == DeliveryStatus::kSucceeded);
  BOOST_TEST(delivery.attempts == static_cast<int>(schedule) + 1);
  BOOST_TEST(delivery.round_attempts == 1);
  const auto requests = receiver.requests();
  BOOST_REQUIRE(requests.size() == schedule + 1);
  BOOST_TEST(requests.back().header("webhook-id") == webhook_id);
}

BOOST_AUTO_TEST_CASE(https_needs_a_trusted_certificate) {
  SenderFixture f;
  const auto certificate = make_self_signed_certificate();
  std::ofstream(f.dir.file("ca.pem")) << certificate.cert_pem;
  WebhookTestReceiver receiver(certificate);
  BOOST_TEST(receiver.url().rfind("https://127.0.0.1:", 0) == 0u);
  const auto subscription = f.subscribe("secure", receiver.url());
  const auto webhook_id = f.emit("case.created");

  // Not trusted: a failed attempt with a TLS error, and nothing reached the endpoint.
  f.make_sender();
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(1);
  auto delivery = f.only_delivery("secure");
  BOOST_TEST(delivery.status == DeliveryStatus::kPending);
  BOOST_TEST(!delivery.last_status_code.has_value());
  BOOST_TEST(delivery.last_error.find("TLS handshake") != std::string::npos, delivery.last_error);
  BOOST_TEST(delivery.last_error.find("certificate") != std::string::npos, delivery.last_error);
  BOOST_TEST(receiver.request_count() == 0u);

  // Trusted through the CA-file option: delivered.
  auto options = test_options();
  options.ca_file = f.dir.file("ca.pem");
  f.make_sender(options);
  f.clock.advance(6s);
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(1);
  delivery = f.only_delivery("secure");
  BOOST_TEST(delivery.status == DeliveryStatus::kSucceeded);
  const auto requests = receiver.requests();
  BOOST_REQUIRE(requests.size() == 1u);
  BOOST_TEST(requests[0].signed_with(subscription.secret));

  // With verification turned off (development only) the untrusted certificate is accepted.
  options = test_options();
  options.verify_peer = false;
  f.make_sender(options);
  f.emit("case.closed");
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(1);
  BOOST_TEST(f.sender->counters().succeeded == 1u);
  BOOST_TEST(receiver.request_count() == 2u);
}

BOOST_AUTO_TEST_CASE(a_refused_connection_is_a_recorded_failed_attempt) {
  SenderFixture f;
  unsigned short closed_port = 0;
  {
    WebhookTestReceiver gone;  // listens, then goes away: its port refuses connections
    closed_port = gone.port();
  }
  f.subscribe("down", "http://127.0.0.1:" + std::to_string(closed_port) + "/hook");
  f.emit("case.created");
  f.make_sender();
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(1);
  BOOST_TEST(f.sender->counters().failed == 1u);
  const auto delivery = f.only_delivery("down");
  BOOST_TEST(delivery.status == DeliveryStatus::kPending);
  BOOST_TEST(delivery.last_error.find("connect") != std::string::npos, delivery.last_error);
  const auto attempts = require_ok(f.webhooks->attempts(delivery.id));
  BOOST_REQUIRE(attempts.size() == 1u);
  BOOST_TEST(!attempts[0].record.status_code.has_value());
}

BOOST_AUTO_TEST_CASE(a_hanging_endpoint_does_not_hold_up_a_healthy_one) {
  SenderFixture f;
  WebhookTestReceiver slow;
  slow.set_default_reply({200, {}, "", true});  // reads the request, never answers
  WebhookTestReceiver fast;
  f.subscribe("slow", slow.url(), {"slow.*"});
  f.subscribe("fast", fast.url(), {"fast.*"});
  for (int i = 0; i < 5; ++i) f.emit("slow.event");
  f.emit("fast.event");  // last in due order, behind the slow endpoint's backlog
  auto options = test_options();
  options.request_timeout = 1s;
  options.max_in_flight = 3;
  options.max_in_flight_per_subscription = 2;
  f.make_sender(options);

  // The slow endpoint gets its two slots; the third goes to the fast one at once.
  BOOST_TEST(f.run_cycle() == 3u);
  BOOST_REQUIRE(
      wait_until([&] { return f.only_delivery("fast").status == DeliveryStatus::kSucceeded; }));
  BOOST_TEST(fast.request_count() == 1u);

  // The slow endpoint's attempts end at the timeout, recorded as failures.
  f.wait_for_attempts(3);
  BOOST_TEST(f.sender->counters().failed == 2u);
  size_t timed_out = 0;
  for (const auto& d : f.deliveries("slow")) {
    if (d.attempts == 0) continue;
    ++timed_out;
    BOOST_TEST(d.status == DeliveryStatus::kPending);
    BOOST_TEST(d.last_error.find("timed out after 1 s") != std::string::npos, d.last_error);
  }
  BOOST_TEST(timed_out == 2u);
}

BOOST_AUTO_TEST_CASE(during_rotation_both_secrets_sign) {
  SenderFixture f;
  WebhookTestReceiver receiver;
  const auto old_secret = new_secret();
  const auto new_secret_value = new_secret();
  f.subscribe("crm", receiver.url(), {"*"}, old_secret);
  require_ok(await<Subscription>([&](auto done) {
    f.webhooks->rotate_secret("crm", new_secret_value, f.clock.now(), std::move(done));
  }));
  const auto first_id = f.emit("case.created");
  f.make_sender();
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(1);

  auto requests = receiver.requests();
  BOOST_REQUIRE(requests.size() == 1u);
  const auto ts = unix_seconds(f.clock.now());
  const auto header = requests[0].header("webhook-signature");
  const auto space = header.find(' ');
  BOOST_REQUIRE(space != std::string::npos);
  const auto current = header.substr(0, space);
  const auto previous = header.substr(space + 1);
  BOOST_TEST(current ==
             testing::expected_signature(new_secret_value, first_id, ts, requests[0].body));
  BOOST_TEST(previous == testing::expected_signature(old_secret, first_id, ts, requests[0].body));
  BOOST_TEST(requests[0].signed_with(old_secret));
  BOOST_TEST(requests[0].signed_with(new_secret_value));

  // After the overlap only the new secret signs.
  f.clock.advance(25h);
  const auto second_id = f.emit("case.closed");
  BOOST_TEST(f.run_cycle() == 1u);
  f.wait_for_attempts(2);
  requests = receiver.requests();
  BOOST_REQUIRE(requests.size() == 2u);
  const auto later = requests[1].header("webhook-signature");
  BOOST_TEST(later.find(' ') == std::string::npos);
  BOOST_TEST(later == testing::expected_signature(new_secret_value, second_id,
                                                  unix_seconds(f.clock.now()), requests[1].body));
  BOOST_TEST(!requests[1].signed_with(old_secret));
}

BOOST_AUTO_TEST_CASE(the_started_loop_delivers_a_real_command_s_events_after_a_poke) {
  SenderFixture f;
  WebhookTestReceiver receiver;
  const auto subscription = f.subscribe("all", receiver.url());
  f.make_sender();
  f.sender->start();
  const auto outcome = accept(*f.store, create_complaint(f.clock.now()));
  BOOST_REQUIRE(!outcome.webhook_ids.empty());
  f.sender->poke();
  const auto expected = outcome.webhook_ids.size();
  BOOST_REQUIRE(wait_until([&] { return f.sender->counters().succeeded >= expected; }));
  BOOST_TEST(f.sender->counters().succeeded == expected);
  BOOST_TEST(require_ok(f.sender->queue_depth()) == 0);

  std::set<std::string> delivered;
  for (const auto& r : receiver.requests()) {
    delivered.insert(r.header("webhook-id"));
    BOOST_TEST(r.signed_with(subscription.secret));
  }
  BOOST_TEST(delivered ==
             std::set<std::string>(outcome.webhook_ids.begin(), outcome.webhook_ids.end()));

  auto stopped = std::make_shared<std::promise<void>>();
  auto done = stopped->get_future();
  f.sender->stop([stopped] { stopped->set_value(); });
  BOOST_TEST((done.wait_for(kDeadline) == std::future_status::ready));
  BOOST_TEST(f.sender->in_flight() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
