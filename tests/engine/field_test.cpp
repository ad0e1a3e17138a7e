// Tests for typed case fields (declarations and canonical values), UTF-8 length, RFC 3339
// parsing and formatting (time.h) and money (money.h).
#include "engine/field.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include <date/date.h>
#include <boost/test/unit_test.hpp>

#include "engine/money.h"
#include "engine/time.h"
#include "tests/engine/test_support.h"

namespace {

using nlohmann::json;
using redress::FieldDef;
using redress::FieldType;
using redress::Instant;
using redress::Millis;
using redress::Money;

FieldDef make_field(const std::string& name, FieldType type) {
  FieldDef f;
  f.name = name;
  f.type = type;
  switch (type) {
    case FieldType::kString:
      f.max_length = redress::kDefaultStringMax;
      break;
    case FieldType::kText:
      f.max_length = redress::kDefaultTextMax;
      break;
    case FieldType::kReference:
      f.max_length = redress::kDefaultReferenceMax;
      break;
    default:
      break;
  }
  return f;
}

// For messages: invalid UTF-8 in a test value must not make dump() throw.
std::string shown(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The canonical value, or a failed check and null.
json accepted(const FieldDef& f, const json& value) {
  const auto r = redress::canonical_field_value(f, value);
  BOOST_TEST(r.ok(), shown(value) << " should be accepted: " << (r.ok() ? "" : r.error().message));
  return r.ok() ? r.value() : json();
}

// The error, checked to be INVALID_FIELD.
redress::Error rejected(const FieldDef& f, const json& value) {
  const auto r = redress::canonical_field_value(f, value);
  BOOST_TEST(!r.ok(), shown(value) << " should be rejected");
  if (r.ok()) return {};
  BOOST_TEST(r.error().code == redress::ErrorCode::kInvalidField);
  return r.error();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

Instant at(int y, unsigned m, unsigned d, int hh, int mm, int ss, int ms = 0) {
  return Instant{date::sys_days{date::year{y} / date::month{m} / date::day{d}}} +
         std::chrono::hours{hh} + std::chrono::minutes{mm} + std::chrono::seconds{ss} + Millis{ms};
}

// Milliseconds since the epoch, for comparisons Boost.Test can print (nullopt prints as min).
long long ms(Instant t) {
  return t.time_since_epoch().count();
}
long long ms(std::optional<Instant> t) {
  return t ? ms(*t) : std::numeric_limits<long long>::min();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(field)

BOOST_AUTO_TEST_CASE(field_type_names_round_trip) {
  for (const char* name :
       {"string", "text", "enum", "bool", "integer", "money", "datetime", "reference"}) {
    const auto type = redress::parse_field_type(name);
    BOOST_TEST_REQUIRE(type.has_value(), name);
    BOOST_TEST(std::string(redress::field_type_name(*type)) == name);
  }
  BOOST_TEST(!redress::parse_field_type("float"));
  BOOST_TEST(!redress::parse_field_type("String"));
}

BOOST_AUTO_TEST_CASE(string_values) {
  auto f = make_field("summary", FieldType::kString);
  BOOST_TEST(accepted(f, "hello") == json("hello"));
  f.max_length = 5;
  // Five code points, fifteen bytes: within a limit of 5.
  BOOST_TEST(accepted(f, "你好世界啊") == json("你好世界啊"));
  const auto too_long = rejected(f, "你好世界啊呀");
  BOOST_TEST(contains(too_long.message, "6 characters long; the maximum is 5"), too_long.message);
  BOOST_TEST(too_long.pointer == "/summary");
  BOOST_TEST(contains(rejected(f, "\xff\xfe").message, "not valid UTF-8"));
  BOOST_TEST(contains(rejected(f, "ab\xc0\xaf").message, "not valid UTF-8"));
  BOOST_TEST(contains(rejected(f, "").message, "must not be empty"));
  const auto wrong = rejected(f, 42);
  BOOST_TEST(wrong.message == "field 'summary' must be a string, not integer");
  rejected(f, json());
  rejected(f, json::array({"a"}));
}

BOOST_AUTO_TEST_CASE(text_and_reference_values) {
  auto text = make_field("notes", FieldType::kText);
  BOOST_TEST(accepted(text, "") == json(""));  // text may be empty
  BOOST_TEST(accepted(text, std::string(10000, 'x')).is_string());
  rejected(text, std::string(10001, 'x'));
  auto ref = make_field("order_id", FieldType::kReference);
  BOOST_TEST(accepted(ref, "ORD-1") == json("ORD-1"));
  rejected(ref, "");
  rejected(ref, std::string(129, 'a'));
  BOOST_TEST(accepted(ref, std::string(128, 'a')).is_string());
}

BOOST_AUTO_TEST_CASE(enum_values) {
  auto f = make_field("category", FieldType::kEnum);
  f.values = {"quality", "delivery"};
  BOOST_TEST(accepted(f, "delivery") == json("delivery"));
  const auto e = rejected(f, "weather");
  BOOST_TEST(contains(e.message, "'weather'"), e.message);
  BOOST_TEST(contains(e.message, "quality, delivery"), e.message);
  rejected(f, "Quality");
  rejected(f, 1);
}

BOOST_AUTO_TEST_CASE(bool_values) {
  const auto f = make_field("confirmed", FieldType::kBool);
  BOOST_TEST(accepted(f, true) == json(true));
  BOOST_TEST(accepted(f, false) == json(false));
  BOOST_TEST(contains(rejected(f, "true").message, "must be true or false, not string"));
  rejected(f, 1);
  rejected(f, json());
}

BOOST_AUTO_TEST_CASE(integer_values) {
  auto f = make_field("count", FieldType::kInteger);
  BOOST_TEST(accepted(f, std::numeric_limits<std::int64_t>::min()) ==
             json(std::numeric_limits<std::int64_t>::min()));
  BOOST_TEST(accepted(f, std::numeric_limits<std::int64_t>::max()) ==
             json(std::numeric_limits<std::int64_t>::max()));
  rejected(f, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1);
  rejected(f, 1.0);
  rejected(f, 1.5);
  rejected(f, "3");
  f.min = 0;
  f.max = 10;
  BOOST_TEST(accepted(f, 0) == json(0));
  BOOST_TEST(accepted(f, 10) == json(10));
  const auto low = rejected(f, -1);
  BOOST_TEST(contains(low.message, "allowed range is 0 to 10"), low.message);
  rejected(f, 11);
  f.min.reset();
  BOOST_TEST(contains(rejected(f, 11).message, "-inf to 10"));
}

BOOST_AUTO_TEST_CASE(money_values) {
  const auto f = make_field("price", FieldType::kMoney);
  BOOST_TEST(accepted(f, json{{"currency", "CNY"}, {"amount", 1299}}) ==
             (json{{"amount", 1299}, {"currency", "CNY"}}));
  BOOST_TEST(accepted(f, json{{"amount", 0}, {"currency", "USD"}})["amount"] == json(0));
  const auto fractional = rejected(f, json{{"amount", 12.99}, {"currency", "CNY"}});
  BOOST_TEST(fractional.pointer == "/price/amount");
  BOOST_TEST(contains(fractional.message, "field 'price'"), fractional.message);
  BOOST_TEST(rejected(f, json{{"amount", -1}, {"currency", "CNY"}}).pointer == "/price/amount");
  BOOST_TEST(rejected(f, json{{"amount", 1}, {"currency", "cny"}}).pointer == "/price/currency");
  BOOST_TEST(rejected(f, json{{"amount", 1}, {"currency", "CNYX"}}).pointer == "/price/currency");
  BOOST_TEST(rejected(f, json{{"amount", 1}, {"currency", 156}}).pointer == "/price/currency");
  BOOST_TEST(rejected(f, json{{"amount", 1}, {"currency", "CNY"}, {"note", "x"}}).pointer ==
             "/price/note");
  BOOST_TEST(rejected(f, json{{"amount", 1}}).pointer == "/price/currency");
  BOOST_TEST(rejected(f, json{{"currency", "CNY"}}).pointer == "/price/amount");
  rejected(f, 1299);
  rejected(f, "CNY 12.99");
}

BOOST_AUTO_TEST_CASE(datetime_values_normalised_to_utc) {
  const auto f = make_field("due", FieldType::kDatetime);
  BOOST_TEST(accepted(f, "2026-11-22T17:30:00+08:00") == json("2026-11-22T09:30:00Z"));
  BOOST_TEST(accepted(f, "2026-11-22T09:30:00Z") == json("2026-11-22T09:30:00Z"));
  BOOST_TEST(accepted(f, "2026-11-22T09:30:00.250-01:00") == json("2026-11-22T10:30:00.250Z"));
  BOOST_TEST(accepted(f, "2026-12-31T23:30:00-01:00") == json("2027-01-01T00:30:00Z"));
  const auto e = rejected(f, "2026-11-22");
  BOOST_TEST(contains(e.message, "'2026-11-22'"), e.message);
  rejected(f, "2026-11-22T24:00:00Z");
  rejected(f, 1764000000);
}

BOOST_AUTO_TEST_CASE(field_declarations) {
  redress::Problems problems;
  redress::JsonReader reader(problems);
  const auto s = redress::parse_field_def("summary", json{{"type", "string"}}, "/fields/0", reader);
  BOOST_TEST_REQUIRE(s.has_value());
  BOOST_TEST(s->max_length == redress::kDefaultStringMax);
  BOOST_TEST(s->editable);
  const auto e = redress::parse_field_def(
      "category", json{{"type", "enum"}, {"values", {"a", "b"}}, {"editable", false}}, "/fields/1",
      reader);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->values.size() == 2u);
  BOOST_TEST(!e->editable);
  BOOST_TEST(problems.empty());

  BOOST_TEST(!redress::parse_field_def("c", json{{"type", "enum"}}, "/f", reader));
  BOOST_TEST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].code == "MISSING_KEY");
  BOOST_TEST(problems[0].pointer == "/f/values");
  problems.clear();
  BOOST_TEST(
      !redress::parse_field_def("c", json{{"type", "enum"}, {"values", {"a", "a"}}}, "/f", reader));
  BOOST_TEST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].code == "DUPLICATE_NAME");
  BOOST_TEST(problems[0].pointer == "/f/values/1");
  problems.clear();
  BOOST_TEST(!redress::parse_field_def("n", json{{"type", "integer"}, {"min", 5}, {"max", 1}}, "/f",
                                       reader));
  BOOST_TEST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].pointer == "/f/min");
  problems.clear();
  BOOST_TEST(!redress::parse_field_def("n", json{{"type", "float"}}, "/f", reader));
  BOOST_TEST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].code == "BAD_FIELD_TYPE");
  BOOST_TEST(problems[0].pointer == "/f/type");
}

