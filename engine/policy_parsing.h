// Helpers shared by the policy parsers (compensation, escalation): JSON type names for messages,
// a type check and name checks. Problems go to the one collector, JsonReader.
// Internal to engine/; not part of any module's public surface.
#pragma once

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/json_reader.h"

namespace redress::policy_parsing {

using nlohmann::json;

inline const char* json_type(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a fractional number";
    default:
      return "another kind of value";
  }
}

inline bool expect_type(bool ok, const json& value, const std::string& pointer,
                        const std::string& what, const char* expected, JsonReader& log) {
  if (!ok) {
    log.error("BAD_TYPE", pointer, what + " must be " + expected + ", not " + json_type(value));
  }
  return ok;
}

// [a-z0-9_]{1,64}: rule ids, signal kinds, teams, segments and tiers.
inline bool is_plain_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

template <typename Names>
bool is_one_of(std::string_view value, const Names& names) {
  return std::find(std::begin(names), std::end(names), value) != std::end(names);
}

}  // namespace redress::policy_parsing
