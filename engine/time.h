// Instants and the wire format of time.
//
// Inside Redress every instant is UTC with millisecond precision (`Instant`). On the wire it is
// RFC 3339: parsing accepts any offset ("Z", "+08:00") and fractional seconds; formatting always
// produces UTC with "Z", and a fractional part only when the milliseconds are non-zero, so the
// text form of an instant is canonical (replay compares snapshots textually).
//
// Engine code never reads a clock: `now` is passed in. `Clock` exists for the outer layers, and
// `FakeClock` for tests (never sleep in a test; advance the fake clock instead).
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace redress {

using Instant = std::chrono::sys_time<std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

// Parses RFC 3339 ("2026-11-22T09:30:00Z", "2026-11-22T17:30:00.250+08:00").
// Returns nullopt for anything else, including out-of-range fields (month 13, Feb 30, hour 24).
std::optional<Instant> parse_rfc3339(std::string_view text);

// Formats as canonical UTC RFC 3339 ("2026-11-22T09:30:00Z" or "...:00.250Z").
std::string format_rfc3339(Instant instant);

// Source of the current time. Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override;
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start) : now_ms_(start.time_since_epoch().count()) {}
  Instant now() const override { return Instant(Millis(now_ms_.load())); }
  void set(Instant t) { now_ms_.store(t.time_since_epoch().count()); }
  void advance(Millis d) { now_ms_.fetch_add(d.count()); }

 private:
  std::atomic<long long> now_ms_;
};

}  // namespace redress
