#include "api/http/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace redress::api {

RateLimiter::RateLimiter(double per_second, double burst, size_t max_keys)
    : per_second_(per_second), burst_(std::max(1.0, burst)), max_keys_(max_keys) {}

std::optional<int> RateLimiter::acquire(const std::string& key, Instant now) {
  if (per_second_ <= 0) return std::nullopt;
  MutexLock lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // Drop buckets that have refilled completely: they carry no information.
      std::erase_if(buckets_, [&](const auto& entry) {
        const double elapsed = std::chrono::duration<double>(now - entry.second.updated).count();
        return entry.second.tokens + elapsed * per_second_ >= burst_;
      });
    }
    it = buckets_.emplace(key, Bucket{burst_, now}).first;
  }
  Bucket& bucket = it->second;
  const double elapsed = std::max(0.0, std::chrono::duration<double>(now - bucket.updated).count());
  bucket.tokens = std::min(burst_, bucket.tokens + elapsed * per_second_);
  bucket.updated = std::max(bucket.updated, now);
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  // Capped before the cast: a tiny configured rate makes the wait exceed int, and casting such a
  // double is undefined (on x86 it wrapped to a Retry-After of 1 s).
  const double wait = std::ceil((1.0 - bucket.tokens) / per_second_);
  return std::max(1, static_cast<int>(std::min(wait, double{std::numeric_limits<int>::max()})));
}

}  // namespace redress::api
