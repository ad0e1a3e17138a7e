#include "engine/business_calendar.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/engine/test_support.h"

namespace redress {
namespace {

using Json = nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using testing::describe;

// Mon-Fri 09:00-12:00 and 13:30-18:00 (7.5 working hours a day) in Shanghai, with New Year's
// Day and the 2026 National Day week off, and two make-up days: Sunday 2026-09-27 (Monday's
// hours, the default) and Saturday 2026-10-10 (Friday's hours).
constexpr std::string_view kCnOffice = R"json({
  "id": "cn_office",
  "time_zone": "Asia/Shanghai",
  "week": {
    "mon": [["09:00", "12:00"], ["13:30", "18:00"]],
    "tue": [["13:30", "18:00"], ["09:00", "12:00"]],
    "wed": [["09:00", "12:00"], ["13:30", "18:00"]],
    "thu": [["09:00", "12:00"], ["13:30", "18:00"]],
    "fri": [["09:00", "12:00"], ["13:30", "18:00"]]
  },
  "holidays": ["2026-01-01", {"from": "2026-10-01", "to": "2026-10-07", "name": "National Day"}],
  "makeup_days": ["2026-09-27", {"date": "2026-10-10", "hours_of": "fri"}]
})json";

// Mon-Fri 09:00-17:00 in New York (DST 2026-03-08 and 2026-11-01, both Sundays).
constexpr std::string_view kNyOffice = R"json({
  "id": "ny_office",
  "time_zone": "America/New_York",
  "week": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]], "wed": [["09:00", "17:00"]],
           "thu": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]]}
})json";

// A Sunday night shift in New York, 00:00-06:00 local, spanning both DST changes of 2026.
constexpr std::string_view kNyNight = R"json({
  "id": "ny_night",
  "time_zone": "America/New_York",
  "week": {"sun": [["00:00", "06:00"]]}
})json";

// Mon-Fri 09:00-17:00 in Berlin (DST 2026-03-29 and 2026-10-25).
constexpr std::string_view kBerlinOffice = R"json({
  "id": "berlin_office",
  "time_zone": "Europe/Berlin",
  "week": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]], "wed": [["09:00", "17:00"]],
           "thu": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]]}
})json";

Instant at(std::string_view rfc3339) {
  const auto t = parse_rfc3339(rfc3339);
  BOOST_REQUIRE_MESSAGE(t.has_value(), "bad instant in test: " << rfc3339);
  return *t;
}

// Compares as text so that a failure shows both instants readably.
#define CHECK_INSTANT(actual, expected) \
  BOOST_TEST(format_rfc3339(actual) == format_rfc3339(at(expected)))

BusinessCalendar calendar(std::string_view json_text) {
  Problems problems;
  auto cal = BusinessCalendar::parse(Json::parse(json_text), "/calendars/0", problems);
  BOOST_REQUIRE_MESSAGE(cal.has_value() && problems.empty(), "problems:" << describe(problems));
  return std::move(*cal);
}

Problems problems_of(const Json& definition) {
  Problems problems;
  const auto cal = BusinessCalendar::parse(definition, "/calendars/2", problems);
  BOOST_TEST(!cal.has_value());
  return problems;
}

bool has_error_at(const Problems& problems, std::string_view code, std::string_view pointer) {
  for (const auto& p : problems) {
    if (p.code == code && p.pointer == pointer && p.severity == Severity::kError) return true;
  }
  return false;
}

Duration duration(std::string_view text) {
  auto d = parse_duration(text);
  BOOST_REQUIRE_MESSAGE(d.ok(), "bad duration in test: " << text);
  return d.value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(business_calendar)

// ----------------------------------------------------------------------------------------------
// Durations

BOOST_AUTO_TEST_CASE(parses_valid_durations) {
  using K = Duration::Kind;
  using U = Duration::Unit;
  BOOST_TEST((duration("30m business") == Duration{K::kBusiness, U::kMinutes, 30}));
  BOOST_TEST((duration("4h business") == Duration{K::kBusiness, U::kHours, 4}));
  BOOST_TEST((duration("2d business") == Duration{K::kBusiness, U::kDays, 2}));
  BOOST_TEST((duration("90m calendar") == Duration{K::kCalendar, U::kMinutes, 90}));
  BOOST_TEST((duration("2d calendar") == Duration{K::kCalendar, U::kDays, 2}));
  BOOST_TEST((duration("0m business") == Duration{K::kBusiness, U::kMinutes, 0}));
  BOOST_TEST((duration("100000h calendar") == Duration{K::kCalendar, U::kHours, 100000}));
  BOOST_TEST((duration("100000m business") == Duration{K::kBusiness, U::kMinutes, 100000}));
  BOOST_TEST((duration("3660d business") == Duration{K::kBusiness, U::kDays, 3660}));
}

BOOST_AUTO_TEST_CASE(formats_durations_canonically_and_round_trips) {
  for (const char* text : {"30m business", "4h business", "2d business", "90m calendar",
                           "4h calendar", "2d calendar", "0m business", "3660d calendar"}) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(format_duration(duration(text)) == text);
      BOOST_TEST((duration(format_duration(duration(text))) == duration(text)));
    }
  }
  // Leading zeros are still a decimal count; the canonical form drops them.
  BOOST_TEST(format_duration(duration("007h business")) == "7h business");
}

