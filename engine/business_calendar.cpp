#include "engine/business_calendar.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <utility>

#include <date/date.h>
#include <date/tz.h>

#include "engine/json_reader.h"

namespace redress {
namespace {

using Json = nlohmann::json;
using LocalMillis = date::local_time<Millis>;

constexpr std::int64_t kMaxMinutesOrHours = 100000;
constexpr std::int64_t kMaxDays = 3660;

// The walkers give up after this many consecutive local days without working time. Validation
// guarantees a working period every week, but holidays can still cover a long span; four years
// is far beyond any real closure and keeps every call bounded.
constexpr std::int64_t kMaxIdleDays = 4 * 366;

constexpr std::int64_t kMaxHolidayRangeDays = 366;
constexpr int kMinutesPerDay = 24 * 60;

constexpr std::array<std::string_view, 7> kWeekdayKeys = {"mon", "tue", "wed", "thu",
                                                          "fri", "sat", "sun"};
constexpr std::string_view kWeekdayList = "mon, tue, wed, thu, fri, sat or sun";
constexpr std::string_view kDefaultTimeZone = "Asia/Shanghai";
constexpr std::string_view kDurationForm =
    "expected \"<count><m|h|d> <business|calendar>\" such as \"30m business\", \"4h business\" or "
    "\"2d calendar\"";
constexpr std::string_view kCutoffForm =
    "expected \"cutoff HH:MM\" on the 24-hour clock, such as \"cutoff 15:00\" (received before "
    "15:00 on a working day: due at that day's closing time, otherwise at the next working day's)";

std::optional<int> weekday_index(std::string_view key) {
  for (size_t i = 0; i < kWeekdayKeys.size(); ++i) {
    if (kWeekdayKeys[i] == key) return static_cast<int>(i);
  }
  return std::nullopt;
}

// 0 = Monday .. 6 = Sunday.
int weekday_index_of(std::int64_t local_day) {
  const date::weekday wd{date::local_days{date::days{local_day}}};
  return static_cast<int>(wd.iso_encoding()) - 1;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int two_digits(std::string_view s, size_t pos) {
  return (s[pos] - '0') * 10 + (s[pos + 1] - '0');
}

// "HH:MM", 00:00 .. 23:59, or "24:00" (the end of the day). Minutes since midnight.
std::optional<int> parse_time_of_day(std::string_view s) {
  if (s.size() != 5 || !is_digit(s[0]) || !is_digit(s[1]) || s[2] != ':' || !is_digit(s[3]) ||
      !is_digit(s[4])) {
    return std::nullopt;
  }
  const int hours = two_digits(s, 0);
  const int minutes = two_digits(s, 3);
  if (hours == 24 && minutes == 0) return kMinutesPerDay;
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

// "YYYY-MM-DD", a real calendar date. Days since 1970-01-01.
std::optional<std::int64_t> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!is_digit(s[i])) return std::nullopt;
  }
  const int year = two_digits(s, 0) * 100 + two_digits(s, 2);
  const date::year_month_day ymd{date::year{year},
                                 date::month{static_cast<unsigned>(two_digits(s, 5))},
                                 date::day{static_cast<unsigned>(two_digits(s, 8))}};
  if (!ymd.ok()) return std::nullopt;
  return date::local_days{ymd}.time_since_epoch().count();
}

std::string format_date(std::int64_t local_day) {
  const date::year_month_day ymd{date::local_days{date::days{local_day}}};
  return date::format("%F", ymd);
}

std::string format_minute(int minute) {
  const std::string h = std::to_string(minute / 60);
  const std::string m = std::to_string(minute % 60);
  return (h.size() < 2 ? "0" + h : h) + ":" + (m.size() < 2 ? "0" + m : m);
}

std::string format_period(const WorkPeriod& p) {
  return format_minute(p.start_minute) + "-" + format_minute(p.end_minute);
}

// Member readers of a calendar definition; problems go to the definition's JsonReader.
// The string member `key` of `object`, or nullopt (MISSING_KEY when `required`, BAD_TYPE when
// present but not a string).
std::optional<std::string> string_member(JsonReader& report, const Json& object,
                                         const std::string& pointer, const std::string& key,
                                         std::string_view what, bool required) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) {
      report.error("MISSING_KEY", pointer + "/" + key,
                   std::string(what) + " is missing required key " + quote_name(key));
    }
    return std::nullopt;
  }
  if (!it->is_string()) {
    report.error(
        "BAD_TYPE", pointer + "/" + key,
        quote_name(key) + " of " + std::string(what) + " must be a string, not " + it->type_name());
    return std::nullopt;
  }
  return it->get<std::string>();
}

