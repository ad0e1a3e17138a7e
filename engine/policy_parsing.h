// Helpers shared by the policy parsers (compensation, escalation): a problem log that knows
// whether this parse added an error, JSON type names for messages, and key and name checks.
// Internal to engine/; not part of any module's public surface.
#pragma once

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/validation_problem.h"

namespace redress::policy_parsing {

using nlohmann::json;

// Collects problems for one parse and remembers whether this parse reported an error (the
// caller's list may already hold problems from other files).
class ProblemLog {
 public:
  explicit ProblemLog(Problems& problems) : problems_(problems), first_(problems.size()) {}

  void error(std::string code, std::string pointer, std::string message) {
    problems_.push_back(
        {Severity::kError, std::move(code), std::move(pointer), std::move(message), {}});
  }
  void warning(std::string code, std::string pointer, std::string message) {
    problems_.push_back(
        {Severity::kWarning, std::move(code), std::move(pointer), std::move(message), {}});
  }

  bool has_new_errors() const {
    for (size_t i = first_; i < problems_.size(); ++i) {
      if (problems_[i].severity == Severity::kError) return true;
    }
    return false;
  }

 private:
  Problems& problems_;
  size_t first_;
};

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

inline std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

template <typename Names>
std::string join(const Names& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

inline void check_keys(const json& object, const std::string& pointer,
                       std::initializer_list<std::string_view> allowed, ProblemLog& log) {
  for (const auto& [key, _] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      log.error("UNKNOWN_KEY", pointer + "/" + pointer_token(key),
                "unknown key " + in_quotes(key) + "; expected one of: " + join(allowed));
    }
  }
}

inline bool expect_type(bool ok, const json& value, const std::string& pointer,
                        const std::string& what, const char* expected, ProblemLog& log) {
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