BOOST_AUTO_TEST_CASE(utf8_length_counts_code_points) {
  BOOST_TEST(redress::utf8_length("").value() == 0);
  BOOST_TEST(redress::utf8_length("abc").value() == 3);
  BOOST_TEST(redress::utf8_length("你好").value() == 2);
  BOOST_TEST(redress::utf8_length("\xc3\xa9").value() == 1);          // é, U+00E9
  BOOST_TEST(redress::utf8_length("\xef\xbf\xbf").value() == 1);      // U+FFFF
  BOOST_TEST(redress::utf8_length("\xf0\x9f\x98\x80").value() == 1);  // U+1F600
  BOOST_TEST(redress::utf8_length("\xf4\x8f\xbf\xbf").value() == 1);  // U+10FFFF
  BOOST_TEST(redress::utf8_length("a\xe4\xbd\xa0z").value() == 3);
}

BOOST_AUTO_TEST_CASE(utf8_length_rejects_invalid_sequences) {
  for (const char* bad : {
           "\xc0\xaf",          // overlong '/'
           "\xc1\xbf",          // overlong U+007F
           "\xe0\x80\xaf",      // overlong, three bytes
           "\xe0\x9f\xbf",      // overlong U+07FF
           "\xf0\x82\x82\xac",  // overlong U+20AC in four bytes
           "\xed\xa0\x80",      // surrogate U+D800
           "\xed\xbf\xbf",      // surrogate U+DFFF
           "\xf4\x90\x80\x80",  // above U+10FFFF
           "\xf8\x88\x80\x80\x80",
           "\xff",
           "\x80",      // lone continuation byte
           "\xe4\xbd",  // truncated at the end
           "\xe4\xbd"
           "a",  // continuation replaced by ASCII
           "a\xc3",
       }) {
    BOOST_TEST(!redress::utf8_length(bad).has_value(), "accepted invalid UTF-8");
    BOOST_TEST(!redress::is_valid_utf8(bad), "is_valid_utf8 accepted invalid UTF-8");
  }
  BOOST_TEST(redress::is_valid_utf8("a\xe4\xbd\xa0z"));
}