// A date member as local days, reporting BAD_DATE for text that is not a date.
std::optional<std::int64_t> date_value(JsonReader& report, const std::string& text,
                                       const std::string& pointer) {
  auto day = parse_date(text);
  if (!day) {
    report.error("BAD_DATE", pointer,
                 quote_name(text) + " is not a date; expected \"YYYY-MM-DD\", e.g. \"2026-10-01\"");
  }
  return day;
}

// Parses the periods of one weekday, reporting every problem. Returns them sorted, with touching
// periods merged; the result is meaningless when a problem was reported.
std::vector<WorkPeriod> parse_day_periods(const Json& periods, const std::string& pointer,
                                          std::string_view day, JsonReader& problems) {
  const std::string pair_form = "[\"HH:MM\", \"HH:MM\"]";
  if (!periods.is_array()) {
    problems.error("BAD_TYPE", pointer,
                   "working periods of " + quote_name(day) + " must be an array of " + pair_form +
                       " pairs, not " + periods.type_name());
    return {};
  }
  struct Parsed {
    WorkPeriod period;
    std::size_t index;
  };
  std::vector<Parsed> parsed;
  for (std::size_t i = 0; i < periods.size(); ++i) {
    const Json& element = periods[i];
    const std::string p = pointer + "/" + std::to_string(i);
    if (!element.is_array()) {
      problems.error("BAD_TYPE", p,
                     "working period " + std::to_string(i) + " of " + quote_name(day) +
                         " must be a " + pair_form + " pair, not " + element.type_name());
      continue;
    }
    if (element.size() != 2) {
      problems.error("BAD_PERIOD", p,
                     "working period " + std::to_string(i) + " of " + quote_name(day) + " has " +
                         std::to_string(element.size()) + " elements; expected a " + pair_form +
                         " pair of start and end");
      continue;
    }
    std::array<std::optional<int>, 2> minutes;
    for (std::size_t j = 0; j < 2; ++j) {
      const std::string tp = p + "/" + std::to_string(j);
      if (!element[j].is_string()) {
        problems.error("BAD_TYPE", tp,
                       "a working period's times must be \"HH:MM\" strings, not " +
                           std::string(element[j].type_name()));
        continue;
      }
      const auto text = element[j].get<std::string>();
      minutes[j] = parse_time_of_day(text);
      if (!minutes[j]) {
        problems.error("BAD_TIME", tp,
                       quote_name(text) +
                           " is not a time of day; expected \"HH:MM\" on the 24-hour clock from "
                           "\"00:00\" to \"23:59\", or \"24:00\" for the end of the day");
      }
    }
    if (!minutes[0] || !minutes[1]) continue;
    const WorkPeriod period{*minutes[0], *minutes[1]};
    if (period.end_minute <= period.start_minute) {
      problems.error("BAD_PERIOD", p,
                     "working period " + format_period(period) + " of " + quote_name(day) +
                         " does not end after it starts; the end must be later than the start "
                         "(use \"24:00\" for midnight at the end of the day)");
      continue;
    }
    parsed.push_back({period, i});
  }

  std::sort(parsed.begin(), parsed.end(), [](const Parsed& a, const Parsed& b) {
    return a.period.start_minute < b.period.start_minute;
  });
  std::vector<WorkPeriod> result;
  bool overlapping = false;
  const Parsed* furthest = nullptr;  // the period reaching latest so far, to catch nesting
  for (const Parsed& current : parsed) {
    if (furthest != nullptr && current.period.start_minute < furthest->period.end_minute) {
      const Parsed& later = current.index > furthest->index ? current : *furthest;
      const Parsed& earlier = current.index > furthest->index ? *furthest : current;
      problems.error("BAD_PERIOD", pointer + "/" + std::to_string(later.index),
                     "working period " + format_period(later.period) + " of " + quote_name(day) +
                         " overlaps " + format_period(earlier.period) +
                         "; the periods of a day must not overlap");
      overlapping = true;
    }
    if (furthest == nullptr || current.period.end_minute > furthest->period.end_minute) {
      furthest = &current;
    }
    // Touching periods ("09:00-12:00", "12:00-13:00") are one stretch of working time.
    if (!result.empty() && result.back().end_minute == current.period.start_minute) {
      result.back().end_minute = current.period.end_minute;
    } else {
      result.push_back(current.period);
    }
  }
  if (overlapping) return {};
  return result;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Durations

Result<Duration> parse_duration(std::string_view text) {
  const auto bad = [&](std::string why) -> Result<Duration> {
    return Error(ErrorCode::kBadDuration, "invalid duration " + quote_name(text) + ": " + why);
  };
  constexpr std::string_view kCutoffWord = "cutoff";
  if (text.substr(0, kCutoffWord.size()) == kCutoffWord) {
    const std::string_view rest = text.substr(kCutoffWord.size());
    if (rest.empty() || rest == " ") {
      return bad("the time of day is missing; " + std::string(kCutoffForm));
    }
    if (rest[0] != ' ')
      return bad("'cutoff' must be followed by a single space; " + std::string(kCutoffForm));
    const std::string_view time = rest.substr(1, 5);
    const std::string_view after = rest.substr(1 + time.size());
    const auto minute = parse_time_of_day(time);
    if (!minute || *minute == kMinutesPerDay) {
      return bad(quote_name(time) + " is not a time of day from \"00:00\" to \"23:59\"; " +
                 std::string(kCutoffForm));
    }
    if (!after.empty()) {
      return bad("nothing may follow the time (" +
                 quote_name(after.substr(after[0] == ' ' ? 1 : 0)) +
                 "): a cutoff always counts on the calendar's working days and ends at a "
                 "closing time; " +
                 std::string(kCutoffForm));
    }
    Duration d;
    d.kind = Duration::Kind::kCutoff;
    d.cutoff_minute = *minute;
    return d;
  }
  std::size_t pos = 0;
  std::int64_t count = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    // Stop accumulating once past every limit so that long digit strings cannot overflow.
    if (count <= kMaxMinutesOrHours) count = count * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == 0) {
    return bad("it must start with a non-negative whole number; " + std::string(kDurationForm));
  }
  if (pos >= text.size()) return bad("the unit is missing; " + std::string(kDurationForm));
  Duration d;
  switch (text[pos]) {
    case 'm':
      d.unit = Duration::Unit::kMinutes;
      break;
    case 'h':
      d.unit = Duration::Unit::kHours;
      break;
    case 'd':
      d.unit = Duration::Unit::kDays;
      break;
    default:
      return bad("the unit must be m, h or d; " + std::string(kDurationForm));
  }
  ++pos;
  const std::string_view rest = text.substr(pos);
  if (rest == " business") {
    d.kind = Duration::Kind::kBusiness;
  } else if (rest == " calendar") {
    d.kind = Duration::Kind::kCalendar;
  } else {
    return bad("the unit must be followed by a single space and business or calendar; " +
               std::string(kDurationForm));
  }
  const std::int64_t limit = d.unit == Duration::Unit::kDays ? kMaxDays : kMaxMinutesOrHours;
  if (count > limit) {
    return bad("too long; at most " + std::to_string(kMaxDays) + " days or " +
               std::to_string(kMaxMinutesOrHours) + " hours or minutes");
  }
  d.count = count;
  return d;
}

