// JsonWriter: appends compact JSON straight to a string, for the hot listings.
//
// Building an nlohmann::json per row (a std::map per object, a heap string per member) and then
// serialising it cost more than the SQLite query behind a 50-case queue page: 65% of the
// server's time in the queue benchmark (docs/benchmarks.md). The writer produces the same text
// nlohmann's dump() does (same escaping, no spaces), without the intermediate tree.
//
// The caller keeps the structure balanced; a key outside an object or a value where a key is due
// is a programming error caught by assert in debug builds.
//
// Thread-safety: not thread-safe; one writer per response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/time.h"

namespace redress::api {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // An object member's name; the next call writes its value.
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view text);
  // A string, or null when `text` is empty (optional references such as an assignee).
  JsonWriter& string_or_null(std::string_view text);
  JsonWriter& integer(std::int64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // An RFC 3339 UTC timestamp, or null.
  JsonWriter& time(Instant instant);
  JsonWriter& time_or_null(const std::optional<Instant>& instant);
  // A value that is already serialised JSON (a stored document, an event rendered once for
  // many messages); written as is.
  JsonWriter& raw(std::string_view json);

 private:
  void before_value();

  std::string& out_;
  // One entry per open object or array: whether it already has a member (a comma is due).
  std::vector<bool> has_member_;
  bool after_key_ = false;
};

// Appends `text` as a JSON string literal, escaped exactly as nlohmann::json::dump() escapes it
// (UTF-8 passes through; ", \ and control characters are escaped).
void append_json_string(std::string& out, std::string_view text);

}  // namespace redress::api
