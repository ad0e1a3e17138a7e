// RetryPolicy: when a failed webhook delivery is attempted next, or that it is not attempted
// again (dead-lettered). Pure: no clock, no randomness of its own, no I/O, so every point of the
// schedule is tested without a socket or a wait.
//
// The schedule (docs/api.md, DESIGN.md, as Stripe retries): the first attempt at once, then after
// each failure the next of the published steps — 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — and
// once they are used up every 10 h for as long as less than 72 h have passed since the first
// attempt of the round. A failure at or after 72 h ends the round: the delivery is dead-lettered
// (a redelivery by hand starts a new round, with a new first attempt).
//
// Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter], so endpoints that
// come back are not hit by every retry at the same instant. A Retry-After asking for a longer
// delay is honoured, capped at `max_retry_after`; a shorter one does not hurry the schedule.
//
// Thread-safety: a RetryPolicy is immutable after construction; const methods may be called
// from any thread (the jitter source is the caller's, and its thread-safety theirs).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/result.h"
#include "engine/time.h"

namespace redress::api {

struct RetrySchedule {
  // The delay before each attempt of a round: [0] before the first (new deliveries are due at
  // once), [1] after the first failure, and so on. Default: immediately, 5 s, 5 min, 30 min,
  // 2 h, 5 h, 10 h, 10 h.
  std::vector<std::chrono::milliseconds> steps = {std::chrono::seconds(0), std::chrono::seconds(5),
                                                  std::chrono::minutes(5), std::chrono::minutes(30),
                                                  std::chrono::hours(2),   std::chrono::hours(5),
                                                  std::chrono::hours(10),  std::chrono::hours(10)};
  // After the steps, the delay between attempts (default 10 h); zero: none, the round ends when
  // the last step's attempt fails.
  std::chrono::milliseconds repeat_every = std::chrono::hours(10);
  // Repeats go on while less than this has passed since the round's first attempt (default
  // 72 h): the round lasts at least this long, and at most one repeat (plus jitter) longer.
  std::chrono::milliseconds retry_for = std::chrono::hours(72);
  // Relative spread of each delay (default ±10%), in [0, 1).
  double jitter = 0.10;
  // A Retry-After later than the scheduled delay is honoured up to this (default 24 h).
  std::chrono::milliseconds max_retry_after = std::chrono::hours(24);
};

// INVALID_CONFIG naming the first problem: no steps, a negative delay, a jitter outside [0, 1).
Status check_retry_schedule(const RetrySchedule& schedule);

class RetryPolicy {
 public:
  // A draw of the jitter source: uniformly distributed in [0, 1).
  using JitterSource = std::function<double()>;

  // Takes a schedule that passed check_retry_schedule; others are made usable (no steps: one
  // immediate attempt; negative delays: zero; jitter clamped into [0, 0.99]).
  explicit RetryPolicy(RetrySchedule schedule = {});

  // When to make the next attempt after `failed_attempts` (>= 1) failed attempts of a round
  // whose first attempt started at `first_attempt_at`, the last failing at `failed_at`; nullopt
  // when the round is over and the delivery is dead-lettered. `retry_after` is the delay the
  // endpoint's Retry-After asked for, if any. `jitter` is drawn once per scheduled delay.
  std::optional<Instant> next_attempt_at(
      int failed_attempts, Instant first_attempt_at, Instant failed_at, const JitterSource& jitter,
      std::optional<std::chrono::milliseconds> retry_after = std::nullopt) const;

  const RetrySchedule& schedule() const { return schedule_; }

 private:
  std::chrono::milliseconds jittered(std::chrono::milliseconds base,
                                     const JitterSource& jitter) const;

  RetrySchedule schedule_;
};

}  // namespace redress::api