std::string format_duration(const Duration& d) {
  if (d.is_cutoff()) return "cutoff " + format_minute(d.cutoff_minute);
  std::string out = std::to_string(d.count);
  switch (d.unit) {
    case Duration::Unit::kMinutes:
      out += 'm';
      break;
    case Duration::Unit::kHours:
      out += 'h';
      break;
    case Duration::Unit::kDays:
      out += 'd';
      break;
  }
  out += d.kind == Duration::Kind::kBusiness ? " business" : " calendar";
  return out;
}

std::string cutoff_refusal(const Duration& d, const std::string& what) {
  return what + " is " + quote_name(format_duration(d)) +
         ", a deadline rule that only SLA targets accept (an SLA policy's targets, a state's "
         "'sla'); here a length of time is needed, " +
         std::string(kDurationForm);
}

// ---------------------------------------------------------------------------------------------
// Parsing a calendar

// The definition is a JSON object:
//   "id"          required string, [a-z0-9_]{1,64}                           (BAD_NAME)
//   "time_zone"   optional IANA zone name, default "Asia/Shanghai"; it must exist in the system
//                 tz database                                                 (UNKNOWN_TIME_ZONE)
//   "week"        required object; members "mon" .. "sun" (others: UNKNOWN_KEY), each an array of
//                 working periods ["HH:MM", "HH:MM"] on the 24-hour clock, start inclusive, end
//                 exclusive, end may be "24:00". A missing day is not worked. Bad text: BAD_TIME;
//                 an end not after its start, overlapping periods or a pair of the wrong length:
//                 BAD_PERIOD (touching periods are merged). No period on any day: NO_WORKING_TIME.
//   "holidays"    optional array; each "YYYY-MM-DD" or {"from": date, "to": date, "name": text}
//                 (an inclusive range of at most 366 days, "name" optional). Nobody works then.
//   "makeup_days" optional array of make-up working days (调休); each "YYYY-MM-DD" or
//                 {"date": date, "hours_of": "mon".."sun"} (default "mon"): the date is worked
//                 with that weekday's periods whatever weekday it is. A make-up day that is also a
//                 holiday or listed twice is BAD_DATE; a bad "hours_of" is BAD_VALUE; one whose
//                 weekday has no periods is NO_WORKING_TIME.
// Bad dates are BAD_DATE, missing required members MISSING_KEY, wrong JSON types BAD_TYPE.
std::optional<BusinessCalendar> BusinessCalendar::parse(const nlohmann::json& definition,
                                                        const std::string& pointer,
                                                        Problems& problems) {
  JsonReader report(problems);
  if (!definition.is_object()) {
    report.error("BAD_TYPE", pointer,
                 std::string("a calendar must be an object, not ") + definition.type_name());
    return std::nullopt;
  }
  report.check_keys(definition, pointer, {"id", "time_zone", "week", "holidays", "makeup_days"},
                    "a calendar");

  BusinessCalendar calendar;
  if (auto id = string_member(report, definition, pointer, "id", "a calendar", true)) {
    const bool valid =
        !id->empty() && id->size() <= 64 && std::all_of(id->begin(), id->end(), [](char c) {
          return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
        });
    if (!valid) {
      report.error("BAD_NAME", pointer + "/id",
                   "calendar id " + quote_name(*id) +
                       " must be 1-64 characters of lower-case letters, digits and '_'");
    }
    calendar.id_ = std::move(*id);
  }
  const std::string what =
      calendar.id_.empty() ? "the calendar" : "calendar " + quote_name(calendar.id_);

  calendar.zone_name_ = string_member(report, definition, pointer, "time_zone", what, false)
                            .value_or(std::string(kDefaultTimeZone));
  try {
    calendar.zone_ = date::locate_zone(calendar.zone_name_);
  } catch (const std::runtime_error&) {
    report.error("UNKNOWN_TIME_ZONE", pointer + "/time_zone",
                 "unknown time zone " + quote_name(calendar.zone_name_) +
                     "; expected an IANA time zone name such as 'Asia/Shanghai' or "
                     "'Europe/Berlin'");
  }

  // Every weekday parsed without problems and some day has working time.
  bool week_valid = false;
  const auto week = definition.find("week");
  if (week == definition.end()) {
    report.error("MISSING_KEY", pointer + "/week",
                 what +
                     " is missing required key 'week' (working periods per weekday, e.g. "
                     "\"mon\": [[\"09:00\", \"18:00\"]])");
  } else if (!week->is_object()) {
    report.error(
        "BAD_TYPE", pointer + "/week",
        "'week' must be an object with members mon .. sun, not " + std::string(week->type_name()));
  } else {
    const std::size_t errors_before = report.error_count();
    for (const auto& [key, periods] : week->items()) {
      const std::string p = pointer + "/week/" + pointer_token(key);
      const auto day = weekday_index(key);
      if (!day) {
        report.error("UNKNOWN_KEY", p,
                     "unknown weekday " + quote_name(key) + " in 'week'; expected " +
                         std::string(kWeekdayList));
        continue;
      }
      calendar.week_[*day] = parse_day_periods(periods, p, key, report);
    }
    const bool any_work = std::any_of(calendar.week_.begin(), calendar.week_.end(),
                                      [](const auto& periods) { return !periods.empty(); });
    // With broken periods the missing working time is a consequence, not a separate problem.
    if (report.error_count() == errors_before && !any_work) {
      report.error("NO_WORKING_TIME", pointer + "/week",
                   what +
                       " has no working period on any weekday; add working periods to at "
                       "least one day, e.g. \"mon\": [[\"09:00\", \"18:00\"]]");
    }
    week_valid = report.error_count() == errors_before;
  }

  if (const auto holidays = definition.find("holidays"); holidays != definition.end()) {
    if (!holidays->is_array()) {
      report.error("BAD_TYPE", pointer + "/holidays",
                   "'holidays' must be an array, not " + std::string(holidays->type_name()));
    } else {
      for (std::size_t i = 0; i < holidays->size(); ++i) {
        const Json& holiday = (*holidays)[i];
        const std::string p = pointer + "/holidays/" + std::to_string(i);
        if (holiday.is_string()) {
          if (auto day = date_value(report, holiday.get<std::string>(), p)) {
            calendar.holidays_.insert(*day);
          }
          continue;
        }
        if (!holiday.is_object()) {
          report.error("BAD_TYPE", p,
                       "a holiday must be a date \"YYYY-MM-DD\" or an object {\"from\": date, "
                       "\"to\": date, \"name\": text}, not " +
                           std::string(holiday.type_name()));
          continue;
        }
        report.check_keys(holiday, p, {"from", "to", "name"}, "a holiday range");
        string_member(report, holiday, p, "name", "a holiday range", false);
        std::optional<std::int64_t> from, to;
        if (auto text = string_member(report, holiday, p, "from", "a holiday range", true)) {
          from = date_value(report, *text, p + "/from");
        }
        if (auto text = string_member(report, holiday, p, "to", "a holiday range", true)) {
          to = date_value(report, *text, p + "/to");
        }
        if (!from || !to) continue;
        if (*to < *from) {
          report.error("BAD_DATE", p + "/to",
                       "holiday range ends on " + format_date(*to) + ", before it starts on " +
                           format_date(*from) + "; 'to' must be on or after 'from'");
          continue;
        }
        if (*to - *from + 1 > kMaxHolidayRangeDays) {
          report.error("BAD_DATE", p,
                       "holiday range " + format_date(*from) + " .. " + format_date(*to) +
                           " spans " + std::to_string(*to - *from + 1) + " days; at most " +
                           std::to_string(kMaxHolidayRangeDays) + " are allowed");
          continue;
        }
        for (std::int64_t day = *from; day <= *to; ++day) calendar.holidays_.insert(day);
      }
    }
  }

  if (const auto makeup = definition.find("makeup_days"); makeup != definition.end()) {
    if (!makeup->is_array()) {
      report.error("BAD_TYPE", pointer + "/makeup_days",
                   "'makeup_days' must be an array, not " + std::string(makeup->type_name()));
    } else {
      for (std::size_t i = 0; i < makeup->size(); ++i) {
        const Json& entry = (*makeup)[i];
        const std::string p = pointer + "/makeup_days/" + std::to_string(i);
        std::optional<std::int64_t> day;
        std::string date_pointer = p;
        std::string hours_pointer = p;
        int hours_of = 0;  // Monday's hours unless told otherwise
        bool hours_known = true;
        if (entry.is_string()) {
          day = date_value(report, entry.get<std::string>(), p);
        } else if (entry.is_object()) {
          report.check_keys(entry, p, {"date", "hours_of"}, "a make-up day");
          date_pointer = p + "/date";
          if (auto text = string_member(report, entry, p, "date", "a make-up day", true)) {
            day = date_value(report, *text, date_pointer);
          }
          if (entry.contains("hours_of")) {
            hours_pointer = p + "/hours_of";
            auto text = string_member(report, entry, p, "hours_of", "a make-up day", false);
            const auto index = text ? weekday_index(*text) : std::nullopt;
            if (index) {
              hours_of = *index;
            } else {
              hours_known = false;
              if (text) {
                report.error("BAD_VALUE", hours_pointer,
                             "'hours_of' is " + quote_name(*text) +
                                 "; expected the weekday whose "
                                 "working periods apply: " +
                                 std::string(kWeekdayList));
              }
            }
          }
        } else {
          report.error("BAD_TYPE", p,
                       "a make-up day must be a date \"YYYY-MM-DD\" or an object {\"date\": date, "
                       "\"hours_of\": weekday}, not " +
                           std::string(entry.type_name()));
          continue;
        }
        if (hours_known && week_valid && calendar.week_[hours_of].empty()) {
          report.error("NO_WORKING_TIME", hours_pointer,
                       "make-up day " + (day ? format_date(*day) + " " : std::string()) +
                           "takes the working periods of " +
                           quote_name(kWeekdayKeys[static_cast<std::size_t>(hours_of)]) +
                           ", which has none; set 'hours_of' to a weekday with working periods");
        }
        if (!day) continue;
        if (calendar.holidays_.count(*day)) {
          report.error("BAD_DATE", date_pointer,
                       "make-up day " + format_date(*day) +
                           " is also a holiday; a date is either worked or not");
          continue;
        }
        const bool listed = std::any_of(calendar.makeup_days_.begin(), calendar.makeup_days_.end(),
                                        [&](const auto& m) { return m.first == *day; });
        if (listed) {
          report.error("BAD_DATE", date_pointer,
                       "make-up day " + format_date(*day) + " is listed more than once");
          continue;
        }
        calendar.makeup_days_.emplace_back(*day, hours_of);
      }
      std::sort(calendar.makeup_days_.begin(), calendar.makeup_days_.end());
    }
  }

  if (report.error_count() != 0) return std::nullopt;
  return calendar;
}