BOOST_AUTO_TEST_CASE(rejects_malformed_durations) {
  const std::vector<std::string> invalid = {
      "",                                         // empty
      "4h",                                       // no kind
      "4h ",                                      // empty kind
      "4x business",                              // bad unit
      "4 business",                               // no unit
      "h business",                               // no count
      "-4h business",                             // negative
      "+4h business",                             // explicit sign
      "4.5h business",                            // not an integer
      "4h  business",                             // two spaces
      " 4h business",                             // leading space
      "4h business ",                             // trailing space
      "4h\tbusiness",                             // tab
      "4 h business",                             // space before the unit
      "4H business",                              // upper-case unit
      "4h Business",                              // upper-case kind
      "4h weekdays",                              // unknown kind
      "3661d business",                           // too many days
      "100001h calendar",                         // too many hours
      "100001m business",                         // too many minutes
      "99999999999999999999999999999h business",  // would overflow
  };
  for (const auto& text : invalid) {
    BOOST_TEST_CONTEXT("'" << text << "'") {
      const auto d = parse_duration(text);
      BOOST_REQUIRE(!d.ok());
      BOOST_TEST(d.error().code == redress::ErrorCode::kBadDuration);
      BOOST_TEST(d.error().message.find("'" + text + "'") != std::string::npos);
    }
  }
  // Form errors say what the accepted form is; size errors say what the limit is.
  BOOST_TEST(
      parse_duration("4 h business").error().message.find("<count><m|h|d> <business|calendar>") !=
      std::string::npos);
  BOOST_TEST(parse_duration("3661d business").error().message.find("3660 days") !=
             std::string::npos);
}

// ----------------------------------------------------------------------------------------------
// Parsing calendars

BOOST_AUTO_TEST_CASE(parses_a_valid_calendar) {
  const BusinessCalendar cal = calendar(kCnOffice);
  BOOST_TEST(cal.id() == "cn_office");
  BOOST_TEST(cal.time_zone_name() == "Asia/Shanghai");

  Json no_zone = Json::parse(kNyOffice);
  no_zone.erase("time_zone");
  Problems problems;
  const auto defaulted = BusinessCalendar::parse(no_zone, "", problems);
  BOOST_REQUIRE(defaulted.has_value());
  BOOST_TEST(problems.empty());
  BOOST_TEST(defaulted->time_zone_name() == "Asia/Shanghai");
  // 09:00 in Shanghai, not New York.
  BOOST_TEST(defaulted->is_working_time(at("2026-11-16T09:00:00+08:00")));
}

BOOST_AUTO_TEST_CASE(accepts_edge_forms) {
  // Touching periods, "24:00", a 366-day holiday range, an empty day.
  const BusinessCalendar cal = calendar(R"json({
    "id": "edge_1",
    "week": {"mon": [["12:00", "13:00"], ["09:00", "12:00"]], "tue": [],
             "fri": [["20:00", "24:00"]], "sat": [["00:00", "02:00"]]},
    "holidays": [{"from": "2030-01-01", "to": "2031-01-01"}]
  })json");
  // Touching periods are one stretch: 4h from 09:00 ends at 13:00 without a gap.
  CHECK_INSTANT(cal.add_working_time(at("2026-11-16T09:00:00+08:00"), hours{4}),
                "2026-11-16T13:00:00+08:00");
  BOOST_TEST(cal.is_working_time(at("2026-11-16T12:00:00+08:00")));
  // Friday 20:00-24:00 runs straight into Saturday 00:00-02:00.
  BOOST_TEST(cal.is_working_time(at("2026-11-20T23:59:59.999+08:00")));
  BOOST_TEST(cal.is_working_time(at("2026-11-21T00:00:00+08:00")));
  CHECK_INSTANT(cal.add_working_time(at("2026-11-20T23:00:00+08:00"), hours{2}),
                "2026-11-21T01:00:00+08:00");
  BOOST_TEST(cal.working_time_between(at("2026-11-20T00:00:00+08:00"),
                                      at("2026-11-22T00:00:00+08:00")) == hours{6});
}

