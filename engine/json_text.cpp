#include "engine/json_text.h"

#include <cstdio>

namespace redress {
namespace {

// The offset of the first '[' or '{' that opens level max_nesting + 1, or npos. Brackets inside
// strings do not count; an unterminated string just ends the scan (the parser reports it).
std::size_t first_too_deep(std::string_view text, int max_nesting) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_nesting) return i;
        break;
      case ']':
      case '}':
        // Unbalanced closers are a syntax error the parser reports; never let depth go negative.
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return std::string_view::npos;
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, ...": the tag is
// an implementation detail, the rest is a useful sentence.
std::string reason_from(const nlohmann::json::exception& e) {
  std::string_view what = e.what();
  if (!what.empty() && what.front() == '[') {
    const auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return printable_ascii(what);
}

}  // namespace

std::string printable_ascii(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out.push_back(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
    }
  }
  return out;
}

std::variant<nlohmann::json, JsonTextError> parse_json_text(std::string_view text,
                                                            int max_nesting) {
  if (const auto at = first_too_deep(text, max_nesting); at != std::string_view::npos) {
    return JsonTextError{at, "arrays and objects nested more than " + std::to_string(max_nesting) +
                                 " levels deep at byte " + std::to_string(at)};
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based and points one past the offending byte's start.
    return JsonTextError{e.byte > 0 ? e.byte - 1 : 0, reason_from(e)};
  } catch (const nlohmann::json::exception& e) {
    // out_of_range.406 (a number beyond double's range such as 1e400) carries no offset.
    return JsonTextError{std::nullopt, reason_from(e)};
  }
}

}  // namespace redress
