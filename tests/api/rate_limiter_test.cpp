// RateLimiter without a socket or a sleep: the token bucket is driven by the instants the caller
// passes (the pipeline passes its Clock's now), so refill, burst and Retry-After are exact.
#include "api/http/rate_limiter.h"

#include <chrono>
#include <limits>
#include <optional>
#include <string>

#include <boost/test/unit_test.hpp>

namespace redress::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Instant kStart = Instant{} + std::chrono::hours(24 * 365 * 56);

}  // namespace

BOOST_AUTO_TEST_SUITE(rate_limiter)

BOOST_AUTO_TEST_CASE(a_full_bucket_allows_its_burst_then_refuses) {
  RateLimiter limiter(/*per_second=*/2, /*burst=*/5);
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST_CONTEXT("request " << i) {
      BOOST_TEST(!limiter.acquire("tok_a", kStart));
    }
  }
  // Empty: one unit comes back after half a second, rounded up to whole seconds.
  BOOST_TEST((limiter.acquire("tok_a", kStart) == std::optional<int>(1)));
}

BOOST_AUTO_TEST_CASE(the_bucket_refills_at_its_rate) {
  // Instants are multiples of 1/4 s and rates powers of two: the arithmetic is exact.
  RateLimiter limiter(/*per_second=*/2, /*burst=*/2);
  BOOST_TEST(!limiter.acquire("tok_a", kStart));
  BOOST_TEST(!limiter.acquire("tok_a", kStart));
  BOOST_TEST(limiter.acquire("tok_a", kStart + milliseconds(250)).has_value());
  BOOST_TEST(!limiter.acquire("tok_a", kStart + milliseconds(500)));
  BOOST_TEST(limiter.acquire("tok_a", kStart + milliseconds(500)).has_value());
  // Long idle time refills to the burst, never beyond it.
  const Instant later = kStart + seconds(3600);
  BOOST_TEST(!limiter.acquire("tok_a", later));
  BOOST_TEST(!limiter.acquire("tok_a", later));
  BOOST_TEST(limiter.acquire("tok_a", later).has_value());
}

BOOST_AUTO_TEST_CASE(retry_after_is_the_whole_seconds_until_one_unit) {
  RateLimiter slow(/*per_second=*/0.25, /*burst=*/1);  // one request per 4 s
  BOOST_TEST(!slow.acquire("tok_a", kStart));
  BOOST_TEST((slow.acquire("tok_a", kStart) == std::optional<int>(4)));
  BOOST_TEST((slow.acquire("tok_a", kStart + seconds(1)) == std::optional<int>(3)));
  BOOST_TEST((slow.acquire("tok_a", kStart + milliseconds(3500)) == std::optional<int>(1)));
  BOOST_TEST(!slow.acquire("tok_a", kStart + seconds(4)));
}

// Regression: the wait was cast to int unchecked, so a rate below about 5e-7 per second (which
// --rate-limit accepts) overflowed the cast (undefined; on x86 it gave INT_MIN, then 1): the client
// was told to retry after one second instead of never in practice.
BOOST_AUTO_TEST_CASE(a_wait_beyond_int_range_is_capped_not_wrapped) {
  RateLimiter glacial(/*per_second=*/1e-12, /*burst=*/1);
  BOOST_TEST(!glacial.acquire("tok_a", kStart));
  const auto wait = glacial.acquire("tok_a", kStart);
  BOOST_REQUIRE(wait.has_value());
  BOOST_TEST(*wait == std::numeric_limits<int>::max());
}

BOOST_AUTO_TEST_CASE(each_key_has_its_own_bucket) {
  RateLimiter limiter(/*per_second=*/1, /*burst=*/1);
  BOOST_TEST(!limiter.acquire("tok_a", kStart));
  BOOST_TEST(limiter.acquire("tok_a", kStart).has_value());
  BOOST_TEST(!limiter.acquire("tok_b", kStart));
}

BOOST_AUTO_TEST_CASE(a_clock_stepping_back_neither_refills_nor_breaks_the_bucket) {
  RateLimiter limiter(/*per_second=*/1, /*burst=*/1);
  BOOST_TEST(!limiter.acquire("tok_a", kStart));
  BOOST_TEST(limiter.acquire("tok_a", kStart - seconds(30)).has_value());
  BOOST_TEST(limiter.acquire("tok_a", kStart + milliseconds(500)).has_value());
  BOOST_TEST(!limiter.acquire("tok_a", kStart + seconds(1)));
}

BOOST_AUTO_TEST_CASE(zero_rate_disables_limiting_and_burst_is_at_least_one) {
  RateLimiter off(/*per_second=*/0, /*burst=*/0);
  for (int i = 0; i < 1000; ++i) BOOST_TEST_REQUIRE(!off.acquire("tok_a", kStart));

  RateLimiter tiny(/*per_second=*/1, /*burst=*/0);
  BOOST_TEST(!tiny.acquire("tok_a", kStart));
  BOOST_TEST(tiny.acquire("tok_a", kStart).has_value());
}

BOOST_AUTO_TEST_CASE(idle_full_buckets_are_dropped_and_busy_ones_kept_at_the_key_bound) {
  RateLimiter limiter(/*per_second=*/1, /*burst=*/2, /*max_keys=*/2);
  BOOST_TEST(!limiter.acquire("tok_idle", kStart));
  BOOST_TEST(!limiter.acquire("tok_busy", kStart + seconds(5)));
  BOOST_TEST(!limiter.acquire("tok_busy", kStart + seconds(5)));
  // At the bound: tok_idle has refilled (dropped), tok_busy is empty (kept, still limited).
  BOOST_TEST(!limiter.acquire("tok_new", kStart + seconds(5)));
  BOOST_TEST(limiter.acquire("tok_busy", kStart + seconds(5)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
