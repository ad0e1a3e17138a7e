// Webhook signatures, Standard Webhooks scheme (https://www.standardwebhooks.com).
//
// A secret is "whsec_" + base64 of random bytes; the HMAC key is the base64-DECODED part. The
// signature of one attempt covers the message id, the attempt's timestamp and the exact body:
//
//   webhook-signature: v1,<base64(HMAC-SHA256(key, webhook_id + "." + timestamp + "." + body))>
//
// While a subscription's secret is being rotated the header carries one signature per secret,
// separated by spaces ("v1,abc v1,def"); a receiver accepts the message when any of them
// verifies with a secret it knows.
//
// A secret that is not valid base64 after its prefix signs with its raw bytes; storage never
// keeps such a secret (storage/webhook_store.h checks every secret it is given).
//
// Thread-safety: free functions without shared state.
#pragma once

#include "api/http/base64.h"  // secrets and signatures are base64

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redress::api {

// "v1,<base64 signature>" of one message with one secret.
std::string sign(std::string_view secret, std::string_view webhook_id,
                 std::int64_t timestamp_seconds, std::string_view body);

// The webhook-signature header value: one "v1,..." per secret, space-separated, in order.
std::string signature_header(const std::vector<std::string>& secrets, std::string_view webhook_id,
                             std::int64_t timestamp_seconds, std::string_view body);

// Whether any signature of `header_value` is the v1 signature of this message with `secret`.
// Compares in constant time; unknown versions ("v1a,...") and malformed entries are skipped.
bool verify(std::string_view secret, std::string_view webhook_id, std::int64_t timestamp_seconds,
            std::string_view body, std::string_view header_value);

// A fresh secret: "whsec_" + base64 of `bytes` bytes from the OpenSSL CSPRNG (RAND_bytes).
// Returns "" in the (practically impossible) case that the generator fails.
std::string new_secret(std::size_t bytes = 32);

}  // namespace redress::api
