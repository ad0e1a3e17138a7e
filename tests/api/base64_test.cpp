// The one base64 (api/http/base64.h): RFC 4648's test vectors in both spellings, and the
// refusal of every text that is not the canonical spelling of some bytes. No sockets.
#include "api/http/base64.h"

#include <optional>
#include <string>

#include <boost/test/unit_test.hpp>

using namespace redress::api;

BOOST_AUTO_TEST_SUITE(base64)

BOOST_AUTO_TEST_CASE(standard_base64_matches_rfc_4648_and_round_trips) {
  // RFC 4648 §10.
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : vectors) {
    BOOST_TEST(base64_encode(bytes) == text);
    BOOST_TEST((base64_decode(text) == std::optional<std::string>(bytes)));
  }
  BOOST_TEST(base64_encode(std::string("\0\xff", 2)) == "AP8=");
  BOOST_TEST((base64_decode("AP8=") == std::optional<std::string>(std::string("\0\xff", 2))));
  BOOST_TEST(base64_encode("\xfb\xff") == "+/8=");  // the two characters the alphabets differ in
}

BOOST_AUTO_TEST_CASE(standard_base64_refuses_what_is_not_padded_base64) {
  BOOST_TEST(!base64_decode("Zm9").has_value());     // not a multiple of 4
  BOOST_TEST(!base64_decode("Zm=v").has_value());    // padding inside
  BOOST_TEST(!base64_decode("Zm9v\n").has_value());  // whitespace
  BOOST_TEST(!base64_decode(" Zm9v").has_value());
  BOOST_TEST(!base64_decode("Zm9*").has_value());
  BOOST_TEST(!base64_decode("-_8=").has_value());  // the URL-safe alphabet
}

BOOST_AUTO_TEST_CASE(base64url_is_unpadded_url_safe_and_canonical) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [bytes, text] : vectors) {
    BOOST_TEST(base64url_encode(bytes) == text);
    BOOST_TEST((base64url_decode(text) == std::optional<std::string>(bytes)));
  }
  BOOST_TEST(base64url_encode("\xfb\xff") == "-_8");
  BOOST_TEST((base64url_decode("-_8") == std::optional<std::string>("\xfb\xff")));
  // A 32-byte bearer token secret is 43 characters.
  BOOST_TEST(base64url_encode(std::string(32, '\x5a')).size() == 43u);
}

BOOST_AUTO_TEST_CASE(base64url_refuses_every_other_spelling) {
  BOOST_TEST(!base64url_decode("Zg==").has_value());  // padded
  BOOST_TEST(!base64url_decode("+/8").has_value());   // the standard alphabet
  BOOST_TEST(!base64url_decode("Z").has_value());     // a length no base64 text has
  BOOST_TEST(!base64url_decode("Zh").has_value());    // stray bits: "Zg" is the one spelling of "f"
  BOOST_TEST(!base64url_decode("Zm9v\n").has_value());
  BOOST_TEST(!base64url_decode("Zm 9").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
