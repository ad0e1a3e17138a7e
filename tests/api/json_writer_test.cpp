// JsonWriter must write exactly what nlohmann::json::dump() writes for the same value, since
// listings built with it sit beside documents nlohmann serialised.
#include "api/http/json_writer.h"

#include <string>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

namespace redress::api {

BOOST_AUTO_TEST_SUITE(json_writer)

BOOST_AUTO_TEST_CASE(strings_are_escaped_as_nlohmann_escapes_them) {
  std::string every_control;
  for (int c = 0; c < 0x20; ++c) every_control.push_back(static_cast<char>(c));
  for (const std::string& text :
       {std::string(""), std::string("plain"), std::string("q\"b\\s/"), every_control,
        std::string("\x7f del"), std::string("投诉 ümlaut 😀"), std::string("tail\n")}) {
    std::string written;
    append_json_string(written, text);
    BOOST_TEST(written == nlohmann::json(text).dump());
  }
}

BOOST_AUTO_TEST_CASE(nested_structures_match_dump) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .key("a")
      .begin_array()
      .integer(1)
      .integer(-9223372036854775807LL - 1)
      .boolean(true)
      .null()
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .string("x")
      .end_array()
      .key("b")
      .string_or_null("")
      .key("c")
      .string_or_null("y")
      .key("d")
      .time(Instant{Millis{1500}})
      .key("e")
      .time_or_null(std::nullopt)
      .key("f")
      .raw(R"({"already":[1,2]})")
      .end_object();
  const nlohmann::json expected = {{"a",
                                    {1, -9223372036854775807LL - 1, true, nullptr,
                                     nlohmann::json::object(), nlohmann::json::array(), "x"}},
                                   {"b", nullptr},
                                   {"c", "y"},
                                   {"d", "1970-01-01T00:00:01.500Z"},
                                   {"e", nullptr},
                                   {"f", {{"already", {1, 2}}}}};
  BOOST_TEST(out == expected.dump());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
