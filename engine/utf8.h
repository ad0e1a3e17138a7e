// The one UTF-8 validator: every text the server takes in (request targets and bodies, field
// values, directory names, webhook payloads) is checked by this decoder, so that "valid UTF-8"
// means the same everywhere: no overlong forms, no surrogates (U+D800..U+DFFF), nothing past
// U+10FFFF, no truncated sequence (RFC 3629).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redress {

// Number of Unicode code points in `text`, or nullopt when `text` is not valid UTF-8.
std::optional<std::int64_t> utf8_length(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
  return utf8_length(text).has_value();
}

// `text` shortened to at most `max_code_points` code points for a listing: unchanged when it
// fits, else its first max_code_points - 1 code points followed by "…" (U+2026), so the result
// is exactly max_code_points long. Cuts only between code points. Meant for valid UTF-8 (every
// stored text is); a malformed byte counts as a code point of its own and is never split off
// from the bytes after it that continue it. max_code_points 0 gives "".
std::string utf8_truncate(std::string_view text, std::size_t max_code_points);

}  // namespace redress
