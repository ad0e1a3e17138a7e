#include "engine/time.h"

#include <date/date.h>

#include <cstdio>

namespace redress {
namespace {

bool read_digits(std::string_view s, size_t pos, size_t count, int& out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::optional<Instant> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int year, month, day, hour, minute, second;
  if (s.size() < 20) return std::nullopt;
  if (!read_digits(s, 0, 4, year) || s[4] != '-' || !read_digits(s, 5, 2, month) || s[7] != '-' ||
      !read_digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !read_digits(s, 11, 2, hour) || s[13] != ':' || !read_digits(s, 14, 2, minute) ||
      s[16] != ':' || !read_digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;  // no leap seconds
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;

  size_t pos = 19;
  long long millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    long long scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++digits;
      ++pos;
      if (digits > 9) return std::nullopt;
    }
    if (digits == 0) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int sign = s[pos] == '-' ? -1 : 1;
    int oh, om;
    if (!read_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !read_digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = sign * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;

  const auto days = date::sys_days{ymd};
  const Instant local = std::chrono::time_point_cast<Millis>(days) + std::chrono::hours{hour} +
                        std::chrono::minutes{minute} + std::chrono::seconds{second} +
                        Millis{millis};
  return local - std::chrono::minutes{offset_minutes};
}

std::string format_rfc3339(Instant instant) {
  const auto days = date::floor<date::days>(instant);
  const date::year_month_day ymd{days};
  const date::hh_mm_ss<Millis> tod{instant - days};
  const int year = static_cast<int>(ymd.year());
  const long long ms = tod.subseconds().count();
  if (year < 0 || year > 9999) {
    // Outside four-digit years RFC 3339 has no form; keep the digits rather than truncate them.
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", year,
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long long>(tod.hours().count()),
                  static_cast<long long>(tod.minutes().count()),
                  static_cast<long long>(tod.seconds().count()), ms);
    std::string out = buf;
    if (ms == 0) out.erase(out.size() - 5, 4);  // drop ".000"
    return out;
  }
  // Digit by digit: snprintf was most of the cost of listing a queue of cases.
  char buf[24] = "0000-00-00T00:00:00.000";
  const auto put = [&buf](int at, int width, long long value) {
    for (int i = at + width - 1; i >= at; --i, value /= 10)
      buf[i] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, year);
  put(5, 2, static_cast<unsigned>(ymd.month()));
  put(8, 2, static_cast<unsigned>(ymd.day()));
  put(11, 2, tod.hours().count());
  put(14, 2, tod.minutes().count());
  put(17, 2, tod.seconds().count());
  if (ms == 0) {
    buf[19] = 'Z';
    return std::string(buf, 20);
  }
  put(20, 3, ms);
  buf[23] = 'Z';
  return std::string(buf, 24);
}

Instant SystemClock::now() const {
  return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

}  // namespace redress