BOOST_AUTO_TEST_CASE(parse_rfc3339_offsets_and_fractions) {
  const auto base = at(2026, 11, 22, 9, 30, 0);
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22T09:30:00Z")) == ms(base));
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22T17:30:00+08:00")) == ms(base));
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22T04:00:00-05:30")) == ms(base));
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22T09:30:00+00:00")) == ms(base));
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22T09:30:00-00:00")) == ms(base));
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22t09:30:00z")) == ms(base));
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22T09:30:00.5Z")) == ms(base + Millis{500}));
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22T09:30:00.250Z")) == ms(base + Millis{250}));
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22T09:30:00.007Z")) == ms(base + Millis{7}));
  // Digits beyond milliseconds are truncated.
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22T09:30:00.123456789Z")) ==
             ms(base + Millis{123}));
  BOOST_TEST(ms(redress::parse_rfc3339("2026-11-22T17:30:00.999+08:00")) == ms(base + Millis{999}));
  // Crossing a date boundary through the offset.
  BOOST_TEST(ms(redress::parse_rfc3339("2026-01-01T01:00:00+08:00")) ==
             ms(at(2025, 12, 31, 17, 0, 0)));
}

BOOST_AUTO_TEST_CASE(parse_rfc3339_calendar_edges) {
  BOOST_TEST(ms(redress::parse_rfc3339("2024-02-29T00:00:00Z")) == ms(at(2024, 2, 29, 0, 0, 0)));
  BOOST_TEST(redress::parse_rfc3339("2000-02-29T12:00:00Z").has_value());
  BOOST_TEST(!redress::parse_rfc3339("2026-02-29T00:00:00Z").has_value());
  BOOST_TEST(!redress::parse_rfc3339("1900-02-29T00:00:00Z").has_value());
  BOOST_TEST(!redress::parse_rfc3339("2026-02-30T00:00:00Z").has_value());
  BOOST_TEST(!redress::parse_rfc3339("2026-04-31T00:00:00Z").has_value());
  BOOST_TEST(!redress::parse_rfc3339("2026-13-01T00:00:00Z").has_value());
  BOOST_TEST(!redress::parse_rfc3339("2026-00-10T00:00:00Z").has_value());
  BOOST_TEST(!redress::parse_rfc3339("2026-01-00T00:00:00Z").has_value());
  BOOST_TEST(redress::parse_rfc3339("2026-11-22T23:59:59Z").has_value());
  BOOST_TEST(!redress::parse_rfc3339("2026-11-22T24:00:00Z").has_value());
  BOOST_TEST(!redress::parse_rfc3339("2026-11-22T12:60:00Z").has_value());
  BOOST_TEST(!redress::parse_rfc3339("2026-11-22T12:00:60Z").has_value());
}

