// The one base64 of the project: OpenSSL's (EVP_EncodeBlock / EVP_DecodeBlock), in the two
// spellings Redress uses (RFC 4648):
//   - standard, padded (§4): webhook secrets and signatures (Standard Webhooks);
//   - URL-safe, unpadded (§5): bearer tokens and page tokens, which travel in headers and
//     query strings without escaping.
// Decoding refuses whitespace and misplaced padding; base64url decoding accepts only the one
// canonical spelling of some bytes (no stray bits in the last character), so that a tampered
// token cannot pass as another spelling of a valid one.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redress::api {

std::string base64_encode(std::string_view bytes);
// nullopt unless `text` is canonical padded base64 (a multiple of 4 characters; no whitespace).
std::optional<std::string> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);
// nullopt unless `text` is the one unpadded base64url text of its bytes.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace redress::api