BOOST_AUTO_TEST_CASE(reports_each_problem_with_code_and_pointer) {
  struct Case {
    const char* what;
    std::function<void(Json&)> breakage;
    std::vector<std::pair<std::string, std::string>> expected;  // code, pointer
  };
  const std::vector<Case> cases = {
      {"unknown zone",
       [](Json& j) { j["time_zone"] = "Asia/Shanghia"; },
       {{"UNKNOWN_TIME_ZONE", "/calendars/2/time_zone"}}},
      {"empty zone",
       [](Json& j) { j["time_zone"] = ""; },
       {{"UNKNOWN_TIME_ZONE", "/calendars/2/time_zone"}}},
      {"zone not a string",
       [](Json& j) { j["time_zone"] = 8; },
       {{"BAD_TYPE", "/calendars/2/time_zone"}}},
      {"time without leading zero",
       [](Json& j) { j["week"]["mon"][0][0] = "9:00"; },
       {{"BAD_TIME", "/calendars/2/week/mon/0/0"}}},
      {"time past midnight",
       [](Json& j) { j["week"]["tue"][1][1] = "24:01"; },
       {{"BAD_TIME", "/calendars/2/week/tue/1/1"}}},
      {"minute 60",
       [](Json& j) { j["week"]["wed"][1][0] = "13:60"; },
       {{"BAD_TIME", "/calendars/2/week/wed/1/0"}}},
      {"period ends before start",
       [](Json& j) {
         j["week"]["wed"][0] = Json::array({"12:00", "09:00"});
       },
       {{"BAD_PERIOD", "/calendars/2/week/wed/0"}}},
      {"empty period",
       [](Json& j) {
         j["week"]["wed"][0] = Json::array({"09:00", "09:00"});
       },
       {{"BAD_PERIOD", "/calendars/2/week/wed/0"}}},
      {"overlapping periods",
       [](Json& j) { j["week"]["thu"] = Json::parse(R"([["13:00","18:00"],["09:00","13:30"]])"); },
       {{"BAD_PERIOD", "/calendars/2/week/thu/1"}}},
      {"nested periods",
       [](Json& j) {
         j["week"]["fri"] =
             Json::parse(R"([["09:00","18:00"],["10:00","11:00"],["12:00","13:00"]])");
       },
       {{"BAD_PERIOD", "/calendars/2/week/fri/1"}, {"BAD_PERIOD", "/calendars/2/week/fri/2"}}},
      {"period of three times",
       [](Json& j) {
         j["week"]["mon"][0] = Json::array({"09:00", "10:00", "11:00"});
       },
       {{"BAD_PERIOD", "/calendars/2/week/mon/0"}}},
      {"time not a string",
       [](Json& j) { j["week"]["mon"][0][1] = 1200; },
       {{"BAD_TYPE", "/calendars/2/week/mon/0/1"}}},
      {"period not an array",
       [](Json& j) { j["week"]["mon"][1] = "13:30-18:00"; },
       {{"BAD_TYPE", "/calendars/2/week/mon/1"}}},
      {"day not an array",
       [](Json& j) { j["week"]["mon"] = "09:00-18:00"; },
       {{"BAD_TYPE", "/calendars/2/week/mon"}}},
      {"week not an object",
       [](Json& j) { j["week"] = Json::array(); },
       {{"BAD_TYPE", "/calendars/2/week"}}},
      {"no working day",
       [](Json& j) { j["week"] = Json::parse(R"({"mon": [], "sat": []})"); },
       {{"NO_WORKING_TIME", "/calendars/2/week"}}},
      {"unknown weekday",
       [](Json& j) { j["week"]["monday"] = Json::array(); },
       {{"UNKNOWN_KEY", "/calendars/2/week/monday"}}},
      {"weekday key needing escape",
       [](Json& j) { j["week"]["mon/tue"] = Json::array(); },
       {{"UNKNOWN_KEY", "/calendars/2/week/mon~1tue"}}},
      {"unknown top-level key",
       [](Json& j) { j["timezone"] = "Asia/Shanghai"; },
       {{"UNKNOWN_KEY", "/calendars/2/timezone"}}},
      {"missing id", [](Json& j) { j.erase("id"); }, {{"MISSING_KEY", "/calendars/2/id"}}},
      {"missing week", [](Json& j) { j.erase("week"); }, {{"MISSING_KEY", "/calendars/2/week"}}},
      {"bad id", [](Json& j) { j["id"] = "CN Office"; }, {{"BAD_NAME", "/calendars/2/id"}}},
      {"id not a string", [](Json& j) { j["id"] = 7; }, {{"BAD_TYPE", "/calendars/2/id"}}},
      {"impossible date",
       [](Json& j) { j["holidays"][0] = "2026-02-30"; },
       {{"BAD_DATE", "/calendars/2/holidays/0"}}},
      {"short date",
       [](Json& j) { j["holidays"][0] = "2026-1-01"; },
       {{"BAD_DATE", "/calendars/2/holidays/0"}}},
      {"range from bad date",
       [](Json& j) { j["holidays"][1]["from"] = "2026/10/01"; },
       {{"BAD_DATE", "/calendars/2/holidays/1/from"}}},
      {"range ends before it starts",
       [](Json& j) { j["holidays"][1]["to"] = "2026-09-30"; },
       {{"BAD_DATE", "/calendars/2/holidays/1/to"}}},
      {"range of 367 days",
       [](Json& j) {
         j["holidays"][1] = {{"from", "2026-01-01"}, {"to", "2027-01-02"}};
       },
       {{"BAD_DATE", "/calendars/2/holidays/1"}}},
      {"range without end",
       [](Json& j) { j["holidays"][1].erase("to"); },
       {{"MISSING_KEY", "/calendars/2/holidays/1/to"}}},
      {"range with unknown key",
       [](Json& j) { j["holidays"][1]["title"] = "Golden Week"; },
       {{"UNKNOWN_KEY", "/calendars/2/holidays/1/title"}}},
      {"range name not a string",
       [](Json& j) { j["holidays"][1]["name"] = 5; },
       {{"BAD_TYPE", "/calendars/2/holidays/1/name"}}},
      {"holidays not an array",
       [](Json& j) { j["holidays"] = "2026-10-01"; },
       {{"BAD_TYPE", "/calendars/2/holidays"}}},
      {"holiday a number",
       [](Json& j) { j["holidays"][0] = 20261001; },
       {{"BAD_TYPE", "/calendars/2/holidays/0"}}},
      {"make-up day on a holiday",
       [](Json& j) { j["makeup_days"][0] = "2026-10-03"; },
       {{"BAD_DATE", "/calendars/2/makeup_days/0"}}},
      {"make-up object on a holiday",
       [](Json& j) { j["makeup_days"][1]["date"] = "2026-01-01"; },
       {{"BAD_DATE", "/calendars/2/makeup_days/1/date"}}},
      {"make-up day twice",
       [](Json& j) { j["makeup_days"].push_back("2026-09-27"); },
       {{"BAD_DATE", "/calendars/2/makeup_days/2"}}},
      {"make-up bad date",
       [](Json& j) { j["makeup_days"][0] = "27.09.2026"; },
       {{"BAD_DATE", "/calendars/2/makeup_days/0"}}},
      {"make-up hours of unknown weekday",
       [](Json& j) { j["makeup_days"][1]["hours_of"] = "friday"; },
       {{"BAD_VALUE", "/calendars/2/makeup_days/1/hours_of"}}},
      {"make-up hours of a free weekday",
       [](Json& j) { j["makeup_days"][1]["hours_of"] = "sat"; },
       {{"NO_WORKING_TIME", "/calendars/2/makeup_days/1/hours_of"}}},
      {"make-up day on a free default Monday",
       [](Json& j) { j["week"]["mon"] = Json::array(); },
       {{"NO_WORKING_TIME", "/calendars/2/makeup_days/0"}}},
      {"make-up without date",
       [](Json& j) { j["makeup_days"][1].erase("date"); },
       {{"MISSING_KEY", "/calendars/2/makeup_days/1/date"}}},
      {"make-up date not a string",
       [](Json& j) { j["makeup_days"][1]["date"] = 1; },
       {{"BAD_TYPE", "/calendars/2/makeup_days/1/date"}}},
      {"make-up with unknown key",
       [](Json& j) { j["makeup_days"][1]["name"] = "x"; },
       {{"UNKNOWN_KEY", "/calendars/2/makeup_days/1/name"}}},
      {"make-up days not an array",
       [](Json& j) { j["makeup_days"] = Json::object(); },
       {{"BAD_TYPE", "/calendars/2/makeup_days"}}},
      {"definition not an object",
       [](Json& j) { j = Json::array(); },
       {{"BAD_TYPE", "/calendars/2"}}},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      Json definition = Json::parse(kCnOffice);
      c.breakage(definition);
      const Problems problems = problems_of(definition);
      BOOST_TEST(problems.size() == c.expected.size(), "problems:" << describe(problems));
      for (const auto& [code, pointer] : c.expected) {
        BOOST_TEST(has_error_at(problems, code, pointer),
                   "expected " << code << " at " << pointer << "; got:" << describe(problems));
      }
      for (const auto& p : problems) BOOST_TEST(!p.message.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(reports_every_problem_at_once) {
  Json definition = Json::parse(kCnOffice);
  definition["time_zone"] = "Nowhere/Atlantis";
  definition["week"]["mon"][0][0] = "9am";
  definition["week"]["tue"][0] = Json::array({"18:00", "13:30"});
  definition["holidays"][0] = "2026-13-01";
  definition["makeup_days"][0] = "2026-10-02";
  definition["colour"] = "blue";
  const Problems problems = problems_of(definition);
  BOOST_TEST(problems.size() == 6u, "problems:" << describe(problems));
  BOOST_TEST(has_error_at(problems, "UNKNOWN_TIME_ZONE", "/calendars/2/time_zone"));
  BOOST_TEST(has_error_at(problems, "BAD_TIME", "/calendars/2/week/mon/0/0"));
  BOOST_TEST(has_error_at(problems, "BAD_PERIOD", "/calendars/2/week/tue/0"));
  BOOST_TEST(has_error_at(problems, "BAD_DATE", "/calendars/2/holidays/0"));
  BOOST_TEST(has_error_at(problems, "BAD_DATE", "/calendars/2/makeup_days/0"));
  BOOST_TEST(has_error_at(problems, "UNKNOWN_KEY", "/calendars/2/colour"));
}

BOOST_AUTO_TEST_CASE(messages_name_the_value_and_what_is_valid) {
  Json definition = Json::parse(kCnOffice);
  definition["time_zone"] = "Asia/Shanghia";
  definition["week"]["mon"][0][0] = "9:00";
  definition["holidays"][0] = "2026-02-30";
  const Problems problems = problems_of(definition);
  BOOST_REQUIRE(problems.size() == 3u);
  for (const auto& p : problems) {
    BOOST_TEST_CONTEXT(p.code) {
      if (p.code == "UNKNOWN_TIME_ZONE") {
        BOOST_TEST(p.message.find("'Asia/Shanghia'") != std::string::npos);
        BOOST_TEST(p.message.find("IANA") != std::string::npos);
      } else if (p.code == "BAD_TIME") {
        BOOST_TEST(p.message.find("'9:00'") != std::string::npos);
        BOOST_TEST(p.message.find("HH:MM") != std::string::npos);
      } else {
        BOOST_TEST(p.code == "BAD_DATE");
        BOOST_TEST(p.message.find("'2026-02-30'") != std::string::npos);
        BOOST_TEST(p.message.find("YYYY-MM-DD") != std::string::npos);
      }
    }
  }
}

// ----------------------------------------------------------------------------------------------
// Working time queries (Shanghai)

BOOST_AUTO_TEST_CASE(working_time_includes_period_starts_and_excludes_ends) {
  const BusinessCalendar cal = calendar(kCnOffice);
  // Monday 2026-11-16.
  BOOST_TEST(!cal.is_working_time(at("2026-11-16T08:59:59.999+08:00")));
  BOOST_TEST(cal.is_working_time(at("2026-11-16T09:00:00+08:00")));
  BOOST_TEST(cal.is_working_time(at("2026-11-16T11:59:59.999+08:00")));
  BOOST_TEST(!cal.is_working_time(at("2026-11-16T12:00:00+08:00")));  // lunch
  BOOST_TEST(!cal.is_working_time(at("2026-11-16T13:29:59.999+08:00")));
  BOOST_TEST(cal.is_working_time(at("2026-11-16T13:30:00+08:00")));
  BOOST_TEST(cal.is_working_time(at("2026-11-16T17:59:59.999+08:00")));
  BOOST_TEST(!cal.is_working_time(at("2026-11-16T18:00:00+08:00")));
  // The weekday is the local one: Monday 07:30 in Shanghai is still Sunday in UTC.
  BOOST_TEST(!cal.is_working_time(at("2026-11-15T23:30:00Z")));
  BOOST_TEST(cal.is_working_time(at("2026-11-16T01:30:00Z")));
}

BOOST_AUTO_TEST_CASE(holidays_override_the_week_and_make_up_days_add_to_it) {
  const BusinessCalendar cal = calendar(kCnOffice);
  BOOST_TEST(!cal.is_working_time(at("2026-01-01T10:00:00+08:00")));  // a Thursday holiday
  BOOST_TEST(cal.is_working_time(at("2026-01-02T10:00:00+08:00")));
  BOOST_TEST(!cal.is_working_time(at("2026-10-05T10:00:00+08:00")));  // Monday in National Day
  BOOST_TEST(cal.is_working_time(at("2026-09-27T10:00:00+08:00")));   // make-up Sunday
  BOOST_TEST(!cal.is_working_time(at("2026-09-27T12:30:00+08:00")));  // with Monday's lunch
  BOOST_TEST(cal.is_working_time(at("2026-10-10T17:59:00+08:00")));   // make-up Saturday
  BOOST_TEST(!cal.is_working_time(at("2026-10-11T10:00:00+08:00")));  // plain Sunday
  BOOST_TEST(!cal.is_working_time(at("2026-10-17T10:00:00+08:00")));  // plain Saturday
}

BOOST_AUTO_TEST_CASE(make_up_days_use_the_named_weekday_hours) {
  Json definition = Json::parse(kCnOffice);
  definition["week"]["fri"] = Json::parse(R"([["10:00", "15:00"]])");
  const BusinessCalendar cal = calendar(definition.dump());
  // Saturday 2026-10-10 works Friday's 10:00-15:00; Sunday 2026-09-27 works Monday's hours.
  BOOST_TEST(!cal.is_working_time(at("2026-10-10T09:30:00+08:00")));
  BOOST_TEST(cal.is_working_time(at("2026-10-10T12:30:00+08:00")));
  BOOST_TEST(!cal.is_working_time(at("2026-10-10T15:00:00+08:00")));
  BOOST_TEST(cal.is_working_time(at("2026-09-27T09:30:00+08:00")));
  BOOST_TEST(cal.working_time_between(at("2026-10-10T00:00:00+08:00"),
                                      at("2026-10-11T00:00:00+08:00")) == hours{5});
}

BOOST_AUTO_TEST_CASE(next_working_moment_skips_to_the_next_period) {
  const BusinessCalendar cal = calendar(kCnOffice);
  CHECK_INSTANT(cal.next_working_moment(at("2026-11-16T10:15:30.250+08:00")),
                "2026-11-16T10:15:30.250+08:00");  // already working
  CHECK_INSTANT(cal.next_working_moment(at("2026-11-16T07:00:00+08:00")),
                "2026-11-16T09:00:00+08:00");  // early morning
  CHECK_INSTANT(cal.next_working_moment(at("2026-11-16T12:30:00+08:00")),
                "2026-11-16T13:30:00+08:00");  // lunch
  CHECK_INSTANT(cal.next_working_moment(at("2026-11-16T18:00:00+08:00")),
                "2026-11-17T09:00:00+08:00");  // evening
  CHECK_INSTANT(cal.next_working_moment(at("2026-11-20T18:30:00+08:00")),
                "2026-11-23T09:00:00+08:00");  // Friday evening
  CHECK_INSTANT(cal.next_working_moment(at("2026-11-22T15:00:00+08:00")),
                "2026-11-23T09:00:00+08:00");  // Sunday
  CHECK_INSTANT(cal.next_working_moment(at("2026-09-30T18:00:00+08:00")),
                "2026-10-08T09:00:00+08:00");  // the National Day week
  CHECK_INSTANT(cal.next_working_moment(at("2026-09-25T18:00:00+08:00")),
                "2026-09-27T09:00:00+08:00");  // to a make-up Sunday
}

BOOST_AUTO_TEST_CASE(adds_business_minutes_and_hours) {
  const BusinessCalendar cal = calendar(kCnOffice);
  // Across lunch: 30 minutes before, 30 after.
  CHECK_INSTANT(cal.add(at("2026-11-16T11:30:00+08:00"), duration("60m business")),
                "2026-11-16T14:00:00+08:00");
  // Overnight: one hour today, one tomorrow.
  CHECK_INSTANT(cal.add(at("2026-11-16T17:00:00+08:00"), duration("2h business")),
                "2026-11-17T10:00:00+08:00");
  // Over the weekend.
  CHECK_INSTANT(cal.add(at("2026-11-20T17:00:00+08:00"), duration("2h business")),
                "2026-11-23T10:00:00+08:00");
  // Ending exactly at a period's end stays there rather than jumping to the next start.
  CHECK_INSTANT(cal.add(at("2026-11-16T09:00:00+08:00"), duration("3h business")),
                "2026-11-16T12:00:00+08:00");
  // A full day's 7.5 hours.
  CHECK_INSTANT(cal.add(at("2026-11-16T09:00:00+08:00"), duration("450m business")),
                "2026-11-16T18:00:00+08:00");
  // Starting outside working time counts from the next working moment.
  CHECK_INSTANT(cal.add(at("2026-11-21T10:00:00+08:00"), duration("30m business")),
                "2026-11-23T09:30:00+08:00");
  // Zero is the first working moment at or after the start.
  CHECK_INSTANT(cal.add(at("2026-11-21T10:00:00+08:00"), duration("0m business")),
                "2026-11-23T09:00:00+08:00");
  CHECK_INSTANT(cal.add(at("2026-11-16T10:00:00+08:00"), duration("0h business")),
                "2026-11-16T10:00:00+08:00");
  // Milliseconds survive.
  CHECK_INSTANT(cal.add(at("2026-11-16T11:45:00.500+08:00"), duration("30m business")),
                "2026-11-16T13:45:00.500+08:00");
  CHECK_INSTANT(cal.add_working_time(at("2026-11-16T11:59:59.999+08:00"), Millis{2}),
                "2026-11-16T13:30:00.001+08:00");
}

BOOST_AUTO_TEST_CASE(adds_business_time_across_national_day_and_make_up_days) {
  const BusinessCalendar cal = calendar(kCnOffice);
  // Wednesday 2026-09-30 17:00: one hour left, then October 1-7 off, then Thursday 10-08.
  CHECK_INSTANT(cal.add(at("2026-09-30T17:00:00+08:00"), duration("8h business")),
                "2026-10-08T17:30:00+08:00");
  // Friday 2026-09-25 17:00: one hour, then the make-up Sunday 09-27.
  CHECK_INSTANT(cal.add(at("2026-09-25T17:00:00+08:00"), duration("2h business")),
                "2026-09-27T10:00:00+08:00");
  // Friday 2026-10-09 17:00: one hour, then the make-up Saturday 10-10.
  CHECK_INSTANT(cal.add(at("2026-10-09T17:00:00+08:00"), duration("2h business")),
                "2026-10-10T10:00:00+08:00");
  // Mon 09-28 .. Wed 09-30, Thu 10-08, Fri 10-09, Sat 10-10: six working days of 7.5h.
  BOOST_TEST(cal.working_time_between(at("2026-09-28T00:00:00+08:00"),
                                      at("2026-10-12T00:00:00+08:00")) == minutes{6 * 450});
}

BOOST_AUTO_TEST_CASE(adds_business_days_at_the_same_local_time) {
  const BusinessCalendar cal = calendar(kCnOffice);
  // Friday afternoon + 2 working days = Tuesday afternoon.
  CHECK_INSTANT(cal.add(at("2026-11-20T15:00:00+08:00"), duration("2d business")),
                "2026-11-24T15:00:00+08:00");
  // Starting outside working time counts from the next working moment (Monday 09:00).
  CHECK_INSTANT(cal.add(at("2026-11-21T10:00:00+08:00"), duration("1d business")),
                "2026-11-24T09:00:00+08:00");
  CHECK_INSTANT(cal.add(at("2026-11-16T19:00:00+08:00"), duration("1d business")),
                "2026-11-18T09:00:00+08:00");
  // From lunch: the next working moment is 13:30.
  CHECK_INSTANT(cal.add(at("2026-11-16T12:30:00+08:00"), duration("1d business")),
                "2026-11-17T13:30:00+08:00");
  // Holidays are not working days; make-up days are.
  CHECK_INSTANT(cal.add(at("2026-09-30T10:00:00+08:00"), duration("1d business")),
                "2026-10-08T10:00:00+08:00");
  CHECK_INSTANT(cal.add(at("2026-10-09T10:00:00+08:00"), duration("1d business")),
                "2026-10-10T10:00:00+08:00");
  CHECK_INSTANT(cal.add(at("2026-09-25T10:00:00+08:00"), duration("1d business")),
                "2026-09-27T10:00:00+08:00");
  // A week of five working days, milliseconds kept.
  CHECK_INSTANT(cal.add(at("2026-11-16T10:00:00.250+08:00"), duration("5d business")),
                "2026-11-23T10:00:00.250+08:00");
  CHECK_INSTANT(cal.add(at("2026-11-21T10:00:00+08:00"), duration("0d business")),
                "2026-11-23T09:00:00+08:00");
}

BOOST_AUTO_TEST_CASE(business_day_landing_outside_that_days_hours_moves_forward) {
  Json definition = Json::parse(kCnOffice);
  definition["week"]["fri"] = Json::parse(R"([["09:00", "16:00"]])");
  const BusinessCalendar cal = calendar(definition.dump());
  // Thursday 17:00 + 1 working day = Friday 17:00, after Friday's hours: Monday 09:00.
  CHECK_INSTANT(cal.add(at("2026-11-19T17:00:00+08:00"), duration("1d business")),
                "2026-11-23T09:00:00+08:00");
  // Within Friday's hours it stays.
  CHECK_INSTANT(cal.add(at("2026-11-19T15:00:00+08:00"), duration("1d business")),
                "2026-11-20T15:00:00+08:00");
}

BOOST_AUTO_TEST_CASE(adds_calendar_time_as_elapsed_time) {
  const BusinessCalendar cal = calendar(kCnOffice);
  // Calendar durations ignore working hours, weekends and holidays.
  CHECK_INSTANT(cal.add(at("2026-11-20T17:00:00+08:00"), duration("90m calendar")),
                "2026-11-20T18:30:00+08:00");
  CHECK_INSTANT(cal.add(at("2026-09-30T17:00:00+08:00"), duration("48h calendar")),
                "2026-10-02T17:00:00+08:00");
  CHECK_INSTANT(cal.add(at("2026-09-30T17:00:00.007+08:00"), duration("2d calendar")),
                "2026-10-02T17:00:00.007+08:00");
  CHECK_INSTANT(cal.add(at("2026-09-30T17:00:00+08:00"), duration("0d calendar")),
                "2026-09-30T17:00:00+08:00");
}

// ----------------------------------------------------------------------------------------------
// Daylight saving time

BOOST_AUTO_TEST_CASE(calendar_days_keep_the_wall_time_across_dst_in_new_york) {
  const BusinessCalendar cal = calendar(kNyOffice);
  // Spring forward: Saturday 10:00 EST -> Sunday 10:00 EDT is 23 hours.
  const Instant before_spring = at("2026-03-07T10:00:00-05:00");
  const Instant after_spring = cal.add(before_spring, duration("1d calendar"));
  CHECK_INSTANT(after_spring, "2026-03-08T10:00:00-04:00");
  BOOST_TEST((after_spring - before_spring == hours{23}));
  // Fall back: Saturday 10:00 EDT -> Sunday 10:00 EST is 25 hours.
  const Instant before_fall = at("2026-10-31T10:00:00-04:00");
  const Instant after_fall = cal.add(before_fall, duration("1d calendar"));
  CHECK_INSTANT(after_fall, "2026-11-01T10:00:00-05:00");
  BOOST_TEST((after_fall - before_fall == hours{25}));
  // A week across the change.
  CHECK_INSTANT(cal.add(at("2026-03-02T09:00:00-05:00"), duration("7d calendar")),
                "2026-03-09T09:00:00-04:00");
  // Calendar hours are elapsed time, not wall time.
  CHECK_INSTANT(cal.add(before_spring, duration("24h calendar")), "2026-03-08T11:00:00-04:00");
  // 02:30 does not exist on 2026-03-08: moved forward by the gap to 03:30 EDT.
  CHECK_INSTANT(cal.add(at("2026-03-07T02:30:00-05:00"), duration("1d calendar")),
                "2026-03-08T03:30:00-04:00");
  // 01:30 happens twice on 2026-11-01: the earlier one (EDT).
  CHECK_INSTANT(cal.add(at("2026-10-31T01:30:00-04:00"), duration("1d calendar")),
                "2026-11-01T01:30:00-04:00");
}

BOOST_AUTO_TEST_CASE(business_time_across_dst) {
  const BusinessCalendar ny = calendar(kNyOffice);
  // Friday 16:00 EST + 2 working hours = Monday 10:00 EDT.
  CHECK_INSTANT(ny.add(at("2026-03-06T16:00:00-05:00"), duration("2h business")),
                "2026-03-09T10:00:00-04:00");
  CHECK_INSTANT(ny.add(at("2026-10-30T16:00:00-04:00"), duration("2h business")),
                "2026-11-02T10:00:00-05:00");
  // Business days keep the local time of day.
  CHECK_INSTANT(ny.add(at("2026-03-06T10:00:00-05:00"), duration("1d business")),
                "2026-03-09T10:00:00-04:00");
  CHECK_INSTANT(ny.add(at("2026-03-02T10:00:00-05:00"), duration("5d business")),
                "2026-03-09T10:00:00-04:00");
  // Working periods follow local time: 09:00 is 13:00Z in summer, 14:00Z in winter.
  BOOST_TEST(ny.is_working_time(at("2026-03-09T13:00:00Z")));
  BOOST_TEST(!ny.is_working_time(at("2026-03-06T13:00:00Z")));
  BOOST_TEST(ny.working_time_between(at("2026-03-02T00:00:00-05:00"),
                                     at("2026-03-14T00:00:00-05:00")) == hours{80});

  const BusinessCalendar berlin = calendar(kBerlinOffice);
  CHECK_INSTANT(berlin.add(at("2026-03-27T16:00:00+01:00"), duration("2h business")),
                "2026-03-30T10:00:00+02:00");
  CHECK_INSTANT(berlin.add(at("2026-10-23T16:00:00+02:00"), duration("2h business")),
                "2026-10-26T10:00:00+01:00");
  const Instant saturday = at("2026-03-28T12:00:00+01:00");
  BOOST_TEST((berlin.add(saturday, duration("1d calendar")) - saturday == hours{23}));
  CHECK_INSTANT(berlin.add(at("2026-10-24T12:00:00+02:00"), duration("1d calendar")),
                "2026-10-25T12:00:00+01:00");
}

BOOST_AUTO_TEST_CASE(periods_spanning_a_dst_change_count_real_time) {
  const BusinessCalendar cal = calendar(kNyNight);
  // Sunday 00:00-06:00 local: 5 real hours on 2026-03-08, 7 on 2026-11-01, 6 otherwise.
  BOOST_TEST(cal.working_time_between(at("2026-03-07T12:00:00Z"), at("2026-03-09T12:00:00Z")) ==
             hours{5});
  BOOST_TEST(cal.working_time_between(at("2026-10-31T12:00:00Z"), at("2026-11-02T12:00:00Z")) ==
             hours{7});
  BOOST_TEST(cal.working_time_between(at("2026-11-07T12:00:00Z"), at("2026-11-09T12:00:00Z")) ==
             hours{6});
  // Six working hours from 00:00 EDT on 2026-11-01 end at 05:00 EST, an hour before 06:00.
  CHECK_INSTANT(cal.add_working_time(at("2026-11-01T00:00:00-04:00"), hours{6}),
                "2026-11-01T05:00:00-05:00");
  // Five hours fill the short night of 2026-03-08 exactly.
  CHECK_INSTANT(cal.add_working_time(at("2026-03-07T12:00:00Z"), hours{5}),
                "2026-03-08T06:00:00-04:00");
  // Both passes through the repeated hour are working time.
  BOOST_TEST(cal.is_working_time(at("2026-11-01T01:30:00-04:00")));
  BOOST_TEST(cal.is_working_time(at("2026-11-01T01:30:00-05:00")));
  BOOST_TEST(!cal.is_working_time(at("2026-11-01T06:00:00-05:00")));
}

BOOST_AUTO_TEST_CASE(period_boundaries_in_a_dst_gap_use_the_end_of_the_gap) {
  // 02:30 does not exist on 2026-03-08 in New York; the period starts when the gap ends (03:00
  // EDT), never before. A period wholly inside the gap has no working time that day.
  const BusinessCalendar cal = calendar(R"json({
    "id": "ny_gap",
    "time_zone": "America/New_York",
    "week": {"sun": [["02:00", "02:45"], ["02:50", "04:00"], ["05:00", "06:00"]]}
  })json");
  CHECK_INSTANT(cal.next_working_moment(at("2026-03-08T01:00:00-05:00")),
                "2026-03-08T03:00:00-04:00");
  BOOST_TEST(!cal.is_working_time(at("2026-03-08T06:59:59Z")));
  BOOST_TEST(cal.is_working_time(at("2026-03-08T07:00:00Z")));
  BOOST_TEST(cal.working_time_between(at("2026-03-08T00:00:00-05:00"),
                                      at("2026-03-08T12:00:00-04:00")) == hours{2});
  // On an ordinary Sunday all three periods count: 45m + 70m + 60m.
  BOOST_TEST(cal.working_time_between(at("2026-03-15T00:00:00-04:00"),
                                      at("2026-03-15T12:00:00-04:00")) == minutes{175});
  // An ambiguous period boundary takes the earlier instant.
  const BusinessCalendar fall = calendar(R"json({
    "id": "ny_fall",
    "time_zone": "America/New_York",
    "week": {"sun": [["01:30", "03:00"]]}
  })json");
  CHECK_INSTANT(fall.next_working_moment(at("2026-11-01T00:00:00-04:00")),
                "2026-11-01T01:30:00-04:00");
  BOOST_TEST(fall.working_time_between(at("2026-11-01T00:00:00-04:00"),
                                       at("2026-11-01T12:00:00-05:00")) == minutes{150});
}

// ----------------------------------------------------------------------------------------------
// working_time_between and add_working_time together

BOOST_AUTO_TEST_CASE(working_time_between_empty_and_reversed_ranges) {
  const BusinessCalendar cal = calendar(kCnOffice);
  const Instant t = at("2026-11-16T10:00:00+08:00");
  BOOST_TEST(cal.working_time_between(t, t) == Millis{0});
  BOOST_TEST(cal.working_time_between(t, t - hours{5}) == Millis{0});
  BOOST_TEST(cal.working_time_between(t, t + Millis{1}) == Millis{1});
  BOOST_TEST(cal.working_time_between(at("2026-11-21T00:00:00+08:00"),
                                      at("2026-11-23T00:00:00+08:00")) == Millis{0});
  BOOST_TEST(cal.working_time_between(at("2026-11-16T11:00:00+08:00"),
                                      at("2026-11-16T14:00:00+08:00")) == minutes{90});
  BOOST_TEST(cal.working_time_between(at("2026-11-16T00:00:00+08:00"),
                                      at("2026-11-23T00:00:00+08:00")) == minutes{5 * 450});
  // A year: 2026 has 261 weekdays; New Year's Day and National Day remove 6 of them and the two
  // make-up days add 2.
  BOOST_TEST(cal.working_time_between(at("2026-01-01T00:00:00+08:00"),
                                      at("2027-01-01T00:00:00+08:00")) == minutes{257 * 450});
}

BOOST_AUTO_TEST_CASE(add_working_time_is_the_inverse_of_working_time_between) {
  const BusinessCalendar cn = calendar(kCnOffice);
  const BusinessCalendar ny = calendar(kNyOffice);
  const BusinessCalendar night = calendar(kNyNight);
  struct Sample {
    const BusinessCalendar* cal;
    const char* start;
  };
  const std::vector<Sample> working_starts = {
      {&cn, "2026-11-16T09:00:00+08:00"},     {&cn, "2026-11-16T11:59:59.999+08:00"},
      {&cn, "2026-11-16T13:30:00+08:00"},     {&cn, "2026-11-20T17:45:00+08:00"},
      {&cn, "2026-09-30T17:00:00+08:00"},     {&cn, "2026-10-09T17:59:00+08:00"},
      {&cn, "2026-09-25T10:00:00.123+08:00"}, {&cn, "2026-12-31T16:00:00+08:00"},
      {&ny, "2026-03-06T16:00:00-05:00"},     {&ny, "2026-10-30T16:30:00-04:00"},
      {&night, "2026-11-01T00:00:00-04:00"},  {&night, "2026-03-08T01:59:00-05:00"},
  };
  const std::vector<Millis> amounts = {Millis{1},     minutes{1},   minutes{30},
                                       hours{3},      minutes{450}, hours{8},
                                       minutes{2250}, hours{100},   hours{1000}};
  for (const Sample& s : working_starts) {
    const Instant start = at(s.start);
    BOOST_TEST_CONTEXT(s.cal->id() << " from " << s.start) {
      BOOST_TEST(s.cal->is_working_time(start));
      for (const Millis x : amounts) {
        BOOST_TEST_CONTEXT(x.count() << "ms") {
          const Instant end = s.cal->add_working_time(start, x);
          BOOST_TEST(s.cal->working_time_between(start, end) == x);
          // ... and the earliest such instant.
          BOOST_TEST(s.cal->working_time_between(start, end - Millis{1}) == x - Millis{1});
        }
      }
    }
  }
  // It also holds from outside working time, where counting starts at the next working moment.
  for (const char* text : {"2026-11-21T10:00:00+08:00", "2026-11-16T12:30:00+08:00"}) {
    const Instant start = at(text);
    BOOST_TEST(cn.working_time_between(start, cn.add_working_time(start, hours{9})) == hours{9});
  }
}

// ----------------------------------------------------------------------------------------------
// Termination

BOOST_AUTO_TEST_CASE(long_additions_terminate) {
  const BusinessCalendar cal = calendar(kCnOffice);
  const Instant start = at("2026-11-16T09:00:00+08:00");
  const Instant year = cal.add(start, duration("365d business"));
  BOOST_TEST(cal.is_working_time(year));
  BOOST_TEST((year - start > hours{24 * 365}));
  // Every working day has 7.5 hours, so 365 working days from 09:00 hold 365 * 7.5 hours.
  BOOST_TEST(cal.working_time_between(start, year) == minutes{365 * 450});
  const Instant decade = cal.add(start, duration("3660d business"));
  BOOST_TEST((decade > year));
  const Instant long_hours = cal.add(start, duration("100000h business"));
  BOOST_TEST(cal.working_time_between(start, long_hours) == hours{100000});
  BOOST_TEST(cal.working_time_between(start, long_hours + hours{24 * 365}) > hours{100000});
}

BOOST_AUTO_TEST_CASE(search_gives_up_after_four_years_without_working_time) {
  // Five consecutive years of holidays: no working time from 2027 to 2031.
  const BusinessCalendar cal = calendar(R"json({
    "id": "closed",
    "week": {"mon": [["09:00", "18:00"]]},
    "holidays": [{"from": "2027-01-01", "to": "2027-12-31"}, {"from": "2028-01-01", "to": "2028-12-31"},
                 {"from": "2029-01-01", "to": "2029-12-31"}, {"from": "2030-01-01", "to": "2030-12-31"},
                 {"from": "2031-01-01", "to": "2031-12-31"}]
  })json");
  const Instant start = at("2026-12-31T19:00:00+08:00");
  const Instant limit = cal.next_working_moment(start);
  // The search limit instant: about four years on, still inside the closure.
  BOOST_TEST((limit > at("2030-12-31T00:00:00+08:00")));
  BOOST_TEST((limit < at("2032-01-01T00:00:00+08:00")));
  BOOST_TEST(!cal.is_working_time(limit));
  CHECK_INSTANT(cal.add_working_time(start, hours{1}), format_rfc3339(limit));
  CHECK_INSTANT(cal.add(start, duration("1d business")), format_rfc3339(limit));
  // Before the closure, and after it within four years, all is normal.
  CHECK_INSTANT(cal.next_working_moment(at("2026-12-27T00:00:00+08:00")),
                "2026-12-28T09:00:00+08:00");
  CHECK_INSTANT(cal.next_working_moment(at("2031-06-01T00:00:00+08:00")),
                "2032-01-05T09:00:00+08:00");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress
