// utf8_truncate: the listing's cut of long texts, on code point boundaries.
#include <string>

#include <boost/test/unit_test.hpp>

#include "engine/utf8.h"

BOOST_AUTO_TEST_SUITE(utf8)

BOOST_AUTO_TEST_CASE(a_text_that_fits_is_unchanged) {
  BOOST_TEST(redress::utf8_truncate("", 5) == "");
  BOOST_TEST(redress::utf8_truncate("seams", 5) == "seams");
  BOOST_TEST(redress::utf8_truncate("袖口开线了", 5) == "袖口开线了");  // 5 code points, 15 bytes
}

BOOST_AUTO_TEST_CASE(a_longer_text_keeps_one_less_code_point_and_an_ellipsis) {
  BOOST_TEST(redress::utf8_truncate("seam split", 5) == "seam\u2026");
  // Three-byte code points are never split: four of them, then the ellipsis.
  const auto cut = redress::utf8_truncate("羽绒服袖口开线", 5);
  BOOST_TEST(cut == "羽绒服袖\u2026");
  BOOST_TEST((redress::utf8_length(cut) == std::optional<std::int64_t>(5)));
  // Four-byte code points (emoji) too.
  BOOST_TEST(redress::utf8_truncate("\U0001F600\U0001F600\U0001F600", 2) == "\U0001F600\u2026");
  BOOST_TEST(redress::utf8_truncate("ab", 1) == "\u2026");
  BOOST_TEST(redress::utf8_truncate("ab", 0) == "");
}

BOOST_AUTO_TEST_SUITE_END()