// ---------------------------------------------------------------------------------------------
// Local days and instants

const std::vector<WorkPeriod>& BusinessCalendar::periods_on(std::int64_t local_day) const {
  static const std::vector<WorkPeriod> kNoPeriods;
  if (holidays_.count(local_day)) return kNoPeriods;
  const auto makeup =
      std::lower_bound(makeup_days_.begin(), makeup_days_.end(), std::make_pair(local_day, 0));
  if (makeup != makeup_days_.end() && makeup->first == local_day) return week_[makeup->second];
  return week_[weekday_index_of(local_day)];
}

std::int64_t BusinessCalendar::local_day_of(Instant t) const {
  return date::floor<date::days>(zone_->to_local(t)).time_since_epoch().count();
}

Instant BusinessCalendar::to_instant(std::int64_t local_day, Millis time_of_day,
                                     GapRule gap_rule) const {
  const LocalMillis local = LocalMillis{date::days{local_day}} + time_of_day;
  const date::local_info info = zone_->get_info(local);
  if (info.result == date::local_info::nonexistent && gap_rule == GapRule::kGapEnd) {
    return info.first.end;  // when the clock jumps forward: the first instant after the gap
  }
  // Unique: the only offset. Ambiguous: `first` is the offset before the clock goes back, which
  // gives the earlier instant. Non-existent (shifted): the offset before the jump, which lands
  // the gap's length after the wall time asked for.
  return Instant{(local - info.first.offset).time_since_epoch()};
}

