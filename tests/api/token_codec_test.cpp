// Bearer tokens without a socket: a generated token has the documented shape, its stored form is
// its SHA-256 (never the token), and tampered, truncated or foreign tokens are refused by shape.
#include "api/http/token_codec.h"

#include <set>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace redress::api {
namespace {

std::string hex(const std::vector<unsigned char>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_codec)

BOOST_AUTO_TEST_CASE(a_generated_token_has_the_documented_shape) {
  const NewTokenSecret secret = generate_token();
  BOOST_TEST(secret.token.size() == 4u + 43u);
  BOOST_TEST(secret.token.rfind("rdr_", 0) == 0u);
  BOOST_TEST(looks_like_token(secret.token));
  BOOST_TEST(secret.id.size() == 4u + 16u);
  BOOST_TEST(secret.id.rfind("tok_", 0) == 0u);
  BOOST_TEST(secret.id.find_first_not_of("0123456789abcdef", 4) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_session_secret_has_its_own_prefix_and_is_no_token) {
  const NewTokenSecret session = generate_session_token();
  BOOST_TEST(session.token.size() == 4u + 43u);
  BOOST_TEST(session.token.rfind("rds_", 0) == 0u);
  BOOST_TEST(session.id.rfind("S-", 0) == 0u);
  BOOST_TEST(session.id.size() == 2u + 16u);
  BOOST_TEST((session.hash == hash_token(session.token)));
  BOOST_TEST(looks_like_session_token(session.token));
  BOOST_TEST(!looks_like_token(session.token));
  const NewTokenSecret token = generate_token();
  BOOST_TEST(!looks_like_session_token(token.token));
  BOOST_TEST(!looks_like_session_token("rds_" + std::string(42, 'A')));
  BOOST_TEST(!looks_like_session_token("rds_" + std::string(42, 'A') + "="));
}

BOOST_AUTO_TEST_CASE(the_stored_form_is_the_sha256_and_never_the_token) {
  const NewTokenSecret secret = generate_token();
  BOOST_TEST(secret.hash.size() == 32u);
  BOOST_TEST((secret.hash == hash_token(secret.token)));
  const std::string stored(secret.hash.begin(), secret.hash.end());
  BOOST_TEST(stored.find(secret.token.substr(4)) == std::string::npos);
  BOOST_TEST(hex(secret.hash).find(secret.token.substr(4)) == std::string::npos);
  // A known vector: SHA-256("abc") (FIPS 180-2).
  BOOST_TEST(hex(hash_token("abc")) ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // One character apart, entirely different hashes.
  std::string other = secret.token;
  other.back() = other.back() == 'A' ? 'B' : 'A';
  BOOST_TEST((hash_token(other) != secret.hash));
}

BOOST_AUTO_TEST_CASE(tokens_are_unique) {
  std::set<std::string> tokens;
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    const NewTokenSecret secret = generate_token();
    BOOST_TEST_REQUIRE(tokens.insert(secret.token).second);
    BOOST_TEST_REQUIRE(ids.insert(secret.id).second);
  }
}

BOOST_AUTO_TEST_CASE(tampered_truncated_and_foreign_tokens_are_refused_by_shape) {
  const std::string token = generate_token().token;
  BOOST_TEST(!looks_like_token(""));
  BOOST_TEST(!looks_like_token("rdr_"));
  BOOST_TEST(!looks_like_token(token.substr(0, token.size() - 1)));  // truncated
  BOOST_TEST(!looks_like_token(token + "A"));                        // extended
  BOOST_TEST(!looks_like_token("RDR_" + token.substr(4)));           // wrong prefix
  BOOST_TEST(!looks_like_token("ghp_" + token.substr(4)));           // another vendor's token
  BOOST_TEST(!looks_like_token(" " + token.substr(1)));
  for (const char bad : {'+', '/', '=', ' ', '.', '\0', '\xC3'}) {
    std::string tampered = token;
    tampered[10] = bad;  // outside base64url
    BOOST_TEST_CONTEXT("byte " << static_cast<int>(static_cast<unsigned char>(bad))) {
      BOOST_TEST(!looks_like_token(tampered));
    }
  }
  // A token of the right shape that was never issued passes the shape check only: the hash
  // lookup refuses it (tests/api/cases_api_test.cpp, unknown tokens are 401).
  std::string forged = token;
  forged[10] = forged[10] == 'A' ? 'B' : 'A';
  BOOST_TEST(looks_like_token(forged));
  BOOST_TEST((hash_token(forged) != hash_token(token)));
}

BOOST_AUTO_TEST_CASE(random_hex_has_two_digits_per_byte) {
  const std::string id = random_hex(8);
  BOOST_TEST(id.size() == 16u);
  BOOST_TEST(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  BOOST_TEST(random_hex(0).empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace redress::api
