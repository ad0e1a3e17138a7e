// The ISO 4217 table and what depends on it: which currency codes money may carry, and how
// many digits an amount has after the decimal point when it is printed.
#include "engine/currency.h"

#include <algorithm>
#include <limits>
#include <string>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "engine/money.h"

namespace redress {

BOOST_AUTO_TEST_SUITE(currency)

BOOST_AUTO_TEST_CASE(the_table_is_ordered_and_carries_minor_digits) {
  const auto all = iso_currencies();
  BOOST_TEST(std::is_sorted(all.begin(), all.end(),
                            [](const Currency& a, const Currency& b) { return a.code < b.code; }));
  const auto repeated =
      std::adjacent_find(all.begin(), all.end(),
                         [](const Currency& a, const Currency& b) { return a.code == b.code; });
  BOOST_TEST((repeated == all.end()));
  for (const auto& c : all) {
    BOOST_TEST_INFO(std::string(c.code));
    BOOST_TEST(c.code.size() == 3u);
    BOOST_TEST((c.minor_digits >= 0 && c.minor_digits <= 4));
    BOOST_TEST((find_currency(c.code) == &c));
  }
  BOOST_TEST_REQUIRE((find_currency("JPY") != nullptr));
  BOOST_TEST(find_currency("JPY")->minor_digits == 0);
  BOOST_TEST(find_currency("KWD")->minor_digits == 3);
  BOOST_TEST(find_currency("CNY")->minor_digits == 2);
  BOOST_TEST(find_currency("CLF")->minor_digits == 4);
}

BOOST_AUTO_TEST_CASE(codes_outside_iso_4217_are_refused) {
  for (const char* code : {"CYN", "XYZ", "cny", "Cny", "CN", "CNY1", "", "XAU", "XXX"}) {
    BOOST_TEST_INFO(code);
    BOOST_TEST((find_currency(code) == nullptr));
    BOOST_TEST(!is_currency_code(code));
  }
  for (const char* code : {"CNY", "USD", "EUR", "JPY", "KWD", "HKD", "ZWG"}) {
    BOOST_TEST_INFO(code);
    BOOST_TEST(is_currency_code(code));
  }
}

BOOST_AUTO_TEST_CASE(money_in_an_unknown_currency_is_refused_naming_it) {
  const auto parsed = money_from_json(nlohmann::json{{"amount", 100}, {"currency", "CYN"}});
  BOOST_TEST_REQUIRE(!parsed.ok());
  BOOST_TEST(parsed.error().code == redress::ErrorCode::kInvalidField);
  BOOST_TEST(parsed.error().pointer == "/currency");
  BOOST_TEST(parsed.error().message.find("\"CYN\"") != std::string::npos);
  BOOST_TEST(money_from_json(nlohmann::json{{"amount", 100}, {"currency", "JPY"}}).ok());
}

BOOST_AUTO_TEST_CASE(amounts_print_with_their_currency_digits) {
  BOOST_TEST(format_money({1299, "JPY"}) == "JPY 1299");
  BOOST_TEST(format_money({-1299, "JPY"}) == "JPY -1299");
  BOOST_TEST(format_money({1299, "KWD"}) == "KWD 1.299");
  BOOST_TEST(format_money({5, "KWD"}) == "KWD 0.005");
  BOOST_TEST(format_money({-5, "BHD"}) == "BHD -0.005");
  BOOST_TEST(format_money({12345, "CLF"}) == "CLF 1.2345");
  BOOST_TEST(format_money({1299, "CNY"}) == "CNY 12.99");
  BOOST_TEST(format_money({std::numeric_limits<std::int64_t>::min(), "JPY"}) ==
             "JPY -9223372036854775808");
  BOOST_TEST(format_money({std::numeric_limits<std::int64_t>::max(), "KWD"}) ==
             "KWD 9223372036854775.807");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress
