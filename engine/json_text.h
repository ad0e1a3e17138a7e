// parse_json_text: the one way untrusted JSON text becomes an nlohmann::json.
//
// nlohmann's parser itself is iterative, but copying, comparing and walking the resulting value
// recurse once per nesting level, so a 600 KB body of "[[[[..." overflows the stack of whichever
// thread touches it. The depth is therefore checked before parsing, in one linear scan. Every
// failure nlohmann can raise (syntax errors, numbers beyond double's range) comes back as a value,
// never as an exception, and its message is plain ASCII: nlohmann quotes the bytes it last read,
// which may be invalid UTF-8 that a JSON error response could not carry.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace redress {

// Deeper than any workflow definition, policy or request body needs; shallow enough that walking
// the value recursively stays far inside an ASan-instrumented thread's stack.
inline constexpr int kMaxJsonNesting = 64;

struct JsonTextError {
  // 0-based offset of the byte where parsing stopped; none for a number beyond double's range.
  std::optional<std::size_t> byte_offset;
  std::string reason;  // printable ASCII, without nlohmann's "[json.exception...]" tag
};

std::variant<nlohmann::json, JsonTextError> parse_json_text(std::string_view text,
                                                            int max_nesting = kMaxJsonNesting);

// Replaces every byte outside printable ASCII with \xNN, so any text can go into an error message.
std::string printable_ascii(std::string_view text);

}  // namespace redress
