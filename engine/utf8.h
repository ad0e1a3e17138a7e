// The one UTF-8 validator: every text the server takes in (request targets and bodies, field
// values, directory names, webhook payloads) is checked by this decoder, so that "valid UTF-8"
// means the same everywhere: no overlong forms, no surrogates (U+D800..U+DFFF), nothing past
// U+10FFFF, no truncated sequence (RFC 3629).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace redress {

// Number of Unicode code points in `text`, or nullopt when `text` is not valid UTF-8.
std::optional<std::int64_t> utf8_length(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return utf8_length(text).has_value();
}

}  // namespace redress
