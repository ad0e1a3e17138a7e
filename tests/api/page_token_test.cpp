// The one page token of every listing, without a server: a token round-trips the position it
// was made with, and anything else — another listing's token, a damaged, cut, re-spelled or
// oversized one, a position of other types — is refused with INVALID_QUERY at /query/page_token,
// never read as some other position.
#include "api/routes/page_token.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "api/http/base64.h"
#include "api/http/token_codec.h"

namespace redress::api {
namespace {

const std::vector<PageKeyType> kCaseKey = {PageKeyType::kInteger, PageKeyType::kString};
const PageListing kListing{"cases", kCaseKey, 50};

// The refusal of `token` by the "cases" listing, which must be one.
Error refusal(const std::string& token, std::string_view listing = "cases",
              const std::vector<PageKeyType>& key = kCaseKey) {
  auto decoded = decode_page_token(token, listing, key);
  BOOST_REQUIRE_MESSAGE(!decoded.ok(), "accepted: " << token);
  BOOST_TEST(decoded.error().code == ErrorCode::kInvalidQuery);
  BOOST_TEST(decoded.error().pointer == "/query/page_token");
  return decoded.error();
}

bool mentions(const Error& error, const std::string& words) {
  return error.message.find(words) != std::string::npos;
}

std::string with_char(std::string text, size_t at, char c) {
  text[at] = c;
  return text;
}

// The bytes a token text stands for, and the token text of some bytes (api/http/base64.h, tested
// against RFC 4648's vectors in base64_test.cpp).
std::string bytes_of(const std::string& token) {
  auto bytes = base64url_decode(token);
  BOOST_REQUIRE(bytes.has_value());
  return *bytes;
}

std::string token_of(const std::string& bytes) {
  return base64url_encode(bytes);
}

RequestContext request_with_query(std::multimap<std::string, std::string> query) {
  RequestContext ctx;
  ctx.query = std::move(query);
  return ctx;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(page_token)

BOOST_AUTO_TEST_CASE(a_token_round_trips_its_position) {
  const std::vector<PagePosition> positions = {
      {std::int64_t{0}, std::string("C-1")},
      {std::numeric_limits<std::int64_t>::max(), std::string("C-2026-000123")},
      {std::numeric_limits<std::int64_t>::min(), std::string("")},
      {std::int64_t{-1}, std::string("投诉 with spaces, : and \x1f separators")},
      {std::int64_t{1764460800000}, std::string(128, 'x')},
  };
  for (const auto& position : positions) {
    const auto token = encode_page_token("cases", position);
    BOOST_TEST(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789-_") == std::string::npos,
               token);
    BOOST_TEST(token.size() <= kMaxPageTokenLength);
    auto decoded = decode_page_token(token, "cases", kCaseKey);
    BOOST_REQUIRE(decoded.ok());
    BOOST_TEST((decoded.value() == position));
  }
  // Three strings (the approval queue) and one integer (deliveries) too.
  const PagePosition approval{std::int64_t{42}, std::string("C-7"), std::string("ap-1")};
  const std::vector<PageKeyType> approval_key = {PageKeyType::kInteger, PageKeyType::kString,
                                                 PageKeyType::kString};
  auto decoded =
      decode_page_token(encode_page_token("approvals", approval), "approvals", approval_key);
  BOOST_REQUIRE(decoded.ok());
  BOOST_TEST((decoded.value() == approval));
}

// The format is pinned: tokens handed out before an upgrade keep working after it (this one is
// also the request fuzzer's seed, tests/fuzz/corpus/request/list_cases_page_token).
BOOST_AUTO_TEST_CASE(a_token_of_format_1_reads_as_it_was_written) {
  const std::string token = "AQVjYXNlcwJpAAABmtIPKABzAANDLTG1TjYb3PQAWA";
  const PagePosition position{std::int64_t{1764460800000}, std::string("C-1")};
  BOOST_TEST(encode_page_token("cases", position) == token);
  auto decoded = decode_page_token(token, "cases", kCaseKey);
  BOOST_REQUIRE(decoded.ok());
  BOOST_TEST((decoded.value() == position));
}

BOOST_AUTO_TEST_CASE(another_listings_token_is_refused) {
  const auto teams = encode_page_token("teams", {std::string("after_sales")});
  const std::vector<PageKeyType> by_id = {PageKeyType::kString};
  BOOST_TEST(decode_page_token(teams, "teams", by_id).ok());
  for (const auto* other : {"users", "tokens", "webhooks", "team", "teams ", ""}) {
    BOOST_TEST(mentions(refusal(teams, other, by_id), "another listing"), other);
  }
  // A subscription's deliveries refuse another subscription's token.
  const auto deliveries = encode_page_token("deliveries:crm", {std::int64_t{17}});
  const std::vector<PageKeyType> by_number = {PageKeyType::kInteger};
  BOOST_TEST(decode_page_token(deliveries, "deliveries:crm", by_number).ok());
  BOOST_TEST(mentions(refusal(deliveries, "deliveries:erp", by_number), "another listing"));
}

BOOST_AUTO_TEST_CASE(a_token_with_any_byte_changed_is_refused) {
  const auto token = encode_page_token("cases", {std::int64_t{1764460800000}, std::string("C-1")});
  // Each byte the token stands for, changed and encoded again as a well-formed token text: the
  // checksum no longer agrees (or, for the checksum's own bytes, no longer matches the rest).
  const auto bytes = bytes_of(token);
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (const unsigned char flip : {0x01, 0x80, 0xFF}) {
      auto changed = bytes;
      changed[at] = static_cast<char>(changed[at] ^ flip);
      BOOST_TEST(mentions(refusal(token_of(changed)), "damaged"), at);
    }
  }
  // A token made by hand without the checksum: damaged too.
  BOOST_TEST(mentions(refusal(token_of(bytes.substr(0, bytes.size() - 8))), "damaged"));
  // Every single-character change of the text itself.
  for (size_t at = 0; at < token.size(); ++at) {
    for (const char c : {'A', 'f', '0', '-', '_'}) {
      if (token[at] == c) continue;
      const auto tampered = with_char(token, at, c);
      BOOST_TEST(!decode_page_token(tampered, "cases", kCaseKey).ok(), tampered);
    }
  }
}

BOOST_AUTO_TEST_CASE(text_that_is_not_unpadded_base64url_is_refused) {
  const auto token = encode_page_token("cases", {std::int64_t{5}, std::string("C-1")});
  for (const std::string& bad :
       {std::string("!!"), std::string("not a token"),
        std::string("a"),  // a length no base64 text has
        token + "=", token + "==", token + "%3D", " " + token, token + "\n", std::string("====")}) {
    BOOST_TEST(mentions(refusal(bad), "is not a page token"), bad);
  }
  // The same bytes in standard base64 (with + and /, padded) are not the token.
  std::string standard = token;
  for (auto& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (standard != token) BOOST_TEST(mentions(refusal(standard), "is not a page token"));
  BOOST_TEST(mentions(refusal(base64_encode("\x01\x05"
                                            "cases")),
                      "is not a page token"));
}

BOOST_AUTO_TEST_CASE(a_re_encoded_token_is_refused) {
  // Base64 leaves spare bits in a last character that carries 2 or 4 bits of data; decoders that
  // ignore them read several texts as the same bytes. Only the one canonical text is a token.
  std::string token;
  for (int n = 0; token.size() % 4 == 0; ++n) {
    token = encode_page_token("cases", {std::int64_t{n}, std::string(n % 3, 'x')});
  }
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto last = alphabet.find(token.back());
  const auto spare = token.size() % 4 == 2 ? 0x0F : 0x03;
  BOOST_REQUIRE((last & spare) == 0u);
  const auto respelled = with_char(token, token.size() - 1, alphabet[last | 1u]);
  BOOST_TEST(mentions(refusal(respelled), "is not a page token"));
}

BOOST_AUTO_TEST_CASE(a_truncated_or_extended_token_is_refused) {
  const auto token =
      encode_page_token("approvals", {std::int64_t{9}, std::string("C-1"), std::string("a-1")});
  const std::vector<PageKeyType> key = {PageKeyType::kInteger, PageKeyType::kString,
                                        PageKeyType::kString};
  for (size_t size = 0; size < token.size(); ++size) {
    auto decoded = decode_page_token(token.substr(0, size), "approvals", key);
    BOOST_TEST(!decoded.ok(), size);
  }
  // One more valid base64url group after a whole token is not a token either.
  BOOST_TEST(!decode_page_token(token + "AAAA", "approvals", key).ok());
}

BOOST_AUTO_TEST_CASE(an_oversized_token_is_refused_before_it_is_decoded) {
  const std::string oversized(kMaxPageTokenLength + 1, 'A');
  BOOST_TEST(mentions(refusal(oversized), "longer than any page token"));
  // The encoder never makes one: a position of ids far longer than any stored id throws.
  BOOST_CHECK_THROW(encode_page_token("cases", {std::int64_t{1}, std::string(2000, 'x')}),
                    std::length_error);
}

BOOST_AUTO_TEST_CASE(a_position_of_other_types_is_refused) {
  // The listing's own name, but fields that are not its key (another version of the listing).
  for (const PagePosition& wrong :
       std::vector<PagePosition>{{std::string("C-1"), std::int64_t{5}},
                                 {std::int64_t{5}},
                                 {std::int64_t{5}, std::string("C-1"), std::string("extra")},
                                 {std::int64_t{5}, std::int64_t{6}},
                                 {}}) {
    BOOST_TEST(mentions(refusal(encode_page_token("cases", wrong)), "position of this listing"));
  }
}

BOOST_AUTO_TEST_CASE(read_page_takes_the_size_and_the_position) {
  const auto token = encode_page_token("cases", {std::int64_t{7}, std::string("C-3")});
  auto ctx = request_with_query({{"page_size", "2"}, {"page_token", token}});
  QueryReader query(ctx);
  const auto page = read_page(query, kListing);
  BOOST_TEST(query.ok());
  BOOST_TEST(page.size == 2u);
  BOOST_TEST(page.rows_to_read() == 3u);
  BOOST_REQUIRE(page.after.has_value());
  BOOST_TEST((*page.after == PagePosition{std::int64_t{7}, std::string("C-3")}));

  auto first = request_with_query({});
  QueryReader defaults(first);
  const auto first_page = read_page(defaults, PageListing{"approvals", {}, 100});
  BOOST_TEST(defaults.ok());
  BOOST_TEST(first_page.size == 100u);
  BOOST_TEST(!first_page.after.has_value());

  // The maximum page asks the store for one row more: the store must accept it.
  auto largest = request_with_query({{"page_size", "1000"}});
  QueryReader at_max(largest);
  BOOST_TEST(read_page(at_max, kListing).rows_to_read() == storage::kMaxListingRows);
  BOOST_TEST(storage::check_listing_limit(storage::kMaxListingRows).ok());
}

BOOST_AUTO_TEST_CASE(read_page_reports_every_bad_parameter_at_its_pointer) {
  const auto foreign = encode_page_token("users", {std::string("li.na")});
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"page_size", "0"},
           {"page_size", "1001"},
           {"page_size", "ten"},
           {"page_token", ""},
           {"page_token", "!!"},
           {"page_token", foreign},
           {"page_token", std::string(kMaxPageTokenLength + 1, 'A')}}) {
    auto ctx = request_with_query({{name, value}});
    QueryReader query(ctx);
    const auto page = read_page(query, kListing);
    BOOST_TEST(!query.ok(), name << "=" << value);
    BOOST_TEST(!page.after.has_value());
    const auto problem = query.problem();
    BOOST_TEST(problem.code == ErrorCode::kInvalidQuery);
    BOOST_REQUIRE(problem.errors.size() == 1u);
    BOOST_TEST(problem.errors[0].pointer == "/query/" + name);
  }
}

BOOST_AUTO_TEST_CASE(finish_page_gives_a_token_exactly_when_a_row_follows) {
  const PageListing listing{"numbers", {PageKeyType::kInteger}, 3};
  PageRequest page;
  page.size = 3;
  const auto position_of = [](int row) { return PagePosition{std::int64_t{row}}; };
  std::vector<int> full_and_more = {1, 2, 3, 4};
  const auto next = finish_page(full_and_more, page, listing, position_of);
  BOOST_TEST(full_and_more.size() == 3u);
  BOOST_REQUIRE(next.has_value());
  auto resumed = decode_page_token(*next, "numbers", listing.key);
  BOOST_REQUIRE(resumed.ok());
  BOOST_TEST((resumed.value() == PagePosition{std::int64_t{3}}));
  BOOST_TEST(page_token_json(next) == *next);

  for (std::vector<int> last :
       {std::vector<int>{1, 2, 3}, std::vector<int>{1}, std::vector<int>{}}) {
    const auto size = last.size();
    BOOST_TEST(!finish_page(last, page, listing, position_of).has_value());
    BOOST_TEST(last.size() == size);
  }
  BOOST_TEST(page_token_json(std::nullopt).is_null());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
