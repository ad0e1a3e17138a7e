// BusinessCalendar: when a team works, in an IANA time zone, and arithmetic on working time.
//
// A calendar has weekly working periods (several per day, so lunch breaks are gaps), holidays
// (dates when nobody works) and make-up working days (调休: a weekend date worked with the hours
// of a named weekday). All arithmetic is done in the calendar's zone through the system tz
// database, so it is correct across DST changes; instants in and out are UTC.
//
// Durations (`Duration`) come in three kinds:
//   - business: "30m business", "4h business" count working minutes only;
//     "2d business" means: from the first working moment at or after the start, the same local
//     time of day N working days later (moved forward to the next working moment if that time is
//     not working time on that day).
//   - calendar: "90m calendar", "4h calendar" are elapsed time; "2d calendar" is the same local
//     wall-clock time N days later in the calendar's zone (a non-existent local time in a DST gap
//     moves forward by the gap; an ambiguous one takes the earlier instant).
//   - cutoff: "cutoff 15:00" is not a length but a deadline rule (开发票: requests before 15:00
//     are handled the same day): received before the cutoff (local time) on a working day, and
//     before that day's closing time, it is due at that day's closing time (the end of its last
//     working period); otherwise (at or after the cutoff, after closing, or on a day without
//     working time) at the closing time of the next working day. Only SLA targets accept it.
// Deadlines computed here are "never early": when in doubt they move later.
//
// Thread-safety: immutable after construction; safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/result.h"
#include "engine/time.h"
#include "engine/validation_problem.h"

namespace date {
class time_zone;
}

namespace redress {

struct Duration {
  enum class Kind { kBusiness, kCalendar, kCutoff };
  enum class Unit { kMinutes, kHours, kDays };
  Kind kind = Kind::kBusiness;
  Unit unit = Unit::kMinutes;  // kCutoff: unused (kMinutes)
  std::int64_t count = 0;      // 0 .. 100000 minutes-or-hours, 0 .. 3660 days; kCutoff: 0
  int cutoff_minute = 0;       // kCutoff only: local minutes since midnight, 0 .. 1439

  bool is_cutoff() const { return kind == Kind::kCutoff; }

  bool operator==(const Duration&) const = default;
};

// Parses "<count><m|h|d> <business|calendar>", e.g. "4h business", "2d calendar", "30m business",
// or "cutoff HH:MM" ("cutoff 15:00"). Errors carry code BAD_DURATION and say what the accepted
// form is. Callers where a cutoff means nothing (a timer's "after") refuse it with
// `cutoff_refusal`.

Result<Duration> parse_duration(std::string_view text);
std::string format_duration(const Duration& d);  // canonical text, parses back to the same value

// The problem message for a cutoff given where only a length of time makes sense: `what` names
// the member, e.g. "'after' of timer 'remind'".
std::string cutoff_refusal(const Duration& d, const std::string& what);

// One working period inside a local day, in minutes since local midnight: [start, end).
struct WorkPeriod {
  int start_minute = 0;
  int end_minute = 0;
  bool operator==(const WorkPeriod&) const = default;
};

class BusinessCalendar {
 public:
  // Parses a calendar definition (see workflows/README.md for the format), reporting every
  // problem into `problems` with pointers under `pointer` (the calendar's location in its file).
  // Returns nullopt when any error was reported. Problem codes: UNKNOWN_TIME_ZONE, BAD_TIME,
  // BAD_PERIOD (end not after start, overlapping periods), BAD_DATE, NO_WORKING_TIME,
  // UNKNOWN_KEY, MISSING_KEY, BAD_TYPE, BAD_NAME (id), BAD_VALUE (unknown hours_of weekday).
  static std::optional<BusinessCalendar> parse(const nlohmann::json& definition,
                                               const std::string& pointer, Problems& problems);

  const std::string& id() const { return id_; }
  const std::string& time_zone_name() const { return zone_name_; }

  // True when `t` falls inside a working period of a working day.
  bool is_working_time(Instant t) const;

  // `t` itself when it is working time, otherwise the start of the next working period.
  Instant next_working_moment(Instant t) const;

  // Working time elapsed in [from, to); zero when to <= from.
  Millis working_time_between(Instant from, Instant to) const;

  // The instant at which `amount` of working time has elapsed after `start` (the first
  // working moment at or after start when amount is zero).
  Instant add_working_time(Instant start, Millis amount) const;

  // start + d, per the rules above (for a cutoff: the deadline of something received at start).
  Instant add(Instant start, const Duration& d) const;

  // The deadline of something received at `received` under a cutoff at `cutoff_minute` local
  // minutes since midnight: see "cutoff" above.
  Instant cutoff_deadline(Instant received, int cutoff_minute) const;

 private:
  class WorkingIntervals;  // walks working time as UTC intervals, day by day (defined in .cpp)

  // How a local time that does not exist (skipped by a DST change) becomes an instant.
  enum class GapRule {
    kGapEnd,      // the instant the gap ends: period boundaries
    kShiftByGap,  // as if the clock had not changed yet, i.e. later by the gap: "same wall time"
  };

  BusinessCalendar() = default;

  // Working periods of a local civil day (days since 1970-01-01 in the calendar's zone).
  const std::vector<WorkPeriod>& periods_on(std::int64_t local_day) const;

  // The local civil day that `t` falls on in the calendar's zone.
  std::int64_t local_day_of(Instant t) const;

  // The instant of `time_of_day` after local midnight of `local_day`; ambiguous local times
  // take the earlier instant, non-existent ones follow `gap_rule`.
  Instant to_instant(std::int64_t local_day, Millis time_of_day, GapRule gap_rule) const;

  Instant add_calendar_days(Instant start, std::int64_t days) const;
  Instant add_business_days(Instant start, std::int64_t days) const;

  // The end of the last working period of `local_day` (which must have working time).
  Instant closing_time(std::int64_t local_day) const;

  std::string id_;
  std::string zone_name_;
  const date::time_zone* zone_ = nullptr;        // owned by the tz database, lives forever
  std::array<std::vector<WorkPeriod>, 7> week_;  // index 0 = Monday
  std::set<std::int64_t> holidays_;              // local days
  // Local day -> weekday index whose periods apply; sorted by day for binary search.
  std::vector<std::pair<std::int64_t, int>> makeup_days_;
};

}  // namespace redress
