#include "api/delivery/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace redress::api {

using std::chrono::milliseconds;

Status check_retry_schedule(const RetrySchedule& schedule) {
  const auto invalid = [](const std::string& message) { return Error::invalid_config(message); };
  if (schedule.steps.empty()) return invalid("webhook schedule is empty; give at least one delay");
  for (const auto& delay : schedule.steps) {
    if (delay < milliseconds::zero()) return invalid("webhook schedule has a negative delay");
  }
  if (schedule.repeat_every < milliseconds::zero() || schedule.retry_for < milliseconds::zero()) {
    return invalid("webhook retry repeat and duration must not be negative");
  }
  if (!(schedule.jitter >= 0.0 && schedule.jitter < 1.0)) {
    return invalid("webhook jitter must be at least 0 and below 1");
  }
  if (schedule.max_retry_after < milliseconds::zero()) {
    return invalid("webhook max Retry-After must not be negative");
  }
  return Status::Ok();
}

RetryPolicy::RetryPolicy(RetrySchedule schedule) : schedule_(std::move(schedule)) {
  if (schedule_.steps.empty()) schedule_.steps.push_back(milliseconds::zero());
  for (auto& delay : schedule_.steps) delay = std::max(delay, milliseconds::zero());
  schedule_.repeat_every = std::max(schedule_.repeat_every, milliseconds::zero());
  schedule_.retry_for = std::max(schedule_.retry_for, milliseconds::zero());
  schedule_.max_retry_after = std::max(schedule_.max_retry_after, milliseconds::zero());
  // NaN fails every comparison: the negated test catches it too.
  if (!(schedule_.jitter >= 0.0)) schedule_.jitter = 0.0;
  schedule_.jitter = std::min(schedule_.jitter, 0.99);
}

milliseconds RetryPolicy::jittered(milliseconds base, const JitterSource& jitter) const {
  if (schedule_.jitter <= 0.0 || base <= milliseconds::zero() || !jitter) return base;
  const double draw = std::clamp(jitter(), 0.0, 1.0);
  const double factor = 1.0 - schedule_.jitter + 2.0 * schedule_.jitter * draw;
  return milliseconds(
      static_cast<std::int64_t>(std::llround(static_cast<double>(base.count()) * factor)));
}

std::optional<Instant> RetryPolicy::next_attempt_at(int failed_attempts, Instant first_attempt_at,
                                                    Instant failed_at, const JitterSource& jitter,
                                                    std::optional<milliseconds> retry_after) const {
  const auto made = static_cast<std::size_t>(std::max(failed_attempts, 1));
  milliseconds base{};
  if (made < schedule_.steps.size()) {
    base = schedule_.steps[made];
  } else if (schedule_.repeat_every > milliseconds::zero() &&
             failed_at - first_attempt_at < schedule_.retry_for) {
    base = schedule_.repeat_every;
  } else {
    return std::nullopt;
  }
  auto delay = jittered(base, jitter);
  if (retry_after) delay = std::max(delay, std::min(*retry_after, schedule_.max_retry_after));
  return failed_at + delay;
}

}  // namespace redress::api