// ---------------------------------------------------------------------------------------------
// Walking working time

// The working intervals [start, end) (UTC) ending after a given instant, in order, found day
// by day over the periods of each local day; the first one is clipped to start at that instant.
// Gives up after kMaxIdleDays consecutive days without working time.
class BusinessCalendar::WorkingIntervals {
 public:
  struct Interval {
    Instant start;
    Instant end;
  };

  WorkingIntervals(const BusinessCalendar& calendar, Instant from)
      : calendar_(calendar),
        from_(from),
        // A period of the previous day can end at "24:00" and, around a DST change, local days
        // and instants do not line up exactly; starting a day early costs little and is safe.
        day_(calendar.local_day_of(from) - 1) {}

  // The next interval, or nullopt when the search gave up; see `gave_up_at`.
  std::optional<Interval> next() {
    for (;;) {
      const std::vector<WorkPeriod>& periods = calendar_.periods_on(day_);
      while (period_ < periods.size()) {
        const WorkPeriod& p = periods[period_++];
        const Instant start =
            calendar_.to_instant(day_, std::chrono::minutes{p.start_minute}, GapRule::kGapEnd);
        const Instant end =
            calendar_.to_instant(day_, std::chrono::minutes{p.end_minute}, GapRule::kGapEnd);
        if (end <= from_ || end <= start) continue;  // already past, or inside a DST gap
        idle_days_ = 0;
        return Interval{std::max(start, from_), end};
      }
      ++day_;
      period_ = 0;
      if (++idle_days_ > kMaxIdleDays) return std::nullopt;
    }
  }

