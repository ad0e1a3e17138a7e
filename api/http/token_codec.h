// Bearer tokens: generation and hashing.
//
// A token is "rdr_" followed by 43 base64url characters: 256 random bits from OpenSSL's CSPRNG.
// Only SHA-256(token) is stored; the token is shown once when created and never logged. A token
// id ("tok_" + 16 hex digits) names it in lists, logs and revocations.
//
// A console session's secret has the same shape with the prefix "rds_" (so that a person, a log
// scrubber or a secret scanner can tell the two apart) and its id is "S-" + 16 hex digits.
//
// Thread-safety: free functions, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redress::api {

struct NewTokenSecret {
  std::string id;                   // tok_...
  std::string token;                // rdr_... — give to the client once
  std::vector<unsigned char> hash;  // SHA-256 of token, 32 bytes
};

NewTokenSecret generate_token();
// A session secret: id "S-...", token "rds_...".
NewTokenSecret generate_session_token();

// SHA-256 of `token` (32 bytes).
std::vector<unsigned char> hash_token(std::string_view token);

// Whether `token` has the shape of a Redress token (prefix, length, alphabet). Checked before
// hashing so garbage is refused cheaply and clearly.
bool looks_like_token(std::string_view token);
// The same for a session secret ("rds_").
bool looks_like_session_token(std::string_view token);

// `n` random bytes as lowercase hex (ids).
std::string random_hex(size_t bytes);

}  // namespace redress::api
