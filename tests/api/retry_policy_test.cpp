// RetryPolicy without a socket or a clock: the published schedule, the 72 hours of repeats,
// jitter bounds and Retry-After.
#include "api/delivery/retry_policy.h"

#include <chrono>
#include <optional>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace redress::api {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

const Instant kFirst = *parse_rfc3339("2026-11-23T02:00:00Z");

RetryPolicy::JitterSource fixed(double draw) {
  return [draw] { return draw; };
}

// Walks a round that always fails immediately: the times of the attempts made, the first
// included, until the policy ends it.
std::vector<Instant> walk_round(const RetryPolicy& policy, const RetryPolicy::JitterSource& jitter,
                                std::optional<milliseconds> retry_after = std::nullopt) {
  std::vector<Instant> attempts = {kFirst};
  while (attempts.size() < 100) {
    const auto next = policy.next_attempt_at(static_cast<int>(attempts.size()), kFirst,
                                             attempts.back(), jitter, retry_after);
    if (!next) break;
    attempts.push_back(*next);
  }
  return attempts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_policy)

BOOST_AUTO_TEST_CASE(published_steps_then_every_10_hours_until_72_hours_have_passed) {
  const RetryPolicy policy;                              // the default schedule, ±10% jitter
  const auto attempts = walk_round(policy, fixed(0.5));  // a draw of 0.5: no jitter
  const std::vector<milliseconds> expected = {0s,
                                              5s,
                                              5min + 5s,
                                              35min + 5s,
                                              2h + 35min + 5s,
                                              7h + 35min + 5s,
                                              17h + 35min + 5s,
                                              27h + 35min + 5s,
                                              37h + 35min + 5s,
                                              47h + 35min + 5s,
                                              57h + 35min + 5s,
                                              67h + 35min + 5s,
                                              77h + 35min + 5s};
  BOOST_REQUIRE_EQUAL(attempts.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST_INFO("attempt " << i + 1);
    BOOST_TEST((attempts[i] - kFirst == expected[i]));
  }
  // The round lasts at least 72 h: the last failure comes after them, the one before did not.
  BOOST_TEST((attempts.back() - kFirst >= 72h));
  BOOST_TEST((attempts[attempts.size() - 2] - kFirst < 72h));
}

BOOST_AUTO_TEST_CASE(a_delivery_pending_under_the_old_schedule_keeps_being_retried) {
  // Eight failed attempts used to end the round after about 27.6 h; now it goes on.
  const RetryPolicy policy;
  const Instant eighth = kFirst + 27h + 35min + 5s;
  const auto next = policy.next_attempt_at(8, kFirst, eighth, fixed(0.5));
  BOOST_REQUIRE(next.has_value());
  BOOST_TEST((*next - eighth == 10h));
  BOOST_TEST(!policy.next_attempt_at(8, kFirst, kFirst + 72h, fixed(0.5)).has_value());
  BOOST_TEST(!policy.next_attempt_at(20, kFirst, kFirst + 80h, fixed(0.5)).has_value());
}

BOOST_AUTO_TEST_CASE(jitter_stays_within_its_bounds) {
  const RetryPolicy policy;  // ±10%
  const Instant failed = kFirst + 1min;
  BOOST_TEST((*policy.next_attempt_at(2, kFirst, failed, fixed(0.0)) - failed == 270s));
  BOOST_TEST((*policy.next_attempt_at(2, kFirst, failed, fixed(0.999999)) - failed <= 330s));
  BOOST_TEST((*policy.next_attempt_at(2, kFirst, failed, fixed(0.999999)) - failed > 329s));
  // The longest round with the earliest draws still spans the 72 h; the latest draws end it
  // no more than one repeat (plus jitter) after them.
  for (const double draw : {0.0, 0.999999}) {
    const auto attempts = walk_round(policy, fixed(draw));
    BOOST_TEST_INFO("draw " << draw);
    BOOST_TEST((attempts.back() - kFirst >= 72h));
    BOOST_TEST((attempts.back() - kFirst < 72h + 11h));
  }
  // No jitter source, or none configured: the exact steps.
  RetrySchedule exact;
  exact.jitter = 0;
  BOOST_TEST((*RetryPolicy(exact).next_attempt_at(1, kFirst, kFirst, fixed(0.0)) - kFirst == 5s));
  BOOST_TEST((*policy.next_attempt_at(1, kFirst, kFirst, nullptr) - kFirst == 5s));
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured_when_later_and_capped) {
  const RetryPolicy policy;
  const auto no_jitter = fixed(0.5);
  // Later than the step (5 s): honoured.
  BOOST_TEST((*policy.next_attempt_at(1, kFirst, kFirst, no_jitter, 120s) - kFirst == 120s));
  // Earlier than the step (2 h after the fourth failure): the step wins.
  BOOST_TEST((*policy.next_attempt_at(4, kFirst, kFirst, no_jitter, 60s) - kFirst == 2h));
  // Beyond the cap (24 h): capped.
  BOOST_TEST((*policy.next_attempt_at(1, kFirst, kFirst, no_jitter, 240h) - kFirst == 24h));
  // Retry-After does not extend the round past its 72 h.
  BOOST_TEST(!policy.next_attempt_at(9, kFirst, kFirst + 73h, no_jitter, 1h).has_value());
}

BOOST_AUTO_TEST_CASE(schedules_are_checked_and_bad_ones_made_usable) {
  BOOST_TEST(check_retry_schedule(RetrySchedule{}).ok());
  RetrySchedule empty;
  empty.steps.clear();
  BOOST_TEST(!check_retry_schedule(empty).ok());
  RetrySchedule negative;
  negative.steps = {0s, -5s};
  BOOST_TEST(!check_retry_schedule(negative).ok());
  RetrySchedule wide;
  wide.jitter = 1.0;
  BOOST_TEST(!check_retry_schedule(wide).ok());

  // No repeats: the round ends when the last step's attempt fails.
  RetrySchedule steps_only;
  steps_only.steps = {0s, 5s};
  steps_only.repeat_every = 0s;
  steps_only.jitter = 0;
  const auto attempts = walk_round(RetryPolicy(steps_only), fixed(0.5));
  BOOST_TEST(attempts.size() == 2u);
  // An empty schedule is one immediate attempt, then the repeats.
  BOOST_TEST((*RetryPolicy(empty).next_attempt_at(1, kFirst, kFirst, nullptr) - kFirst == 10h));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