  // The search limit instant: local midnight of the day the search gave up on.
  Instant gave_up_at() const { return calendar_.to_instant(day_, Millis{0}, GapRule::kGapEnd); }

 private:
  const BusinessCalendar& calendar_;
  const Instant from_;
  std::int64_t day_;
  std::size_t period_ = 0;  // the next period of `day_` to look at
  std::int64_t idle_days_ = 0;
};

bool BusinessCalendar::is_working_time(Instant t) const {
  const std::int64_t local_day = local_day_of(t);
  // Only the periods of the day before, the day and the day after can contain `t` (see
  // WorkingIntervals), so this never searches far even in a long holiday.
  for (std::int64_t d = local_day - 1; d <= local_day + 1; ++d) {
    for (const WorkPeriod& p : periods_on(d)) {
      const Instant start = to_instant(d, std::chrono::minutes{p.start_minute}, GapRule::kGapEnd);
      const Instant end = to_instant(d, std::chrono::minutes{p.end_minute}, GapRule::kGapEnd);
      if (start <= t && t < end) return true;
    }
  }
  return false;
}

Instant BusinessCalendar::next_working_moment(Instant t) const {
  WorkingIntervals intervals(*this, t);
  const auto first = intervals.next();
  return first ? first->start : intervals.gave_up_at();
}

