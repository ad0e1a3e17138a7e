#include "api/http/token_codec.h"

#include "api/http/base64.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace redress::api {
namespace {

constexpr std::string_view kTokenPrefix = "rdr_";
constexpr std::string_view kSessionPrefix = "rds_";
constexpr size_t kTokenRandomBytes = 32;  // 256 bits
constexpr size_t kTokenLength = 4 + 43;   // prefix + base64url(32 bytes) without padding

void random_bytes(unsigned char* out, size_t size) {
  if (RAND_bytes(out, static_cast<int>(size)) != 1) {
    // Without a working CSPRNG no token may be issued at all.
    throw std::runtime_error("the system's random number generator failed");
  }
}

}  // namespace

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  random_bytes(raw.data(), raw.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::vector<unsigned char> hash_token(std::string_view token) {
  std::vector<unsigned char> digest(32);
  unsigned int length = 0;
  if (EVP_Digest(token.data(), token.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != 32) {
    throw std::runtime_error("SHA-256 failed");
  }
  return digest;
}

namespace {

NewTokenSecret generate_secret(std::string_view prefix, std::string id) {
  unsigned char raw[kTokenRandomBytes];
  random_bytes(raw, sizeof raw);
  NewTokenSecret out;
  out.token = std::string(prefix) +
              base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
  out.hash = hash_token(out.token);
  out.id = std::move(id);
  return out;
}

bool has_secret_shape(std::string_view token, std::string_view prefix) {
  if (token.size() != kTokenLength || token.substr(0, prefix.size()) != prefix) {
    return false;
  }
  for (char c : token.substr(prefix.size())) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

NewTokenSecret generate_token() {
  return generate_secret(kTokenPrefix, "tok_" + random_hex(8));
}

NewTokenSecret generate_session_token() {
  return generate_secret(kSessionPrefix, "S-" + random_hex(8));
}

bool looks_like_token(std::string_view token) {
  return has_secret_shape(token, kTokenPrefix);
}

bool looks_like_session_token(std::string_view token) {
  return has_secret_shape(token, kSessionPrefix);
}

}  // namespace redress::api
