// RateLimiter: a token bucket per API token, so one runaway integration cannot starve the agents.
//
// Each key refills at `per_second` up to `burst`; a request takes one unit or is refused with the
// seconds until one is available (for Retry-After). Idle buckets are dropped so memory stays
// bounded by the number of active tokens. Time comes from the caller (tests use a fake clock).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "engine/mutex.h"
#include "engine/time.h"

namespace redress::api {

class RateLimiter {
 public:
  // per_second <= 0 disables limiting.
  RateLimiter(double per_second, double burst, size_t max_keys = 100000);

  // nullopt: allowed. Otherwise: whole seconds to wait (at least 1, at most INT_MAX).
  std::optional<int> acquire(const std::string& key, Instant now);

 private:
  struct Bucket {
    double tokens = 0;
    Instant updated{};
  };
  const double per_second_;
  const double burst_;
  const size_t max_keys_;
  Mutex mutex_;
  std::map<std::string, Bucket> buckets_ GUARDED_BY(mutex_);
};

}  // namespace redress::api