BOOST_AUTO_TEST_CASE(parse_rfc3339_rejects_malformed_text) {
  for (const char* bad : {
           "",
           "2026-11-22",
           "2026-11-22T09:30:00",   // no offset
           "2026-11-22T09:30Z",     // no seconds
           "2026-11-22 09:30:00Z",  // space separator
           "2026/11/22T09:30:00Z",
           "2026-11-22T09:30:00Z ",     // trailing space
           "2026-11-22T09:30:00Zjunk",  // trailing garbage
           "2026-11-22T09:30:00+08:00x",
           "2026-11-22T09:30:00+0800",  // offset without colon
           "2026-11-22T09:30:00+08",
           "2026-11-22T09:30:00+24:00",  // offset hour out of range
           "2026-11-22T09:30:00+08:60",
           "2026-11-22T09:30:00.Z",  // fraction without digits
           "2026-11-22T09:30:00.1234567890Z",
           "2026-11-22T09:30:00,5Z",
           "26-11-22T09:30:00Z",
           "2026-1-22T09:30:00Z",
           "2026-11-22T9:30:00Z",
           "+2026-11-22T09:30:00Z",
           "2026-11-22T09:30:00UTC",
       }) {
    BOOST_TEST(!redress::parse_rfc3339(bad).has_value(), "accepted '" << bad << "'");
  }
}

BOOST_AUTO_TEST_CASE(format_rfc3339_is_canonical_utc) {
  BOOST_TEST(redress::format_rfc3339(at(2026, 11, 22, 9, 30, 0)) == "2026-11-22T09:30:00Z");
  BOOST_TEST(redress::format_rfc3339(at(2026, 11, 22, 9, 30, 0, 250)) ==
             "2026-11-22T09:30:00.250Z");
  BOOST_TEST(redress::format_rfc3339(at(2026, 1, 2, 3, 4, 5, 6)) == "2026-01-02T03:04:05.006Z");
  BOOST_TEST(redress::format_rfc3339(Instant{}) == "1970-01-01T00:00:00Z");
  BOOST_TEST(redress::format_rfc3339(Instant{Millis{-1}}) == "1969-12-31T23:59:59.999Z");
  BOOST_TEST(redress::format_rfc3339(at(2024, 2, 29, 23, 59, 59, 999)) ==
             "2024-02-29T23:59:59.999Z");
  BOOST_TEST(redress::format_rfc3339(at(1, 1, 1, 0, 0, 0, 10)) == "0001-01-01T00:00:00.010Z");
  BOOST_TEST(redress::format_rfc3339(at(9999, 12, 31, 23, 59, 59)) == "9999-12-31T23:59:59Z");
  // Beyond four-digit years the digits are kept (the slow path), never truncated.
  BOOST_TEST(redress::format_rfc3339(at(10000, 1, 1, 0, 0, 0)) == "10000-01-01T00:00:00Z");
  BOOST_TEST(redress::format_rfc3339(at(10000, 1, 1, 0, 0, 0, 5)) == "10000-01-01T00:00:00.005Z");
  // Round trip through an offset form.
  const auto t = redress::parse_rfc3339("2026-11-22T17:30:00.100+08:00").value();
  BOOST_TEST(redress::format_rfc3339(t) == "2026-11-22T09:30:00.100Z");
  BOOST_TEST(ms(redress::parse_rfc3339(redress::format_rfc3339(t))) == ms(t));
}