Millis BusinessCalendar::working_time_between(Instant from, Instant to) const {
  Millis total{0};
  if (to <= from) return total;
  WorkingIntervals intervals(*this, from);
  while (const auto interval = intervals.next()) {
    if (interval->start >= to) break;
    total += std::min(interval->end, to) - interval->start;
  }
  return total;
}

Instant BusinessCalendar::add_working_time(Instant start, Millis amount) const {
  WorkingIntervals intervals(*this, start);
  Millis remaining = std::max(amount, Millis{0});
  while (const auto interval = intervals.next()) {
    const Millis length = interval->end - interval->start;
    // `<=` so that zero lands on the first working moment, and an amount that ends exactly with
    // a period ends there rather than at the start of the next one.
    if (remaining <= length) return interval->start + remaining;
    remaining -= length;
  }
  return intervals.gave_up_at();
}

Instant BusinessCalendar::add_calendar_days(Instant start, std::int64_t days) const {
  const LocalMillis local = zone_->to_local(start);
  const auto midnight = date::floor<date::days>(local);
  return to_instant(midnight.time_since_epoch().count() + days, local - midnight,
                    GapRule::kShiftByGap);
}

Instant BusinessCalendar::add_business_days(Instant start, std::int64_t days) const {
  WorkingIntervals intervals(*this, start);
  const auto first = intervals.next();
  if (!first) return intervals.gave_up_at();
  const LocalMillis local = zone_->to_local(first->start);
  const auto midnight = date::floor<date::days>(local);
  std::int64_t day = midnight.time_since_epoch().count();
  std::int64_t idle_days = 0;
  for (std::int64_t counted = 0; counted < days;) {
    ++day;
    if (!periods_on(day).empty()) {
      ++counted;
      idle_days = 0;
    } else if (++idle_days > kMaxIdleDays) {
      return to_instant(day, Millis{0}, GapRule::kGapEnd);
    }
  }
  return next_working_moment(to_instant(day, local - midnight, GapRule::kShiftByGap));
}

