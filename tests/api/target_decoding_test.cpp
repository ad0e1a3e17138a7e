// parse_target without a socket: the request target split by Boost.URL's origin-form grammar,
// each path segment percent-decoded on its own, the query decoded as browsers encode forms
// ('+' is a space), and every malformed target refused with a precise 400.
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/http/router.h"

namespace redress::api {
namespace {

ParsedTarget decoded_target(std::string_view target) {
  auto result = parse_target(target);
  const auto* problem = std::get_if<ApiProblem>(&result);
  BOOST_REQUIRE_MESSAGE(problem == nullptr,
                        std::string(target) + " refused: " + (problem ? problem->detail : ""));
  return std::get<ParsedTarget>(std::move(result));
}

ApiProblem refused_target(std::string_view target) {
  auto result = parse_target(target);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<ApiProblem>(result),
                        std::string(target) + " was accepted");
  return std::get<ApiProblem>(std::move(result));
}

std::string query_value(const ParsedTarget& target, const std::string& key) {
  const auto found = target.query.find(key);
  BOOST_REQUIRE_MESSAGE(found != target.query.end(), "no query parameter " + key);
  return found->second;
}

bool detail_mentions(const ApiProblem& problem, std::string_view text) {
  return problem.detail.find(text) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(target_decoding)

BOOST_AUTO_TEST_CASE(an_encoded_slash_stays_inside_its_segment) {
  const auto target = decoded_target("/v1/cases/C%2F7/events");
  BOOST_TEST((target.segments == std::vector<std::string>{"v1", "cases", "C/7", "events"}));
  BOOST_TEST(target.path == "/v1/cases/C/7/events");
}

BOOST_AUTO_TEST_CASE(segments_decode_escapes_and_utf8_but_not_plus) {
  const auto target = decoded_target("/v1/teams/caf%C3%A9+bar%20baz");
  BOOST_TEST((target.segments == std::vector<std::string>{"v1", "teams", "caf\xC3\xA9+bar baz"}));
}

BOOST_AUTO_TEST_CASE(root_and_trailing_slash) {
  BOOST_TEST((decoded_target("/").segments == std::vector<std::string>{""}));
  BOOST_TEST(decoded_target("/").path == "/");
  BOOST_TEST((decoded_target("/v1/cases/").segments == std::vector<std::string>{"v1", "cases"}));
  BOOST_TEST(decoded_target("/v1/cases/").path == "/v1/cases");
  BOOST_TEST(
      (decoded_target("/v1//cases").segments == std::vector<std::string>{"v1", "", "cases"}));
  // Dot segments are ordinary segments, never resolved: "/./v1/cases" is not "/v1/cases".
  BOOST_TEST(
      (decoded_target("/./v1/cases").segments == std::vector<std::string>{".", "v1", "cases"}));
  BOOST_TEST(
      (decoded_target("/v1/../cases").segments == std::vector<std::string>{"v1", "..", "cases"}));
}

BOOST_AUTO_TEST_CASE(plus_in_the_query_is_a_space_and_an_encoded_plus_is_a_plus) {
  const auto target = decoded_target("/v1/cases?q=late+parcel&amount=%2B5&na+me=x%20y");
  BOOST_TEST(query_value(target, "q") == "late parcel");
  BOOST_TEST(query_value(target, "amount") == "+5");
  BOOST_TEST(query_value(target, "na me") == "x y");
}

BOOST_AUTO_TEST_CASE(query_parameters_keep_repeats_and_skip_empty_pairs) {
  const auto target = decoded_target("/v1/cases?state=open&&state=closed&flag&empty=&?x=%3D");
  BOOST_TEST(target.query.count("state") == 2u);
  BOOST_TEST(query_value(target, "flag").empty());
  BOOST_TEST(query_value(target, "empty").empty());
  BOOST_TEST(query_value(target, "?x") == "=");
  BOOST_TEST(target.query.size() == 5u);
  BOOST_TEST(decoded_target("/v1/cases?").query.empty());
  BOOST_TEST(decoded_target("/v1/cases?&&").query.empty());
}

BOOST_AUTO_TEST_CASE(bad_escapes_are_refused_naming_the_escape) {
  for (const auto* target : {"/v1/cases/%G1", "/v1/cases/%2", "/v1/cases/%", "/v1/ca%zzses"}) {
    const auto problem = refused_target(target);
    BOOST_TEST((problem.code == ErrorCode::kBadRequest), target);
    BOOST_TEST(detail_mentions(problem, "path has an invalid percent-encoding"), problem.detail);
  }
  const auto query = refused_target("/v1/cases?q=%G1");
  BOOST_TEST((query.code == ErrorCode::kInvalidQuery));
  BOOST_TEST(detail_mentions(query, "query has an invalid percent-encoding '%G1'"), query.detail);
  // A bad path is named before a bad query, as the path is read first.
  const auto both = refused_target("/v1/cases/%FF?q=%G1");
  BOOST_TEST((both.code == ErrorCode::kBadRequest));
  BOOST_TEST(detail_mentions(both, "invalid UTF-8"), both.detail);
  const auto short_escape = refused_target("/v1/cases?q=%2");
  BOOST_TEST((short_escape.code == ErrorCode::kInvalidQuery));
  BOOST_TEST(detail_mentions(short_escape, "'%2'"), short_escape.detail);
}

BOOST_AUTO_TEST_CASE(a_nul_byte_is_refused) {
  const auto path = refused_target("/v1/cases/C%007");
  BOOST_TEST((path.code == ErrorCode::kBadRequest));
  BOOST_TEST(detail_mentions(path, "NUL"), path.detail);
  const auto query = refused_target("/v1/cases?q=a%00b");
  BOOST_TEST((query.code == ErrorCode::kInvalidQuery));
  BOOST_TEST(detail_mentions(query, "NUL"), query.detail);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_refused) {
  // An overlong '/' (%C0%AF) would otherwise smuggle a slash past the segment split.
  for (const auto* target : {"/v1/cases/%C0%AF", "/v1/cases/%FF", "/v1/cases/%ED%A0%80"}) {
    const auto problem = refused_target(target);
    BOOST_TEST((problem.code == ErrorCode::kBadRequest), target);
    BOOST_TEST(detail_mentions(problem, "invalid UTF-8"), problem.detail);
  }
  const auto query = refused_target("/v1/cases?q=%C0%AF");
  BOOST_TEST((query.code == ErrorCode::kInvalidQuery));
  BOOST_TEST(detail_mentions(query, "invalid UTF-8"), query.detail);
}

BOOST_AUTO_TEST_CASE(characters_that_must_be_encoded_are_named) {
  const auto space = refused_target("/v1/ca ses");
  BOOST_TEST((space.code == ErrorCode::kBadRequest));
  BOOST_TEST(detail_mentions(space, "path contains byte 0x20"), space.detail);
  const auto raw_utf8 = refused_target("/v1/caf\xC3\xA9");
  BOOST_TEST(detail_mentions(raw_utf8, "byte 0xC3"), raw_utf8.detail);
  const auto fragment = refused_target("/v1/cases#top");
  BOOST_TEST(detail_mentions(fragment, "path contains '#'"), fragment.detail);
  const auto pipe = refused_target("/v1/cases?q=a|b");
  BOOST_TEST((pipe.code == ErrorCode::kInvalidQuery));
  BOOST_TEST(detail_mentions(pipe, "query contains '|'"), pipe.detail);
}

BOOST_AUTO_TEST_CASE(length_form_and_parameter_count_are_bounded) {
  BOOST_TEST(
      detail_mentions(refused_target("/" + std::string(8 * 1024, 'a')), "longer than 8 KiB"));
  decoded_target("/" + std::string(8 * 1024 - 1, 'a'));
  BOOST_TEST(detail_mentions(refused_target("v1/cases"), "absolute path"));
  BOOST_TEST(detail_mentions(refused_target(""), "absolute path"));
  BOOST_TEST(detail_mentions(refused_target("http://example.com/v1/cases"), "absolute path"));

  std::string hundred = "/v1/cases?";
  for (int i = 0; i < 100; ++i) hundred += "k" + std::to_string(i) + "=v&";
  BOOST_TEST(decoded_target(hundred).query.size() == 100u);
  const auto too_many = refused_target(hundred + "one=more");
  BOOST_TEST((too_many.code == ErrorCode::kInvalidQuery));
  BOOST_TEST(detail_mentions(too_many, "more than 100 query parameters"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