BOOST_AUTO_TEST_CASE(fake_clock_moves_only_when_told) {
  const auto start = at(2026, 11, 22, 9, 0, 0);
  redress::FakeClock clock(start);
  BOOST_TEST(ms(clock.now()) == ms(start));
  clock.advance(std::chrono::minutes{90});
  BOOST_TEST(ms(clock.now()) == ms(at(2026, 11, 22, 10, 30, 0)));
  clock.set(at(2027, 1, 1, 0, 0, 0));
  BOOST_TEST(ms(clock.now()) == ms(at(2027, 1, 1, 0, 0, 0)));
}

BOOST_AUTO_TEST_CASE(money_json) {
  const auto m = redress::money_from_json(json{{"amount", 1299}, {"currency", "CNY"}});
  BOOST_TEST_REQUIRE(m.ok());
  BOOST_TEST(m.value() == (Money{1299, "CNY"}));
  BOOST_TEST(redress::money_to_json(m.value()) == (json{{"amount", 1299}, {"currency", "CNY"}}));
  BOOST_TEST(!redress::money_from_json(json{{"amount", -5}, {"currency", "CNY"}}).ok());
  const auto neg = redress::money_from_json(json{{"amount", -5}, {"currency", "CNY"}}, true);
  BOOST_TEST_REQUIRE(neg.ok());
  BOOST_TEST(neg.value().amount == -5);
  const auto huge = redress::money_from_json(
      json{{"amount", static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1},
           {"currency", "CNY"}});
  BOOST_TEST_REQUIRE(!huge.ok());
  BOOST_TEST(huge.error().pointer == "/amount");
  BOOST_TEST(!redress::money_from_json(json::array()).ok());
  BOOST_TEST(redress::is_currency_code("CNY"));
  BOOST_TEST(!redress::is_currency_code("Cny"));
  BOOST_TEST(!redress::is_currency_code("CN"));
  BOOST_TEST(!redress::is_currency_code("CNY1"));
  BOOST_TEST(!redress::is_currency_code(""));
}

BOOST_AUTO_TEST_CASE(money_checked_add) {
  const auto max = std::numeric_limits<std::int64_t>::max();
  const auto min = std::numeric_limits<std::int64_t>::min();
  BOOST_TEST(redress::checked_add({100, "CNY"}, {250, "CNY"}).value() == (Money{350, "CNY"}));
  BOOST_TEST(redress::checked_add({max - 1, "CNY"}, {1, "CNY"}).value() == (Money{max, "CNY"}));
  BOOST_TEST(!redress::checked_add({max, "CNY"}, {1, "CNY"}).has_value());
  BOOST_TEST(!redress::checked_add({min, "CNY"}, {-1, "CNY"}).has_value());
  BOOST_TEST(redress::checked_add({-100, "CNY"}, {40, "CNY"}).value() == (Money{-60, "CNY"}));
  BOOST_TEST(!redress::checked_add({100, "CNY"}, {100, "USD"}).has_value());
}

BOOST_AUTO_TEST_CASE(money_formatting) {
  BOOST_TEST(redress::format_money({1299, "CNY"}) == "CNY 12.99");
  BOOST_TEST(redress::format_money({0, "CNY"}) == "CNY 0.00");
  BOOST_TEST(redress::format_money({5, "USD"}) == "USD 0.05");
  BOOST_TEST(redress::format_money({-1299, "CNY"}) == "CNY -12.99");
  BOOST_TEST(redress::format_money({-5, "CNY"}) == "CNY -0.05");
  BOOST_TEST(redress::format_money({std::numeric_limits<std::int64_t>::min(), "CNY"}) ==
             "CNY -92233720368547758.08");
  BOOST_TEST(redress::format_money({std::numeric_limits<std::int64_t>::max(), "CNY"}) ==
             "CNY 92233720368547758.07");
}

BOOST_AUTO_TEST_SUITE_END()
