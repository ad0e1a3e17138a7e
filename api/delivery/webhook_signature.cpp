#include "api/delivery/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>

namespace redress::api {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kVersionPrefix = "v1,";

std::string signing_key(std::string_view secret) {
  if (secret.substr(0, kSecretPrefix.size()) == kSecretPrefix) {
    secret.remove_prefix(kSecretPrefix.size());
  }
  if (auto key = base64_decode(secret)) return std::move(*key);
  return std::string(secret);
}

// The raw HMAC-SHA256 of the signed content.
std::string mac(std::string_view secret, std::string_view webhook_id,
                std::int64_t timestamp_seconds, std::string_view body) {
  std::string content;
  content.reserve(webhook_id.size() + body.size() + 24);
  content.append(webhook_id).append(".").append(std::to_string(timestamp_seconds)).append(".");
  content.append(body);
  const auto key = signing_key(secret);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), digest,
           &length) == nullptr) {
    return "";
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace

std::string sign(std::string_view secret, std::string_view webhook_id,
                 std::int64_t timestamp_seconds, std::string_view body) {
  return std::string(kVersionPrefix) +
         base64_encode(mac(secret, webhook_id, timestamp_seconds, body));
}

std::string signature_header(const std::vector<std::string>& secrets, std::string_view webhook_id,
                             std::int64_t timestamp_seconds, std::string_view body) {
  std::string header;
  for (const auto& secret : secrets) {
    if (!header.empty()) header += ' ';
    header += sign(secret, webhook_id, timestamp_seconds, body);
  }
  return header;
}

bool verify(std::string_view secret, std::string_view webhook_id, std::int64_t timestamp_seconds,
            std::string_view body, std::string_view header_value) {
  const auto expected = mac(secret, webhook_id, timestamp_seconds, body);
  if (expected.empty()) return false;
  bool found = false;
  while (!header_value.empty()) {
    const size_t space = header_value.find(' ');
    const auto entry = header_value.substr(0, space);
    header_value =
        space == std::string_view::npos ? std::string_view() : header_value.substr(space + 1);
    if (entry.substr(0, kVersionPrefix.size()) != kVersionPrefix) continue;
    const auto given = base64_decode(entry.substr(kVersionPrefix.size()));
    if (!given || given->size() != expected.size()) continue;
    // Every candidate is compared in full: the time taken does not tell which one matched.
    if (CRYPTO_memcmp(given->data(), expected.data(), expected.size()) == 0) found = true;
  }
  return found;
}

std::string new_secret(std::size_t bytes) {
  std::string random(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(bytes)) != 1) {
    return "";
  }
  return std::string(kSecretPrefix) + base64_encode(random);
}

}  // namespace redress::api