Instant BusinessCalendar::closing_time(std::int64_t local_day) const {
  return to_instant(local_day, std::chrono::minutes{periods_on(local_day).back().end_minute},
                    GapRule::kGapEnd);
}

Instant BusinessCalendar::cutoff_deadline(Instant received, int cutoff_minute) const {
  const LocalMillis local = zone_->to_local(received);
  const auto midnight = date::floor<date::days>(local);
  std::int64_t day = midnight.time_since_epoch().count();
  // Before the cutoff on a working day that has not closed yet: that day. A day that closes
  // before its cutoff (a Saturday morning) takes what arrives after closing to the next day.
  if (!periods_on(day).empty() && local - midnight < std::chrono::minutes{cutoff_minute}) {
    const Instant closing = closing_time(day);
    if (received < closing) return closing;
  }
  for (std::int64_t idle_days = 0;;) {
    ++day;
    if (!periods_on(day).empty()) return closing_time(day);
    if (++idle_days > kMaxIdleDays) return to_instant(day, Millis{0}, GapRule::kGapEnd);
  }
}

Instant BusinessCalendar::add(Instant start, const Duration& d) const {
  using std::chrono::hours;
  using std::chrono::minutes;
  if (d.is_cutoff()) return cutoff_deadline(start, d.cutoff_minute);
  const bool business = d.kind == Duration::Kind::kBusiness;
  switch (d.unit) {
    case Duration::Unit::kMinutes:
      return business ? add_working_time(start, minutes{d.count}) : start + minutes{d.count};
    case Duration::Unit::kHours:
      return business ? add_working_time(start, hours{d.count}) : start + hours{d.count};
    case Duration::Unit::kDays:
      return business ? add_business_days(start, d.count) : add_calendar_days(start, d.count);
  }
  return start;  // unreachable: every unit is handled above
}

}  // namespace redress
